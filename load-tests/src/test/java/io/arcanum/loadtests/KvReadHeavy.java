package io.arcanum.loadtests;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.percent;
import static io.gatling.javaapi.core.CoreDsl.randomSwitch;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A read-heavy KV v2 mix against a RUNNING Arcanum (or Vault) server: 90 % reads, 10 % writes, on
 * random paths {@code {mount}/data/load/rh/{n}}, by a LIMITED token.
 *
 * <p>{@code before()}, with the admin token {@code arcanum.token}: writes the policy {@value
 * #POLICY} (read, create, update on {@code {mount}/data/load/rh/*} only) and creates a token with
 * only that policy, which the load uses; enables a file audit device when none is on (disabled again
 * in {@code after()}); pre-populates every path ({@code max_versions} {@value
 * WriteChecker#MAX_VERSIONS} then a first version) unless the first and the last already are. After
 * the load, the {@link WriteChecker} re-reads every acknowledged write.
 *
 * <p>Reads check status 200, that {@code $.data.data.value} exists and that {@code $.data.data.n}
 * is the path's number; writes check status 200 and {@code $.data.version > 0}.
 *
 * <p>Parameters (system property, then environment variable, then default): {@code arcanum.addr},
 * {@code arcanum.token}, {@code arcanum.mount} as in {@link KvWriteRead}; {@code arcanum.users}
 * (16); {@code arcanum.paths} (10000); {@code arcanum.readPercent} (90); {@code
 * arcanum.durationSeconds} (30, or 600 in soak mode); {@code arcanum.setupInFlight} (32); {@code
 * arcanum.soak} (false), {@code arcanum.reportSeconds} (30), {@code arcanum.cassandraDir}: see
 * {@link SoakReporter} and the README.
 */
public class KvReadHeavy extends SetUpSimulation {

  /** The policy of the load's token. */
  public static final String POLICY = "load-read-heavy";

  private static final String NAME = "KvReadHeavy";
  private static final String ADDR = Params.addr();
  private static final String TOKEN = Params.requiredToken(NAME);
  private static final String MOUNT = Params.mount();
  private static final int USERS = Params.positiveInt("arcanum.users", 16, "ARCANUM_USERS");
  private static final int PATHS = Params.positiveInt("arcanum.paths", 10_000, "ARCANUM_PATHS");
  private static final int READ_PERCENT = Params.positiveInt("arcanum.readPercent", 90, "ARCANUM_READ_PERCENT");
  private static final boolean SOAK = Params.soak();
  private static final int DURATION_SECONDS =
      Params.positiveInt("arcanum.durationSeconds", SOAK ? 600 : 30, "ARCANUM_DURATION_SECONDS");
  private static final int SETUP_IN_FLIGHT = Params.setupInFlight();

  static {
    if (READ_PERCENT > 100) {
      throw new IllegalArgumentException("arcanum.readPercent must be 1..100, got " + READ_PERCENT);
    }
    System.out.printf("%s: addr=%s mount=%s users=%d paths=%d reads=%d%% duration=%ds soak=%s%n",
        NAME, ADDR, MOUNT, USERS, PATHS, READ_PERCENT, DURATION_SECONDS, SOAK);
  }

  private final VaultClient admin = new VaultClient(ADDR, TOKEN);
  private final WriteChecker checker = new WriteChecker(admin, MOUNT, SETUP_IN_FLIGHT);
  private final SoakReporter reporter =
      SOAK ? new SoakReporter(NAME, Params.reportSeconds(), admin, Params.cassandraDir()) : null;
  private volatile String loadToken;
  private volatile boolean auditCreated;

  private static String path(int n) {
    return "load/rh/" + n;
  }

  private final ChainBuilder read =
      exec(session -> session.set("n", ThreadLocalRandom.current().nextInt(PATHS)))
          .exec(Load.measured(
              http("kv read")
                  .get("/v1/" + MOUNT + "/data/load/rh/#{n}")
                  .check(
                      status().is(200),
                      jsonPath("$.data.data.value").exists(),
                      jsonPath("$.data.data.n").ofInt().is(session -> session.getInt("n"))),
              reporter));

  private final ChainBuilder write =
      exec(session -> session
              .set("n", ThreadLocalRandom.current().nextInt(PATHS))
              .set("value", UUID.randomUUID().toString()))
          .exec(Load.measured(
              http("kv write")
                  .put("/v1/" + MOUNT + "/data/load/rh/#{n}")
                  .asJson()
                  .body(StringBody("{\"data\":{\"value\":\"#{value}\",\"n\":#{n}}}"))
                  .check(status().is(200), jsonPath("$.data.version").ofInt().gt(0).saveAs("version")),
              reporter))
          .exec(session -> {
            if (!session.isFailed()) {
              checker.record(path(session.getInt("n")), session.getInt("version"), session.getString("value"));
            }
            return session;
          });

  private final ScenarioBuilder load =
      scenario("KV read-heavy")
          // exitASAP false: the last iteration ends (its write recorded for the checker)
          .during(Duration.ofSeconds(DURATION_SECONDS), false)
          .on(READ_PERCENT == 100 ? read
              : randomSwitch().on(percent(READ_PERCENT).then(read), percent(100 - READ_PERCENT).then(write)));

  {
    setUp(load.injectOpen(atOnceUsers(USERS))
            .andThen(checker.phase(this::stopReporter).injectOpen(atOnceUsers(1))))
        .protocols(Load.protocol(ADDR, session -> loadToken))
        .maxDuration(Load.maxDuration(DURATION_SECONDS))
        .assertions(Load.assertions(WriteChecker.verdictAssertion()));
  }

  /**
   * Setup: policy, limited token, audit device, pre-population; starts the soak reporter.
   *
   * @throws RuntimeException when a setup request fails
   */
  @Override
  protected void setup() {
    admin.writePolicy(POLICY, String.join("\n",
        "path \"" + MOUNT + "/data/load/rh/*\" {",
        "  capabilities = [\"read\", \"create\", \"update\"]",
        "}", ""));
    loadToken = admin.createToken(List.of(POLICY), true, "24h");
    System.out.println(NAME + ": the load uses a token with only the policy " + POLICY);
    auditCreated = admin.ensureFileAudit("load-tests", Params.targetDir().resolve("audit-load-tests.log"));
    prepopulate();
    if (reporter != null) {
      reporter.start();
    }
  }

  private void prepopulate() {
    if (populated(0) && populated(PATHS - 1)) {
      System.out.printf("%s: paths %s .. %s already written (max_versions >= %d): no pre-population%n",
          NAME, path(0), path(PATHS - 1), WriteChecker.MAX_VERSIONS);
      return;
    }
    Parallel.run(NAME + " pre-population (max_versions, then a first version)", PATHS, SETUP_IN_FLIGHT,
        n -> admin.kvMaxVersions(MOUNT, path(n), WriteChecker.MAX_VERSIONS)
            .thenCompose(r -> admin.expectAsync(200, "PUT", MOUNT + "/data/" + path(n),
                "{\"data\":{\"value\":\"" + UUID.randomUUID() + "\",\"n\":" + n + "}}")));
  }

  /** Whether path {@code n} has a version and the checker's max_versions. */
  private boolean populated(int n) {
    VaultClient.Reply reply = admin.send("GET", MOUNT + "/metadata/" + path(n), null);
    if (reply.status() != 200) {
      return false;
    }
    JsonNode data = reply.json().path("data");
    return data.path("current_version").asInt(0) >= 1
        && data.path("max_versions").asInt(0) >= WriteChecker.MAX_VERSIONS;
  }

  private void stopReporter() {
    if (reporter != null) {
      reporter.stop();
    }
  }

  /** Teardown: stops the soak reporter, revokes the load's token, disables the audit device it enabled. */
  @Override
  public void after() {
    stopReporter();
    admin.revokeQuietly(loadToken);
    if (auditCreated) {
      admin.disableAudit("load-tests");
    }
  }
}
