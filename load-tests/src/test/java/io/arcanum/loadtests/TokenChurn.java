package io.arcanum.loadtests;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.exitBlockOnFail;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * Token churn against a RUNNING Arcanum (or Vault) server. Each iteration of each virtual user:
 *
 * <ol>
 *   <li>{@code token create}: {@code POST /v1/auth/token/create} {@code {"policies":["load-token-churn"],
 *       "ttl":"10m"}} with the creator token; checks 200, a {@code client_token}, an {@code accessor},
 *       the policies {@code ["default","load-token-churn"]} and a lease of 600 s;
 *   <li>{@code secret read (new token)}: {@code GET /v1/{mount}/data/load/tc/secret} with the new
 *       token; checks 200 and the value written in setup;
 *   <li>{@code token revoke-self}: {@code POST /v1/auth/token/revoke-self} with the new token;
 *       checks 204;
 *   <li>{@code secret read (revoked token)}: the same read again; checks 403 and {@code
 *       $.errors[0] == "permission denied"}.
 * </ol>
 *
 * <p>{@code before()}, with the admin token: writes the policies {@value #POLICY} (read on {@code
 * {mount}/data/load/tc/*}) and {@value #CREATOR_POLICY} (update on {@code auth/token/create}), the
 * secret {@code {mount}/data/load/tc/secret} with a random value, and a creator token holding both
 * policies (a non-root token may only give its children policies it has). {@code after()} revokes the
 * creator token, and with it any child left over.
 *
 * <p>Parameters (system property, then environment variable, then default): {@code arcanum.addr},
 * {@code arcanum.token}, {@code arcanum.mount} as in {@link KvWriteRead}; {@code arcanum.users}
 * (16); {@code arcanum.durationSeconds} (30).
 */
public class TokenChurn extends SetUpSimulation {

  /** The policy of the churned tokens. */
  public static final String POLICY = "load-token-churn";

  /** The policy that lets the creator token create tokens. */
  public static final String CREATOR_POLICY = "load-token-churn-creator";

  private static final String NAME = "TokenChurn";
  private static final String ADDR = Params.addr();
  private static final String TOKEN = Params.requiredToken(NAME);
  private static final String MOUNT = Params.mount();
  private static final int USERS = Params.positiveInt("arcanum.users", 16, "ARCANUM_USERS");
  private static final int DURATION_SECONDS =
      Params.positiveInt("arcanum.durationSeconds", 30, "ARCANUM_DURATION_SECONDS");
  private static final String SECRET = MOUNT + "/data/load/tc/secret";

  static {
    System.out.printf("%s: addr=%s mount=%s users=%d duration=%ds%n", NAME, ADDR, MOUNT, USERS, DURATION_SECONDS);
  }

  private final VaultClient admin = new VaultClient(ADDR, TOKEN);
  private volatile String creatorToken;
  private volatile String secretValue;

  /** One iteration; the first failed request ends it (the next iteration starts afresh). */
  private final ChainBuilder churn = exitBlockOnFail().on(
      exec(
          http("token create")
              .post("/v1/auth/token/create")
              .header("X-Vault-Token", session -> creatorToken)
              .asJson()
              .body(StringBody("{\"policies\":[\"" + POLICY + "\"],\"ttl\":\"10m\",\"display_name\":\"load-churn\"}"))
              .check(
                  status().is(200),
                  jsonPath("$.auth.client_token").exists().saveAs("childToken"),
                  jsonPath("$.auth.accessor").exists(),
                  jsonPath("$.auth.policies[*]").findAll().is(List.of("default", POLICY)),
                  jsonPath("$.auth.lease_duration").ofInt().is(600)),
          http("secret read (new token)")
              .get("/v1/" + SECRET)
              .header("X-Vault-Token", "#{childToken}")
              .check(
                  status().is(200),
                  jsonPath("$.data.data.value").is(session -> secretValue)),
          http("token revoke-self")
              .post("/v1/auth/token/revoke-self")
              .header("X-Vault-Token", "#{childToken}")
              .check(status().is(204)),
          http("secret read (revoked token)")
              .get("/v1/" + SECRET)
              .header("X-Vault-Token", "#{childToken}")
              .check(status().is(403), jsonPath("$.errors[0]").is("permission denied"))));

  private final ScenarioBuilder load =
      scenario("token churn")
          // exitASAP false: the last iteration ends (its token revoked)
          .during(Duration.ofSeconds(DURATION_SECONDS), false)
          .on(churn);

  {
    setUp(load.injectOpen(atOnceUsers(USERS)))
        .protocols(Load.protocol(ADDR, null))
        .maxDuration(Load.maxDuration(DURATION_SECONDS))
        .assertions(Load.assertions());
  }

  /**
   * Setup: the two policies, the secret, the creator token.
   *
   * @throws RuntimeException when a setup request fails
   */
  @Override
  protected void setup() {
    admin.writePolicy(POLICY, String.join("\n",
        "path \"" + MOUNT + "/data/load/tc/*\" {",
        "  capabilities = [\"read\"]",
        "}", ""));
    admin.writePolicy(CREATOR_POLICY, String.join("\n",
        "path \"auth/token/create\" {",
        "  capabilities = [\"update\"]",
        "}", ""));
    String value = UUID.randomUUID().toString();
    admin.expect(200, "PUT", SECRET, "{\"data\":{\"value\":\"" + value + "\"}}");
    secretValue = value;
    creatorToken = admin.createToken(List.of(CREATOR_POLICY, POLICY), true, "24h");
    System.out.println(
        NAME + ": tokens are created by a token with only the policies " + CREATOR_POLICY + ", " + POLICY);
  }

  /** Teardown: revokes the creator token (and any child token left). */
  @Override
  public void after() {
    admin.revokeQuietly(creatorToken);
  }
}
