package io.arcanum.loadtests;

import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.responseTimeInMillis;
import static io.gatling.javaapi.http.HttpDsl.http;

import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import io.gatling.javaapi.http.HttpRequestActionBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Gatling pieces shared by the simulations: the protocol, request wrapping, assertions. */
public final class Load {

  private Load() {}

  /**
   * The HTTP protocol: base URL, warm-up on the target (not gatling.io), JSON, and the token.
   *
   * @param addr the server address
   * @param token gives the {@code X-Vault-Token} of each request (read when the request is built, so
   *     a token created in {@code before()} works); null for no protocol-wide token
   * @return the protocol
   */
  public static HttpProtocolBuilder protocol(String addr, Function<Session, String> token) {
    HttpProtocolBuilder p = http.baseUrl(addr)
        .warmUp(addr + "/v1/sys/health")
        .acceptHeader("application/json")
        .userAgentHeader("arcanum-load-tests/gatling");
    return token == null ? p : p.header("X-Vault-Token", token);
  }

  /**
   * Wraps a request so that each run of it can be measured: marks the session as succeeded before
   * it (so that {@link Session#isFailed()} afterwards tells whether THIS request failed), saves its
   * response time as {@value SoakReporter#RT}, and records it in {@code reporter} when there is one.
   *
   * @param request the request, with its own checks
   * @param reporter the soak reporter, or null (not in soak mode)
   * @return the chain
   */
  public static ChainBuilder measured(HttpRequestActionBuilder request, SoakReporter reporter) {
    return exec(session -> session.markAsSucceeded().remove(SoakReporter.RT))
        .exec(request.check(responseTimeInMillis().saveAs(SoakReporter.RT)))
        .exec(session -> {
          if (reporter != null) {
            reporter.record(session);
          }
          return session;
        });
  }

  /**
   * Picks one of a virtual user's own paths at random: paths {@code 0 .. paths-1} are split between
   * the users, user {@code u} owning the {@code n} with {@code n % users == u % users}, so that no
   * other user writes its paths.
   *
   * @param userId the Gatling user id ({@link Session#userId()})
   * @param users the number of users, {@code <= paths}
   * @param paths the number of paths
   * @return a path number owned by that user
   */
  public static int ownPath(long userId, int users, int paths) {
    int slot = (int) (userId % users);
    // paths n in [0, paths) with n % users == slot; there is at least one since slot < users <= paths
    int ownPaths = (paths - slot + users - 1) / users;
    return slot + users * java.util.concurrent.ThreadLocalRandom.current().nextInt(ownPaths);
  }

  /**
   * @param extra more assertions
   * @return at least one request ran, no request failed, then {@code extra}
   */
  public static List<Assertion> assertions(Assertion... extra) {
    List<Assertion> all = new ArrayList<>();
    all.add(global().allRequests().count().gt(0L));
    all.add(global().failedRequests().count().is(0L));
    all.addAll(List.of(extra));
    return all;
  }

  /**
   * The hard stop of a run, should the server hang: twice the load's duration plus 5 minutes,
   * leaving room for in-flight requests and for the write checker's re-reads.
   *
   * @param durationSeconds the load's duration
   * @return the maximum duration
   */
  public static Duration maxDuration(int durationSeconds) {
    return Duration.ofSeconds(2L * durationSeconds + 300);
  }
}
