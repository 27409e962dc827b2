package io.arcanum.loadtests;

import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Session;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * Lists a large KV v2 folder, {@code {mount}/metadata/load/list/} with {@code arcanum.listKeys}
 * keys ({@code k0000000}, {@code k0000001}, ...), page by page, against a RUNNING Arcanum (or
 * Vault) server, by a LIMITED token (policy {@value #POLICY}: list on {@code
 * {mount}/metadata/load/list/*} only).
 *
 * <p>Each virtual user, for the duration, pages through the whole folder again and again: {@code
 * LIST /v1/{mount}/metadata/load/list/?limit=<pageSize>&after=<last key of the previous page>} in an
 * {@code asLongAs} loop, until a page is shorter than {@code pageSize} (or a 404: no key after the
 * last one, when the count is a multiple of the page size). Each page is checked: status 200, at
 * most {@code pageSize} keys, each an expected key name, strictly increasing (also across pages);
 * the page that ends the listing checks that exactly {@code listKeys} keys were listed (and the 404,
 * when there is one, checks it too).
 *
 * <p>{@code before()}, with the admin token: writes the policy and the limited token, lists the
 * folder, writes the missing keys ({@code arcanum.setupInFlight} in flight, progress and an estimate
 * of the time left every 5 s; 100,000 writes take minutes) and waits until the listing shows them
 * all (it is a projection, updated shortly after the writes). It stops when the folder holds other
 * keys.
 *
 * <p>Parameters (system property, then environment variable, then default): {@code arcanum.addr},
 * {@code arcanum.token}, {@code arcanum.mount} as in {@link KvWriteRead}; {@code arcanum.users}
 * (4); {@code arcanum.listKeys} (100000); {@code arcanum.pageSize} (1000); {@code
 * arcanum.durationSeconds} (30); {@code arcanum.setupInFlight} (32).
 */
public class ListLarge extends SetUpSimulation {

  /** The policy of the load's token. */
  public static final String POLICY = "load-list";

  private static final String NAME = "ListLarge";
  private static final String ADDR = Params.addr();
  private static final String TOKEN = Params.requiredToken(NAME);
  private static final String MOUNT = Params.mount();
  private static final int USERS = Params.positiveInt("arcanum.users", 4, "ARCANUM_USERS");
  private static final int LIST_KEYS = Params.positiveInt("arcanum.listKeys", 100_000, "ARCANUM_LIST_KEYS");
  private static final int PAGE_SIZE = Params.positiveInt("arcanum.pageSize", 1000, "ARCANUM_PAGE_SIZE");
  private static final int DURATION_SECONDS =
      Params.positiveInt("arcanum.durationSeconds", 30, "ARCANUM_DURATION_SECONDS");
  private static final int SETUP_IN_FLIGHT = Params.setupInFlight();
  private static final String FOLDER = "load/list/";
  private static final Pattern KEY = Pattern.compile("k\\d{7}");
  /** How long setup waits for the listing to show every key written. */
  private static final Duration LISTING_WAIT = Duration.ofMinutes(5);

  static {
    if (LIST_KEYS > 9_999_999) {
      throw new IllegalArgumentException("arcanum.listKeys must be < 10,000,000 (7-digit key names)");
    }
    System.out.printf("%s: addr=%s mount=%s users=%d listKeys=%d pageSize=%d duration=%ds%n",
        NAME, ADDR, MOUNT, USERS, LIST_KEYS, PAGE_SIZE, DURATION_SECONDS);
  }

  private final VaultClient admin = new VaultClient(ADDR, TOKEN);
  private final AtomicLong passes = new AtomicLong();
  private volatile String loadToken;

  private static String key(int n) {
    return String.format("k%07d", n);
  }

  private static boolean expectedKey(String k) {
    return KEY.matcher(k).matches() && Integer.parseInt(k.substring(1)) < LIST_KEYS;
  }

  /** "ok", or what is wrong with a page given what this pass listed before it. */
  private static String pageVerdict(List<String> keys, Session session) {
    String previous = session.getString("after");
    int listed = session.getInt("listed");
    if (keys.size() > PAGE_SIZE) {
      return "page of " + keys.size() + " keys, more than limit=" + PAGE_SIZE;
    }
    for (String k : keys) {
      if (!previous.isEmpty() && k.compareTo(previous) <= 0) {
        return "key " + k + " listed after " + previous + " (not sorted, or after= not applied)";
      }
      if (!expectedKey(k)) {
        return "unexpected key " + k;
      }
      previous = k;
    }
    int total = listed + keys.size();
    if (total > LIST_KEYS) {
      return "listed " + total + " keys, more than " + LIST_KEYS;
    }
    if (keys.size() < PAGE_SIZE && total != LIST_KEYS) {
      return "listing ended after " + total + " keys, expected " + LIST_KEYS;
    }
    return "ok";
  }

  private static String pageUrl(Session session) {
    String after = session.getString("after");
    return "/v1/" + MOUNT + "/metadata/" + FOLDER + "?limit=" + PAGE_SIZE
        + (after.isEmpty() ? "" : "&after=" + URLEncoder.encode(after, StandardCharsets.UTF_8));
  }

  private final ChainBuilder page =
      exec(session -> session.markAsSucceeded().remove("page"))
          .exec(http("list page")
              .httpRequest("LIST", ListLarge::pageUrl)
              .check(status().in(200, 404))
              .checkIf((response, session) -> response.status().code() == 200).then(
                  jsonPath("$.data.keys[*]").findAll().saveAs("page"),
                  jsonPath("$.data.keys[*]").findAll().transformWithSession(ListLarge::pageVerdict).is("ok"))
              .checkIf((response, session) -> response.status().code() == 404).then(
                  // Vault's (and Arcanum's) answer to an empty listing: 404 {"errors":[]}; it ends the
                  // listing when the count is a multiple of the page size
                  jsonPath("$.errors").transformWithSession((errors, session) -> session.getInt("listed") == LIST_KEYS
                      ? "ok" : "404 after " + session.getInt("listed") + " keys, expected " + LIST_KEYS).is("ok")))
          .exec(session -> {
            if (session.isFailed() || !session.contains("page")) {
              if (!session.isFailed()) {
                passes.incrementAndGet(); // a 404 after exactly LIST_KEYS keys
              }
              return session.set("more", false);
            }
            List<String> keys = session.getList("page");
            boolean full = keys.size() == PAGE_SIZE;
            if (!full) {
              passes.incrementAndGet(); // the verdict checked the count
            }
            return session
                .set("listed", session.getInt("listed") + keys.size())
                .set("after", keys.get(keys.size() - 1))
                .set("more", full);
          });

  private final ChainBuilder pass =
      exec(session -> session.set("after", "").set("listed", 0).set("more", true))
          .asLongAs(session -> session.getBoolean("more")).on(page);

  private final ScenarioBuilder load =
      scenario("list a large folder").during(Duration.ofSeconds(DURATION_SECONDS)).on(pass);

  {
    setUp(load.injectOpen(atOnceUsers(USERS)))
        .protocols(Load.protocol(ADDR, session -> loadToken))
        .maxDuration(Load.maxDuration(DURATION_SECONDS))
        .assertions(Load.assertions());
  }

  /**
   * Setup: policy, limited token, the folder's keys (written when missing), the listing caught up.
   *
   * @throws RuntimeException when a setup request fails
   *     does not catch up within 5 minutes, after revoking the token with {@link #after()}
   */
  @Override
  protected void setup() {
    admin.writePolicy(POLICY, String.join("\n",
        "path \"" + MOUNT + "/metadata/" + FOLDER + "*\" {",
        "  capabilities = [\"list\"]",
        "}", ""));
    loadToken = admin.createToken(List.of(POLICY), true, "24h");
    System.out.println(NAME + ": the load uses a token with only the policy " + POLICY);

    List<String> listed = admin.kvListAll(MOUNT, FOLDER, PAGE_SIZE);
    List<String> unexpected = listed.stream().filter(k -> !expectedKey(k)).limit(5).toList();
    if (!unexpected.isEmpty()) {
      throw new IllegalStateException(NAME + ": " + MOUNT + "/" + FOLDER + " holds keys other than k0000000 .. "
          + key(LIST_KEYS - 1) + ", e.g. " + unexpected + ": the listing could not have exactly " + LIST_KEYS
          + " keys. Delete them (or use a fresh dev server, or the arcanum.listKeys of the earlier run).");
    }
    Set<String> present = new HashSet<>(listed);
    List<Integer> missing = new ArrayList<>();
    for (int n = 0; n < LIST_KEYS; n++) {
      if (!present.contains(key(n))) {
        missing.add(n);
      }
    }
    if (missing.isEmpty()) {
      System.out.printf("%s: %s already lists %,d keys: nothing to write%n", NAME, MOUNT + "/" + FOLDER, LIST_KEYS);
    } else {
      System.out.printf("%s: %,d keys listed, writing the %,d missing (an estimate of the time left follows"
          + " after %d s)%n", NAME, listed.size(), missing.size(), Parallel.PROGRESS_SECONDS);
      Parallel.run(NAME + " setup writes", missing.size(), SETUP_IN_FLIGHT, i -> {
        int n = missing.get(i);
        return admin.expectAsync(200, "PUT", MOUNT + "/data/" + FOLDER + key(n), "{\"data\":{\"n\":" + n + "}}");
      });
      waitForListing();
    }
  }

  /** Waits until the listing (a projection of the writes) shows every key. */
  private void waitForListing() {
    long deadline = System.nanoTime() + LISTING_WAIT.toNanos();
    long nextPrint = 0;
    while (true) {
      int count = admin.kvListAll(MOUNT, FOLDER, PAGE_SIZE).size();
      if (count == LIST_KEYS) {
        System.out.printf("%s: the listing shows all %,d keys%n", NAME, LIST_KEYS);
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(NAME + ": after " + LISTING_WAIT.toSeconds() + " s the listing shows "
            + count + " keys, expected " + LIST_KEYS);
      }
      if (System.nanoTime() > nextPrint) {
        System.out.printf("%s: the listing shows %,d of %,d keys, waiting for it to catch up%n",
            NAME, count, LIST_KEYS);
        nextPrint = System.nanoTime() + Duration.ofSeconds(Parallel.PROGRESS_SECONDS).toNanos();
      }
      try {
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  /** Teardown: prints the complete passes, revokes the load's token. */
  @Override
  public void after() {
    System.out.printf("%s: %,d complete passes over %,d keys (each checked to list exactly that many)%n",
        NAME, passes.get(), LIST_KEYS);
    admin.revokeQuietly(loadToken);
  }
}
