package io.arcanum.loadtests;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.doIf;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Check-and-set KV v2 writes against a RUNNING Arcanum (or Vault) server, by a LIMITED token: each
 * write is {@code PUT /v1/{mount}/data/load/wh/{n}} with {@code {"options":{"cas":<current
 * version>},"data":{...}}}.
 *
 * <p>The paths are split between the virtual users as in {@link KvWriteRead} ({@link
 * Load#ownPath}), so each user knows the current version of each of its paths: {@code before()}
 * sets {@code max_versions} {@value WriteChecker#MAX_VERSIONS} on every path and reads its current
 * version (0 for a new path; paths left by an earlier run continue from their version), and each
 * acknowledged write moves it on. A write must return exactly {@code cas + 1}: a CAS mismatch (400)
 * or another version means a lost or phantom write and fails the request. After a write without an
 * acknowledged version, the user re-reads the path's {@code current_version} (request {@code kv
 * metadata (resync)}) so that one failure does not cascade. After the load, the {@link
 * WriteChecker} re-reads every acknowledged write.
 *
 * <p>The load's token has only the policy {@value #POLICY}: create and update on {@code
 * {mount}/data/load/wh/*}, read on {@code {mount}/metadata/load/wh/*}.
 *
 * <p>Parameters (system property, then environment variable, then default): {@code arcanum.addr},
 * {@code arcanum.token}, {@code arcanum.mount} as in {@link KvWriteRead}; {@code arcanum.users}
 * (16); {@code arcanum.paths} (1000, at least the users); {@code arcanum.durationSeconds} (30, or
 * 600 in soak mode); {@code arcanum.setupInFlight} (32); {@code arcanum.soak} (false), {@code
 * arcanum.reportSeconds} (30), {@code arcanum.cassandraDir}: see {@link SoakReporter}.
 */
public class KvWriteHeavy extends SetUpSimulation {

  /** The policy of the load's token. */
  public static final String POLICY = "load-write-heavy";

  private static final String NAME = "KvWriteHeavy";
  private static final String ADDR = Params.addr();
  private static final String TOKEN = Params.requiredToken(NAME);
  private static final String MOUNT = Params.mount();
  private static final int USERS = Params.positiveInt("arcanum.users", 16, "ARCANUM_USERS");
  private static final int PATHS = Params.positiveInt("arcanum.paths", 1000, "ARCANUM_PATHS");
  private static final boolean SOAK = Params.soak();
  private static final int DURATION_SECONDS =
      Params.positiveInt("arcanum.durationSeconds", SOAK ? 600 : 30, "ARCANUM_DURATION_SECONDS");
  private static final int SETUP_IN_FLIGHT = Params.setupInFlight();

  static {
    if (PATHS < USERS) {
      throw new IllegalArgumentException("arcanum.paths (" + PATHS + ") must be >= arcanum.users (" + USERS
          + "): each virtual user needs paths of its own to know their current versions");
    }
    System.out.printf("%s: addr=%s mount=%s users=%d paths=%d duration=%ds soak=%s%n",
        NAME, ADDR, MOUNT, USERS, PATHS, DURATION_SECONDS, SOAK);
  }

  private final VaultClient admin = new VaultClient(ADDR, TOKEN);
  private final WriteChecker checker = new WriteChecker(admin, MOUNT, SETUP_IN_FLIGHT);
  private final SoakReporter reporter =
      SOAK ? new SoakReporter(NAME, Params.reportSeconds(), admin, Params.cassandraDir()) : null;
  /** The current version of each path, as its owner (one virtual user) last saw it acknowledged. */
  private final AtomicIntegerArray versions = new AtomicIntegerArray(PATHS);
  private volatile String loadToken;

  private static String path(int n) {
    return "load/wh/" + n;
  }

  private final ChainBuilder casWrite =
      exec(session -> {
            int n = Load.ownPath(session.userId(), USERS, PATHS);
            return session.remove("ackVersion")
                .set("n", n)
                .set("cas", versions.get(n))
                .set("value", UUID.randomUUID().toString());
          })
          .exec(Load.measured(
              http("kv cas write")
                  .put("/v1/" + MOUNT + "/data/load/wh/#{n}")
                  .asJson()
                  .body(StringBody("{\"options\":{\"cas\":#{cas}},\"data\":{\"value\":\"#{value}\",\"n\":#{n}}}"))
                  .check(
                      status().is(200),
                      // any version returned is an acknowledged write, for the checker ...
                      jsonPath("$.data.version").ofInt().saveAs("ackVersion"),
                      // ... but it must be the next one
                      jsonPath("$.data.version").ofInt().is(session -> session.getInt("cas") + 1)),
              reporter))
          .exec(session -> {
            int n = session.getInt("n");
            if (session.contains("ackVersion")) {
              int v = session.getInt("ackVersion");
              versions.set(n, v);
              checker.record(path(n), v, session.getString("value"));
              return session.set("resync", false);
            }
            return session.set("resync", true);
          })
          .exec(doIf("#{resync}").then(
              Load.measured(
                  http("kv metadata (resync)")
                      .get("/v1/" + MOUNT + "/metadata/load/wh/#{n}")
                      .check(status().is(200),
                          jsonPath("$.data.current_version").ofInt().saveAs("current")),
                  reporter),
              exec(session -> {
                if (!session.isFailed()) {
                  versions.set(session.getInt("n"), session.getInt("current"));
                }
                return session;
              })));

  private final ScenarioBuilder load =
      scenario("KV check-and-set writes")
          // exitASAP false: the last iteration ends (its write recorded for the checker)
          .during(Duration.ofSeconds(DURATION_SECONDS), false)
          .on(casWrite);

  {
    setUp(load.injectOpen(atOnceUsers(USERS))
            .andThen(checker.phase(this::stopReporter).injectOpen(atOnceUsers(1))))
        .protocols(Load.protocol(ADDR, session -> loadToken))
        .maxDuration(Load.maxDuration(DURATION_SECONDS))
        .assertions(Load.assertions(WriteChecker.verdictAssertion()));
  }

  /**
   * Setup: policy, limited token, max_versions and current version of every path; starts the soak
   * reporter.
   *
   * @throws RuntimeException when a setup request fails
   */
  @Override
  protected void setup() {
    admin.writePolicy(POLICY, String.join("\n",
        "path \"" + MOUNT + "/data/load/wh/*\" {",
        "  capabilities = [\"create\", \"update\"]",
        "}",
        "path \"" + MOUNT + "/metadata/load/wh/*\" {",
        "  capabilities = [\"read\"]",
        "}", ""));
    loadToken = admin.createToken(List.of(POLICY), true, "24h");
    System.out.println(NAME + ": the load uses a token with only the policy " + POLICY);
    AtomicInteger existing = new AtomicInteger();
    Parallel.run(NAME + " setup (max_versions, then current version)", PATHS, SETUP_IN_FLIGHT,
        n -> admin.kvMaxVersions(MOUNT, path(n), WriteChecker.MAX_VERSIONS)
            .thenCompose(r -> admin.expectAsync(200, "GET", MOUNT + "/metadata/" + path(n), null))
            .thenAccept(r -> {
              int current = r.json().path("data").path("current_version").asInt(-1);
              if (current < 0) {
                throw new IllegalStateException("no current_version for " + path(n) + ": " + r.describe());
              }
              versions.set(n, current);
              if (current > 0) {
                existing.incrementAndGet();
              }
            }));
    System.out.printf("%s: %d of %d paths already had versions (from earlier runs): their writes continue from there%n",
        NAME, existing.get(), PATHS);
    if (reporter != null) {
      reporter.start();
    }
  }

  private void stopReporter() {
    if (reporter != null) {
      reporter.stop();
    }
  }

  /** Teardown: stops the soak reporter, revokes the load's token. */
  @Override
  public void after() {
    stopReporter();
    admin.revokeQuietly(loadToken);
  }
}
