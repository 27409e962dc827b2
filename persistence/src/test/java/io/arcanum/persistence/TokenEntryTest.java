package io.arcanum.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.arcanum.domain.Refusal;
import io.arcanum.domain.Rejected;
import io.arcanum.domain.Reply;
import io.arcanum.domain.barrier.Keyring;
import io.arcanum.domain.barrier.SealedEvent;
import io.arcanum.domain.token.TokenEntry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The token entry through the persistence testkit, sealed events, and a clock the test moves. */
class TokenEntryTest {

  private static ActorTestKit testKit;
  private final KvSecretTest.MutableClock clock = new KvSecretTest.MutableClock(Instant.parse("2026-11-30T10:00:00Z"));
  private EventSourcedBehaviorTestKit<TokenEntry.Command, SealedEvent, TokenEntry.State> kit;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create(EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()));
    BarrierExtension.get(testKit.system()).barrier().install(Keyring.generate(Instant.now()));
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void fresh() {
    kit = EventSourcedBehaviorTestKit.create(testKit.system(), TokenEntry.create("abc123", clock),
        EventSourcedBehaviorTestKit.enabledSerializationSettings().withVerifyState(false));
    kit.clear();
  }

  private TokenEntry.Info info(Duration ttl, Duration explicitMax, Duration period, int uses) {
    return new TokenEntry.Info("acc", List.of("default", "dev"), "token-x", Map.of("k", "v"), clock.instant(),
        ttl, explicitMax, period, uses, true, "parenthash", "auth/token/create");
  }

  private Reply create(TokenEntry.Info info) {
    return kit.<Reply>runCommand(r -> new TokenEntry.Create(info, r)).reply();
  }

  private Reply authenticate() {
    return kit.<Reply>runCommand(TokenEntry.Authenticate::new).reply();
  }

  private Reply renew(Duration increment) {
    return kit.<Reply>runCommand(r -> new TokenEntry.Renew(increment, r)).reply();
  }

  /** @return the refusal of a rejected reply (fails the test for any other reply) */
  private static Refusal refused(Reply reply) {
    assertTrue(reply instanceof Rejected, () -> "expected a rejection, got " + reply);
    return ((Rejected) reply).refusal();
  }

  private static TokenEntry.View view(Reply reply) {
    assertTrue(reply instanceof TokenEntry.View, () -> "expected a view, got " + reply);
    return (TokenEntry.View) reply;
  }

  @Test
  void expiresWithTheClock() {
    create(info(Duration.ofHours(1), Duration.ZERO, Duration.ZERO, 0));
    view(authenticate());
    clock.advance(Duration.ofMinutes(59));
    view(authenticate());
    clock.advance(Duration.ofMinutes(2));
    assertEquals(Refusal.UNKNOWN_TOKEN, refused(authenticate()));
    assertEquals(Refusal.UNKNOWN_TOKEN, refused(renew(null)), "an expired token cannot be renewed");
  }

  @Test
  void numUsesAreSpentAndTheLastUseRevokes() {
    create(info(Duration.ofHours(1), Duration.ZERO, Duration.ZERO, 2));
    assertEquals(1, view(authenticate()).usesLeft());
    assertEquals(0, view(authenticate()).usesLeft(), "the last use is allowed");
    assertEquals(Refusal.UNKNOWN_TOKEN, refused(authenticate()), "then the token is gone");
    kit.restart();
    assertEquals(Refusal.UNKNOWN_TOKEN, refused(authenticate()), "also after recovery");
  }

  @Test
  void renewalIsCappedByExplicitMaxTtl() {
    create(info(Duration.ofMinutes(30), Duration.ofHours(2), Duration.ZERO, 0));
    clock.advance(Duration.ofMinutes(20));
    TokenEntry.View renewed = view(renew(Duration.ofHours(1)));
    assertEquals(clock.instant().plus(Duration.ofHours(1)), renewed.expireTime());
    clock.advance(Duration.ofMinutes(50));
    TokenEntry.View capped = view(renew(Duration.ofHours(5)));
    assertEquals(Instant.parse("2026-11-30T12:00:00Z"), capped.expireTime(), "never past creation + explicit_max_ttl");
    clock.advance(Duration.ofMinutes(51));
    assertEquals(Refusal.UNKNOWN_TOKEN, refused(authenticate()));
  }

  @Test
  void periodicTokensRenewByTheirPeriod() {
    create(info(Duration.ZERO, Duration.ZERO, Duration.ofHours(1), 0));
    clock.advance(Duration.ofMinutes(50));
    assertEquals(clock.instant().plus(Duration.ofHours(1)), view(renew(Duration.ofHours(9))).expireTime());
  }

  @Test
  void rootStyleTokensNeverExpireAndAreNotRenewable() {
    create(new TokenEntry.Info("acc", List.of("root"), "root", Map.of(), clock.instant(), Duration.ZERO,
        Duration.ZERO, Duration.ZERO, 0, false, null, "auth/token/root"));
    clock.advance(Duration.ofDays(400));
    TokenEntry.View v = view(authenticate());
    assertNull(v.expireTime());
    assertTrue(v.info().orphan());
    assertEquals(Refusal.NOT_RENEWABLE, refused(renew(null)));
  }

  @Test
  void revocationAnswersTheChildrenEvenWhenRepeated() {
    create(info(Duration.ofHours(1), Duration.ZERO, Duration.ZERO, 0));
    assertEquals(TokenEntry.Done.DONE, kit.<Reply>runCommand(r -> new TokenEntry.AddChild("child1", r)).reply());
    kit.<Reply>runCommand(r -> new TokenEntry.AddChild("child2", r));
    assertEquals(new TokenEntry.Children(List.of("child1", "child2")),
        kit.<Reply>runCommand(TokenEntry.Revoke::new).reply());
    assertEquals(Refusal.UNKNOWN_TOKEN, refused(authenticate()));
    var again = kit.<Reply>runCommand(TokenEntry.Revoke::new);
    assertTrue(again.hasNoEvents());
    assertEquals(new TokenEntry.Children(List.of("child1", "child2")), again.reply(), "an interrupted cascade can resume");
    assertEquals(Refusal.UNKNOWN_TOKEN, refused(kit.<Reply>runCommand(r -> new TokenEntry.AddChild("late", r)).reply()));
  }

  @Test
  void aSecondCreateIsRefused() {
    view(create(info(Duration.ofHours(1), Duration.ZERO, Duration.ZERO, 0)));
    var again = kit.<Reply>runCommand(r -> new TokenEntry.Create(info(Duration.ofHours(2), Duration.ZERO, Duration.ZERO, 0), r));
    assertTrue(again.hasNoEvents());
    assertEquals(new Rejected(Refusal.TOKEN_EXISTS, "token already exists"), again.reply());
  }
}
