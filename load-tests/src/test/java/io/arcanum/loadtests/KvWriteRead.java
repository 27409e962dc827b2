package io.arcanum.loadtests;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import java.time.Duration;
import java.util.UUID;

/**
 * Writes then reads KV v2 secrets against a RUNNING Arcanum (or Vault) server.
 *
 * <p>Every virtual user loops for {@code arcanum.durationSeconds}: {@code PUT
 * /v1/{mount}/data/load/{n}} with a fresh random value, then {@code GET} of the same path, checking
 * that the value read back is the one just written. Paths are partitioned between users (user
 * {@code u} only touches paths {@code n} with {@code n % users == u % users}), so no other user can
 * overwrite a path between one user's write and its read.
 *
 * <p>Parameters (Java system property, then environment variable, then default):
 *
 * <ul>
 *   <li>{@code arcanum.addr} / ARCANUM_ADDR / VAULT_ADDR, default {@code https://127.0.0.1:8200}
 *   <li>{@code arcanum.token} / ARCANUM_TOKEN / VAULT_TOKEN, required
 *   <li>{@code arcanum.users} / ARCANUM_USERS, default 16 (concurrent virtual users)
 *   <li>{@code arcanum.paths} / ARCANUM_PATHS, default 1000 (distinct secret paths)
 *   <li>{@code arcanum.durationSeconds} / ARCANUM_DURATION_SECONDS, default 30
 *   <li>{@code arcanum.mount} / ARCANUM_MOUNT, default {@code secret} (a KV v2 mount)
 * </ul>
 */
public class KvWriteRead extends Simulation {

  private static final String ADDR = Params.addr();
  private static final String TOKEN = Params.requiredToken("KvWriteRead");
  private static final int USERS = Params.positiveInt("arcanum.users", 16, "ARCANUM_USERS");
  private static final int PATHS = Params.positiveInt("arcanum.paths", 1000, "ARCANUM_PATHS");
  private static final int DURATION_SECONDS =
      Params.positiveInt("arcanum.durationSeconds", 30, "ARCANUM_DURATION_SECONDS");
  private static final String MOUNT = Params.mount();

  /** Hard stop even if the server hangs: the loop's duration plus room for in-flight requests. */
  private static final Duration MAX_DURATION = Duration.ofSeconds(DURATION_SECONDS + 60L);

  static {
    if (PATHS < USERS) {
      throw new IllegalArgumentException(
          "arcanum.paths (" + PATHS + ") must be >= arcanum.users (" + USERS
              + "): each virtual user needs paths of its own so that its read sees its own write");
    }
    System.out.printf(
        "KvWriteRead: addr=%s mount=%s users=%d paths=%d duration=%ds%n",
        ADDR, MOUNT, USERS, PATHS, DURATION_SECONDS);
  }

  // Gatling warms its HTTP engine up with a request to gatling.io by default; Load.protocol uses the target.
  private final HttpProtocolBuilder httpProtocol = Load.protocol(ADDR, session -> TOKEN);

  /** Picks one of this user's paths and a fresh value to write there. */
  private final ChainBuilder pickPathAndValue =
      exec(session -> session
          .set("n", Load.ownPath(session.userId(), USERS, PATHS))
          .set("value", UUID.randomUUID().toString()));

  private final ChainBuilder writeThenRead =
      exec(
          http("kv put")
              .put("/v1/" + MOUNT + "/data/load/#{n}")
              .asJson()
              .body(StringBody("{\"data\":{\"value\":\"#{value}\",\"n\":#{n}}}"))
              .check(status().is(200), jsonPath("$.data.version").exists().saveAs("version")),
          http("kv get")
              .get("/v1/" + MOUNT + "/data/load/#{n}")
              .check(
                  status().is(200),
                  jsonPath("$.data.data.value").isEL("#{value}").saveAs("readValue")));

  private final ScenarioBuilder scn =
      scenario("KV v2 write then read")
          .during(Duration.ofSeconds(DURATION_SECONDS))
          .on(exec(pickPathAndValue, writeThenRead));

  {
    setUp(scn.injectOpen(atOnceUsers(USERS)))
        .protocols(httpProtocol)
        .maxDuration(MAX_DURATION)
        .assertions(Load.assertions());
  }
}
