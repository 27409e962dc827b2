package io.arcanum.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the CPU time of a JFR recording went, for {@code load-tests/bench.sh}: reads the
 * {@code jdk.ExecutionSample} events (Java threads found running on a CPU, sampled every 10 or 20 ms
 * by JFR's {@code profile} settings) and prints (1) the share of samples by area of the code, each
 * sample counted once, in the area of the frame nearest the top of its stack that belongs to one (JDK
 * frames such as collections belong to their caller's area), (2) the Arcanum methods nearest the top
 * of the stack, i.e. which of our calls the time was spent under, and (3) the methods most often on
 * top of the stack (self time).
 *
 * <p>Usage: {@code JfrSummary recording.jfr [topMethods]}. JFR format: the JDK's
 * {@code jdk.jfr.consumer} API.
 */
public final class JfrSummary {

  /** Areas in the order they are printed: a label and the class-name prefixes that belong to it. */
  private static final Map<String, List<String>> AREAS = new LinkedHashMap<>();

  static {
    AREAS.put("arcanum audit (records, hash chains)", List.of("io.arcanum.api.audit.", "io.arcanum.domain.audit."));
    AREAS.put("arcanum KV (routes, entity, data keys)", List.of("io.arcanum.api.kv.", "io.arcanum.domain.kv.",
        "io.arcanum.persistence.kv."));
    AREAS.put("arcanum auth (tokens, policies)", List.of("io.arcanum.api.auth.", "io.arcanum.domain.token.",
        "io.arcanum.domain.policy."));
    AREAS.put("arcanum barrier (AES-GCM sealing)", List.of("io.arcanum.domain.barrier.",
        "io.arcanum.persistence.SealedEventSerializer", "io.arcanum.persistence.BarrierExtension"));
    AREAS.put("arcanum HTTP front (parsing, JSON)", List.of("io.arcanum.api.http."));
    AREAS.put("Bouncy Castle (AES, GCM, SHA)", List.of("org.bouncycastle."));
    AREAS.put("Jackson (JSON)", List.of("com.fasterxml.jackson."));
    AREAS.put("Pekko HTTP (server, HTTP parsing)", List.of("org.apache.pekko.http."));
    AREAS.put("TLS (JDK SSLEngine)", List.of("sun.security.ssl.", "javax.net.ssl."));
    AREAS.put("Pekko persistence + Cassandra plugin", List.of("org.apache.pekko.persistence."));
    AREAS.put("Cassandra Java driver + Netty", List.of("com.datastax.", "io.netty."));
    AREAS.put("Pekko actors, streams, remoting", List.of("org.apache.pekko.actor.", "org.apache.pekko.dispatch.",
        "org.apache.pekko.stream.", "org.apache.pekko.remote.", "org.apache.pekko.cluster."));
    AREAS.put("Pekko serialization", List.of("org.apache.pekko.serialization."));
    AREAS.put("JDK crypto (TLS ciphers, key exchange)", List.of("com.sun.crypto.", "sun.security."));
    AREAS.put("JDK NIO (socket reads, writes)", List.of("sun.nio.", "java.nio.channels."));
    AREAS.put("logging", List.of("ch.qos.logback.", "org.slf4j."));
  }

  private JfrSummary() {}

  /**
   * @param args the recording file, then optionally how many top methods to print (default 15)
   * @throws IOException if the recording cannot be read
   */
  public static void main(String[] args) throws IOException {
    if (args.length < 1) {
      System.err.println("usage: JfrSummary recording.jfr [topMethods]");
      System.exit(2);
    }
    int top = args.length > 1 ? Integer.parseInt(args[1]) : 15;
    long samples = 0;
    Map<String, Long> byArea = new LinkedHashMap<>();
    AREAS.keySet().forEach(a -> byArea.put(a, 0L));
    Map<String, Long> self = new TreeMap<>();
    Map<String, Long> ours = new TreeMap<>();
    for (RecordedEvent e : RecordingFile.readAllEvents(Path.of(args[0]))) {
      if (!e.getEventType().getName().equals("jdk.ExecutionSample")) {
        continue;
      }
      RecordedStackTrace st = e.getStackTrace();
      if (st == null || st.getFrames().isEmpty()) {
        continue;
      }
      samples++;
      List<RecordedFrame> frames = st.getFrames();
      RecordedFrame first = frames.get(0);
      self.merge(name(first), 1L, Long::sum);
      String area = "other (JDK, Scala library, runtime)";
      String ourMethod = "(no Arcanum frame: Pekko, driver or JDK threads)";
      boolean areaFound = false;
      for (RecordedFrame f : frames) {
        if (!f.isJavaFrame() || f.getMethod() == null) {
          continue;
        }
        String cls = f.getMethod().getType().getName();
        if (!areaFound) {
          for (Map.Entry<String, List<String>> a : AREAS.entrySet()) {
            if (a.getValue().stream().anyMatch(cls::startsWith)) {
              area = a.getKey();
              areaFound = true;
              break;
            }
          }
        }
        if (cls.startsWith("io.arcanum.")) {
          ourMethod = name(f);
          break;
        }
      }
      byArea.merge(area, 1L, Long::sum);
      ours.merge(ourMethod, 1L, Long::sum);
    }
    System.out.printf(Locale.ROOT, "%d execution samples%n%nBy area (each sample once, nearest the top of its stack):%n",
        samples);
    long total = Math.max(1, samples);
    print(byArea, total, AREAS.size() + 1);
    System.out.printf(Locale.ROOT, "%nUnder which Arcanum method (nearest the top of the stack):%n");
    print(ours, total, top);
    System.out.printf(Locale.ROOT, "%nTop %d methods on top of the stack (self):%n", top);
    print(self, total, top);
  }

  private static void print(Map<String, Long> counts, long total, int limit) {
    List<Map.Entry<String, Long>> sorted = new ArrayList<>(counts.entrySet());
    sorted.sort((a, b) -> Long.compare(b.getValue(), a.getValue()));
    sorted.stream().filter(en -> en.getValue() > 0).limit(limit).forEach(en ->
        System.out.printf(Locale.ROOT, "  %5.1f %%  %s%n", 100.0 * en.getValue() / total, en.getKey()));
  }

  private static String name(RecordedFrame f) {
    if (f.getMethod() == null) {
      return "(unknown)";
    }
    return f.getMethod().getType().getName() + "." + f.getMethod().getName();
  }
}
