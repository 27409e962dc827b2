package io.arcanum.loadtests;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.global;
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
import java.util.concurrent.ThreadLocalRandom;

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

  private static final String ADDR =
      stripTrailingSlash(param("arcanum.addr", "https://127.0.0.1:8200", "ARCANUM_ADDR", "VAULT_ADDR"));
  private static final String TOKEN = requiredToken();
  private static final int USERS = positiveInt("arcanum.users", 16, "ARCANUM_USERS");
  private static final int PATHS = positiveInt("arcanum.paths", 1000, "ARCANUM_PATHS");
  private static final int DURATION_SECONDS =
      positiveInt("arcanum.durationSeconds", 30, "ARCANUM_DURATION_SECONDS");
  private static final String MOUNT =
      trimSlashes(param("arcanum.mount", "secret", "ARCANUM_MOUNT"));

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

  private final HttpProtocolBuilder httpProtocol =
      http.baseUrl(ADDR)
          // Gatling warms its HTTP engine up with a request to gatling.io by default; use the target.
          .warmUp(ADDR + "/v1/sys/health")
          .acceptHeader("application/json")
          .header("X-Vault-Token", TOKEN)
          .userAgentHeader("arcanum-load-tests/gatling");

  /** Picks one of this user's paths and a fresh value to write there. */
  private final ChainBuilder pickPathAndValue =
      exec(session -> {
        int slot = (int) (session.userId() % USERS);
        // paths n in [0, PATHS) with n % USERS == slot; there is at least one since slot < USERS <= PATHS
        int ownPaths = (PATHS - slot + USERS - 1) / USERS;
        int n = slot + USERS * ThreadLocalRandom.current().nextInt(ownPaths);
        return session.set("n", n).set("value", UUID.randomUUID().toString());
      });

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
        .assertions(
            global().allRequests().count().gt(0L),
            global().failedRequests().count().is(0L));
  }

  // --- parameters -------------------------------------------------------------------------------

  private static String param(String property, String defaultValue, String... envVars) {
    String value = System.getProperty(property);
    if (isSet(value)) {
      return value.trim();
    }
    for (String env : envVars) {
      value = System.getenv(env);
      if (isSet(value)) {
        return value.trim();
      }
    }
    return defaultValue;
  }

  private static String requiredToken() {
    String token = param("arcanum.token", null, "ARCANUM_TOKEN", "VAULT_TOKEN");
    if (token == null) {
      String message =
          "KvWriteRead: no token. Pass -Darcanum.token=<token> (or set ARCANUM_TOKEN or VAULT_TOKEN),"
              + " e.g. the 'Root Token' printed by `bin/arcanum server -dev`.";
      System.err.println(message);
      throw new IllegalStateException(message);
    }
    return token;
  }

  private static int positiveInt(String property, int defaultValue, String envVar) {
    String raw = param(property, Integer.toString(defaultValue), envVar);
    try {
      int value = Integer.parseInt(raw);
      if (value > 0) {
        return value;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new IllegalArgumentException(
        property + " (or " + envVar + ") must be a positive integer, got '" + raw + "'");
  }

  private static boolean isSet(String value) {
    return value != null && !value.isBlank();
  }

  private static String stripTrailingSlash(String s) {
    return s.endsWith("/") ? stripTrailingSlash(s.substring(0, s.length() - 1)) : s;
  }

  private static String trimSlashes(String s) {
    String t = stripTrailingSlash(s);
    return t.startsWith("/") ? trimSlashes(t.substring(1)) : t;
  }
}
