package io.arcanum.loadtests;

import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.pause;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.ScenarioBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Records every ACKNOWLEDGED KV v2 write of a run (the server answered 200 with a version), then
 * re-reads each one ({@code GET /v1/{mount}/data/<path>?version=<v>}, with the admin token) and
 * compares the value: a write the server acknowledged must be readable, with that value, at that
 * version. A version acknowledged to two writes with different values counts as bad as well.
 *
 * <p>The re-reading runs in a last scenario, {@link #phase}, chained after the load with {@code
 * andThen}, and ends with ONE Gatling request, {@value #VERDICT}, which fails when any write is
 * missing or mismatched (or when the checker crashed): so the Gatling assertions, hence {@code
 * gatling:test}, fail while the summary and the HTML report are still written. (Throwing from
 * {@code after()} or {@code crashLoadGenerator} also fails the build, but Gatling then writes neither
 * the summary nor the report.) The re-reads themselves go through {@link VaultClient}, not Gatling,
 * so they do not mix with the load's statistics.
 *
 * <p>The versions must not be pruned before they are re-read: the simulations set {@code
 * max_versions} on each of their paths ({@link #MAX_VERSIONS}).
 */
public final class WriteChecker {

  /** Name of the request that carries the checker's verdict. */
  public static final String VERDICT = "checker verdict";

  /** The {@code max_versions} the simulations set on the paths they check. */
  public static final int MAX_VERSIONS = 100_000;

  /** Examples of bad writes printed at most. */
  private static final int EXAMPLES = 10;

  private final VaultClient admin;
  private final String mount;
  private final int inFlight;
  private final ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
  private volatile CompletableFuture<Result> running;

  /**
   * One acknowledged write.
   *
   * @param path the path under the mount's {@code data/}, e.g. {@code load/rh/42}
   * @param version the version the server returned
   * @param value the {@code value} field written
   */
  public record Ack(String path, int version, String value) {}

  /**
   * What the checker found.
   *
   * @param acknowledged acknowledged writes recorded
   * @param reread distinct (path, version) re-read
   * @param bad missing or mismatched writes (plus versions acknowledged twice)
   * @param examples up to 10 descriptions of bad writes
   */
  public record Result(int acknowledged, int reread, int bad, List<String> examples) {}

  /**
   * @param admin the client used to re-read (an admin token: the load's token may not read versions)
   * @param mount the KV v2 mount
   * @param inFlight re-reads in flight at once, e.g. 32
   */
  public WriteChecker(VaultClient admin, String mount, int inFlight) {
    this.admin = admin;
    this.mount = mount;
    this.inFlight = inFlight;
  }

  /**
   * Records an acknowledged write. Thread-safe and cheap: called from Gatling's threads.
   *
   * @param path the path under the mount's {@code data/}
   * @param version the version the server acknowledged
   * @param value the value written
   */
  public void record(String path, int version, String value) {
    acks.add(new Ack(path, version, value));
  }

  /**
   * @return the number of acknowledged writes recorded so far
   */
  public int size() {
    return acks.size();
  }

  /**
   * Re-reads every recorded write, printing progress, up to 10 bad ones and the line {@code checker:
   * N acknowledged writes re-read, M missing/mismatched}. Blocks until done.
   *
   * @return what it found
   */
  public Result verify() {
    List<Ack> all = new ArrayList<>(acks);
    List<String> examples = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger bad = new AtomicInteger();
    // a version acknowledged to two different writes: one of them is lost
    Map<String, Ack> byVersion = new HashMap<>();
    for (Ack a : all) {
      Ack previous = byVersion.putIfAbsent(a.path() + "@" + a.version(), a);
      if (previous != null && !previous.value().equals(a.value())) {
        bad.incrementAndGet();
        example(examples, a.path() + " version " + a.version() + " acknowledged to two writes: '" + previous.value()
            + "' and '" + a.value() + "'");
      }
    }
    List<Ack> distinct = new ArrayList<>(byVersion.values());
    Parallel.run("checker re-read", distinct.size(), inFlight, i -> {
      Ack a = distinct.get(i);
      return admin.sendAsync("GET", mount + "/data/" + a.path() + "?version=" + a.version(), null)
          .handle((reply, failure) -> {
            String problem;
            if (failure != null) {
              problem = "read failed: " + failure.getMessage();
            } else if (reply.status() != 200) {
              problem = "missing: " + reply.describe();
            } else {
              JsonNode json = reply.json();
              String value = json.path("data").path("data").path("value").asText(null);
              int version = json.path("data").path("metadata").path("version").asInt(-1);
              problem = a.value().equals(value) && version == a.version() ? null
                  : "mismatched: wrote '" + a.value() + "', read '" + value + "' (version " + version + ")";
            }
            if (problem != null) {
              bad.incrementAndGet();
              example(examples, a.path() + "?version=" + a.version() + " " + problem);
            }
            return null;
          });
    });
    Result result = new Result(all.size(), distinct.size(), bad.get(), List.copyOf(examples));
    result.examples().forEach(e -> System.out.println("checker: BAD " + e));
    System.out.printf("checker: %d acknowledged writes re-read, %d missing/mismatched%n",
        result.reread(), result.bad());
    return result;
  }

  private static void example(List<String> examples, String text) {
    synchronized (examples) {
      if (examples.size() < EXAMPLES) {
        examples.add(text);
      }
    }
  }

  /**
   * The last scenario of a run, to chain after the load ({@code load.andThen(checker.phase(...)
   * .injectOpen(atOnceUsers(1)))}): runs {@code onLoadDone}, re-reads every write ({@link #verify},
   * in a thread of its own, Gatling polling every 200 ms) and sends the {@value #VERDICT} request
   * ({@code GET /v1/sys/health?standbyok=true}), which fails unless every write was found.
   *
   * @param onLoadDone run first, e.g. to stop the soak reporter (may be null)
   * @return the scenario
   */
  public ScenarioBuilder phase(Runnable onLoadDone) {
    return scenario("checker")
        .exec(session -> {
          if (onLoadDone != null) {
            onLoadDone.run();
          }
          CompletableFuture<Result> future = new CompletableFuture<>();
          running = future;
          Thread t = new Thread(() -> {
            try {
              future.complete(verify());
            } catch (Throwable e) {
              System.err.println("checker: crashed: " + e);
              future.completeExceptionally(e);
            }
          }, "write-checker");
          t.setDaemon(true);
          t.start();
          return session;
        })
        .asLongAs(session -> !running.isDone()).on(pause(Duration.ofMillis(200)))
        .exec(http(VERDICT)
            .get("/v1/sys/health?standbyok=true")
            // the verdict is hung on an extractor whose found value Gatling prints (not bodyString's)
            .check(status().is(200), jsonPath("$.initialized").transform(initialized -> verdict()).is("ok")));
  }

  /**
   * @return the assertion that the verdict request ran once and succeeded (it fails too when the run
   *     stopped before the checker finished, e.g. at the simulation's maxDuration)
   */
  public static Assertion verdictAssertion() {
    return details(VERDICT).successfulRequests().count().is(1L);
  }

  /** "ok", or what went wrong: the text Gatling shows for a failed verdict. */
  private String verdict() {
    CompletableFuture<Result> future = running;
    if (future == null || !future.isDone()) {
      return "checker did not run";
    }
    try {
      Result r = future.join();
      return r.bad() == 0 ? "ok"
          : r.bad() + " of " + r.reread() + " acknowledged writes missing or mismatched (see 'checker: BAD' lines)";
    } catch (RuntimeException e) {
      return "checker crashed: " + e.getMessage();
    }
  }
}
