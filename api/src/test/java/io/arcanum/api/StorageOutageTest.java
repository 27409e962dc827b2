package io.arcanum.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import io.arcanum.persistence.JournalConfig;
import io.arcanum.localcassandra.LocalCassandra;
import io.arcanum.localcassandra.Settings;
import io.arcanum.localcassandra.testing.CassandraTestNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Storage failures fail fast and recover fast, against a real Cassandra this test owns and breaks: a
 * node of its own (not the shared test node, which other classes keep using), an Arcanum node on it,
 * and client threads writing and reading KV secrets throughout.
 *
 * <ol>
 *   <li>Cassandra frozen ({@code SIGSTOP}) for a few seconds, then thawed ({@code SIGCONT});
 *   <li>Cassandra killed ({@code kill -9}), then started again (its commit log is replayed).
 * </ol>
 *
 * <p>For each: every request that needs storage and runs while it is down finishes within
 * {@value #FAIL_WITHIN_MS} ms with a 5xx and an error message (a request already in flight when storage
 * went away, within {@value #FAIL_WITHIN_MS} ms of that moment); {@code sys/health} and
 * {@code sys/seal-status} answer within a second throughout, and health reports storage unavailable
 * (503, {@code storage_available: false}); once Cassandra answers again, every request started
 * {@value #RECOVER_WITHIN_MS} ms later succeeds. At the end every write that was acknowledged (2xx) reads
 * back with its value.
 *
 * <p>The node's ports: {@code ARCANUM_TEST_OUTAGE_CASSANDRA_PORT} / {@code _STORAGE_PORT} (default: the
 * test node's ports + 1); its state: {@code ARCANUM_TEST_OUTAGE_CASSANDRA_STATE_DIR} (default
 * {@code .arcanum/test-cassandra-outage}). It needs Linux ({@code kill -STOP}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StorageOutageTest {

  static final long FAIL_WITHIN_MS = 2_000;
  static final long RECOVER_WITHIN_MS = 5_000;
  static final long HEALTH_WITHIN_MS = 1_000;
  private static final int CLIENTS = 4;

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static LocalCassandra cassandra;
  private static TestServer server;
  private static String root;
  /** Every acknowledged write: path -> value. */
  private static final Map<String, String> acknowledged = new ConcurrentHashMap<>();
  /** Error messages seen, by status, for the report. */
  private static final Map<String, Integer> errorsSeen = new ConcurrentHashMap<>();

  /** One request as a client saw it. */
  record Call(String op, long startNanos, long endNanos, int status, String error) {
    long millis() {
      return (endNanos - startNanos) / 1_000_000;
    }

    boolean ok() {
      return status >= 200 && status < 300;
    }
  }

  /** A health or seal-status poll. */
  record Poll(String path, long startNanos, long endNanos, int status, JsonNode body) {}

  @BeforeAll
  static void start() {
    Map<String, String> env = System.getenv();
    Path home = Settings.resolveProjectHome();
    String dir = env.get("ARCANUM_TEST_OUTAGE_CASSANDRA_STATE_DIR");
    Settings settings = Settings.defaults(home, dir == null || dir.isBlank()
            ? home.resolve(".arcanum").resolve("test-cassandra-outage") : Path.of(dir))
        .withNativePort(port(env, "ARCANUM_TEST_OUTAGE_CASSANDRA_PORT", CassandraTestNode.nativePort() + 1))
        .withStoragePort(port(env, "ARCANUM_TEST_OUTAGE_CASSANDRA_STORAGE_PORT",
            CassandraTestNode.settings().storagePort() + 1))
        .withHeap("256m", "512m");
    cassandra = new LocalCassandra(settings);
    System.out.println("outage test: " + cassandra.start());
    JournalConfig journal = new JournalConfig(List.of(settings.contactPoint()), TestServer.freshKeyspace("it_outage"),
        LocalCassandra.LOCAL_DATACENTER, 1);
    server = new TestServer(journal, ConfigFactory.empty());
    root = server.initUnsealAndMount("secret");
  }

  @AfterAll
  static void stop() {
    if (frozen != 0) {
      signal(frozen, "CONT"); // never leave a frozen node behind
    }
    try {
      if (server != null) {
        server.close();
      }
    } finally {
      if (cassandra != null) {
        cassandra.stop();
      }
      System.out.println("outage test: error messages seen " + new TreeMap<>(errorsSeen));
    }
  }

  @Test
  @Order(1)
  void frozenCassandraFailsFastAndRecoversFast() throws Exception {
    long pid = pid();
    outage("SIGSTOP", () -> {
      frozen = pid;
      signal(pid, "STOP");
    }, () -> {
      signal(pid, "CONT");
      frozen = 0;
    });
  }

  @Test
  @Order(2)
  void killedCassandraFailsFastAndRecoversFast() throws Exception {
    long pid = pid();
    outage("kill -9", () -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly),
        () -> System.out.println("outage test: " + cassandra.start()));
  }

  @Test
  @Order(3)
  void everyAcknowledgedWriteIsThere() {
    assertFalse(acknowledged.isEmpty());
    List<String> missing = new ArrayList<>();
    for (Map.Entry<String, String> w : acknowledged.entrySet()) {
      Call c = call("GET", w.getKey(), null);
      JsonNode body = lastBody.get();
      if (c.status() != 200 || !w.getValue().equals(body.path("data").path("data").path("v").asText())) {
        missing.add(w.getKey() + " -> " + c.status() + " " + c.error());
      }
    }
    System.out.println("outage test: " + acknowledged.size() + " acknowledged writes read back, missing " + missing.size());
    assertEquals(List.of(), missing, "acknowledged writes lost");
  }

  /**
   * Runs the load, breaks storage after 3 s for 6 s (or as long as the repair takes), watches health,
   * and checks fail-fast and recovery.
   */
  private void outage(String name, Runnable breakIt, Runnable repair) throws Exception {
    List<Call> calls = Collections.synchronizedList(new ArrayList<>());
    List<Poll> polls = Collections.synchronizedList(new ArrayList<>());
    AtomicBoolean running = new AtomicBoolean(true);
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      int client = i;
      threads.add(new Thread(() -> clientLoop(name, client, running, calls), "outage-client-" + i));
    }
    threads.add(new Thread(() -> {
      while (running.get()) {
        for (String path : List.of("sys/health", "sys/seal-status")) {
          long s = System.nanoTime();
          Call c = call("GET", path, null);
          polls.add(new Poll(path, s, System.nanoTime(), c.status(), lastBody.get()));
        }
        sleep(200);
      }
    }, "outage-health"));
    threads.forEach(Thread::start);
    sleep(3_000);
    long breaking = System.nanoTime();
    breakIt.run();
    // storage is gone once the signal was delivered: kill(1) returns after it is (its own start-up, which
    // can take a while on a busy machine, is not the service's doing)
    long down = System.nanoTime();
    System.out.printf("outage test: %s: the signal took %d ms to send%n", name, (down - breaking) / 1_000_000);
    sleep(6_000);
    repair.run();
    long up = System.nanoTime();
    sleep(RECOVER_WITHIN_MS + 3_000);
    running.set(false);
    for (Thread t : threads) {
      t.join(30_000);
    }
    check(name, calls, polls, down, up);
  }

  private static void check(String name, List<Call> calls, List<Poll> polls, long down, long up) {
    List<String> problems = new ArrayList<>();
    // fail fast: requests running while storage was down
    List<Call> during = calls.stream().filter(c -> c.endNanos() > down && c.startNanos() < up).toList();
    long slowest = 0;
    for (Call c : during) {
      long took = (c.endNanos() - Math.max(c.startNanos(), down)) / 1_000_000;
      slowest = Math.max(slowest, took);
      if (took > FAIL_WITHIN_MS) {
        problems.add(c.op() + " took " + took + " ms while storage was down (status " + c.status() + ")");
      }
      if (!c.ok() && (c.status() < 500 || c.error().isEmpty())) {
        problems.add(c.op() + " failed with " + c.status() + " '" + c.error() + "' (expected a 5xx with a message)");
      }
    }
    long failedDuring = during.stream().filter(c -> !c.ok()).count();
    assertTrue(failedDuring >= CLIENTS, name + ": the load saw no outage (" + failedDuring + " failed requests)");
    // recovery: every request started RECOVER_WITHIN after storage answered again succeeds
    List<Call> after = calls.stream().filter(c -> c.startNanos() >= up).toList();
    long lastFailure = after.stream().filter(c -> !c.ok()).mapToLong(Call::startNanos).max().orElse(up);
    long firstSuccess = after.stream().filter(Call::ok).mapToLong(Call::endNanos).min().orElse(Long.MAX_VALUE);
    long recovered = (lastFailure - up) / 1_000_000;
    if (after.stream().filter(Call::ok).count() < CLIENTS) {
      problems.add("too few successes after storage was back: " + after.stream().filter(Call::ok).count());
    }
    if (recovered > RECOVER_WITHIN_MS) {
      problems.add("a request started " + recovered + " ms after storage was back still failed");
    }
    // health and seal-status answer within a second; health says unavailable while down, available after
    long healthSlowest = polls.stream().mapToLong(p -> (p.endNanos() - p.startNanos()) / 1_000_000).max().orElse(0);
    if (healthSlowest > HEALTH_WITHIN_MS) {
      problems.add("sys/health or sys/seal-status took " + healthSlowest + " ms");
    }
    polls.stream().filter(p -> p.status() == 0).forEach(p -> problems.add(p.path() + " did not answer"));
    polls.stream().filter(p -> p.path().equals("sys/seal-status") && p.status() != 200)
        .forEach(p -> problems.add("sys/seal-status answered " + p.status()));
    Poll unavailable = polls.stream().filter(p -> p.path().equals("sys/health") && p.startNanos() > down
        && p.endNanos() < up && p.status() == 503 && p.body() != null
        && !p.body().path("storage_available").asBoolean(true)).findFirst().orElse(null);
    long detected = unavailable == null ? -1 : (unavailable.endNanos() - down) / 1_000_000;
    if (unavailable == null || detected > FAIL_WITHIN_MS + HEALTH_WITHIN_MS) {
      problems.add("sys/health did not report storage unavailable in time (" + detected + " ms)");
    }
    Poll last = polls.stream().filter(p -> p.path().equals("sys/health")).reduce((a, b) -> b).orElseThrow();
    if (last.status() != 200 || !last.body().path("storage_available").asBoolean(false)) {
      problems.add("sys/health after recovery: " + last.status() + " " + last.body());
    }
    System.out.printf("outage test: %s: %d requests while down, slowest %d ms; health said unavailable after %d ms; "
            + "after storage was back: first success after %d ms, last failure started after %d ms; "
            + "health/seal-status slowest %d ms%n", name, during.size(), slowest, detected,
        firstSuccess == Long.MAX_VALUE ? -1 : (firstSuccess - up) / 1_000_000, recovered, healthSlowest);
    if (!problems.isEmpty()) {
      fail(name + ": " + problems.size() + " problems, e.g. " + problems.subList(0, Math.min(10, problems.size())));
    }
  }

  private static void clientLoop(String phase, int client, AtomicBoolean running, List<Call> calls) {
    List<String> mine = new ArrayList<>();
    int n = 0;
    while (running.get()) {
      n++;
      Call c;
      if (mine.isEmpty() || n % 2 == 0) {
        String path = "secret/data/" + phase.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]", "") + "/c" + client + "/w" + n;
        String value = client + "-" + n;
        c = call("POST", path, "{\"data\":{\"v\":\"" + value + "\"}}");
        if (c.ok()) {
          acknowledged.put(path, value);
          mine.add(path);
        }
      } else {
        c = call("GET", mine.get(ThreadLocalRandom.current().nextInt(mine.size())), null);
      }
      calls.add(c);
      if (!c.ok()) {
        errorsSeen.merge(c.status() + " " + c.error(), 1, Integer::sum);
        sleep(20); // a failing client retries, but not in a tight loop
      }
    }
  }

  private static final ThreadLocal<JsonNode> lastBody = new ThreadLocal<>();

  /** Calls the node as the root token; status 0 when no answer came within 10 s. */
  private static Call call(String method, String path, String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.node.url() + "/v1/" + path))
        .timeout(Duration.ofSeconds(10)).header("X-Vault-Token", root)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    long start = System.nanoTime();
    int status = 0;
    String error = "";
    JsonNode parsed = null;
    try {
      HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
      status = r.statusCode();
      parsed = r.body().isEmpty() ? null : TestServer.JSON.readTree(r.body());
      if (status >= 400 && parsed != null && parsed.path("errors").size() > 0) {
        error = parsed.path("errors").get(0).asText();
      }
    } catch (IOException e) {
      error = "client: " + e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      error = "client: interrupted";
    }
    lastBody.set(parsed);
    return new Call(method + " " + path, start, System.nanoTime(), status, error);
  }

  /** The pid of the node while it is frozen (0 otherwise), so that it is thawed whatever happens. */
  private static volatile long frozen;

  /** @return the pid of the outage node (asked while it answers: the status probes CQL) */
  private static long pid() {
    return cassandra.status().pid().orElseThrow(() -> new IllegalStateException("the outage node is not running"));
  }

  /** Sends a signal with kill(1): Java has no API for SIGSTOP and SIGCONT. */
  private static void signal(long pid, String sig) {
    try {
      Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start();
      if (p.waitFor() != 0) {
        throw new IllegalStateException("kill -" + sig + " failed");
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static int port(Map<String, String> env, String name, int fallback) {
    String v = env.get(name);
    return v == null || v.isBlank() ? fallback : Integer.parseInt(v.trim());
  }
}
