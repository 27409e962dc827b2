package io.arcanum.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.arcanum.domain.barrier.Keyring;
import io.arcanum.domain.barrier.SealedEvent;
import io.arcanum.domain.token.TokenEntry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
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

  private StatusReply<TokenEntry.View> create(TokenEntry.Info info) {
    return kit.<StatusReply<TokenEntry.View>>runCommand(r -> new TokenEntry.Create(info, r)).reply();
  }

  private StatusReply<TokenEntry.View> authenticate() {
    return kit.<StatusReply<TokenEntry.View>>runCommand(TokenEntry.Authenticate::new).reply();
  }

  private StatusReply<TokenEntry.View> renew(Duration increment) {
    return kit.<StatusReply<TokenEntry.View>>runCommand(r -> new TokenEntry.Renew(increment, r)).reply();
  }

  @Test
  void expiresWithTheClock() {
    create(info(Duration.ofHours(1), Duration.ZERO, Duration.ZERO, 0));
    assertTrue(authenticate().isSuccess());
    clock.advance(Duration.ofMinutes(59));
    assertTrue(authenticate().isSuccess());
    clock.advance(Duration.ofMinutes(2));
    assertEquals(TokenEntry.UNKNOWN, authenticate().getError().getMessage());
    assertEquals(TokenEntry.UNKNOWN, renew(null).getError().getMessage(), "an expired token cannot be renewed");
  }

  @Test
  void numUsesAreSpentAndTheLastUseRevokes() {
    create(info(Duration.ofHours(1), Duration.ZERO, Duration.ZERO, 2));
    assertEquals(1, authenticate().getValue().usesLeft());
    assertEquals(0, authenticate().getValue().usesLeft(), "the last use is allowed");
    assertEquals(TokenEntry.UNKNOWN, authenticate().getError().getMessage(), "then the token is gone");
    kit.restart();
    assertEquals(TokenEntry.UNKNOWN, authenticate().getError().getMessage(), "also after recovery");
  }

  @Test
  void renewalIsCappedByExplicitMaxTtl() {
    create(info(Duration.ofMinutes(30), Duration.ofHours(2), Duration.ZERO, 0));
    clock.advance(Duration.ofMinutes(20));
    TokenEntry.View renewed = renew(Duration.ofHours(1)).getValue();
    assertEquals(clock.instant().plus(Duration.ofHours(1)), renewed.expireTime());
    clock.advance(Duration.ofMinutes(50));
    TokenEntry.View capped = renew(Duration.ofHours(5)).getValue();
    assertEquals(Instant.parse("2026-11-30T12:00:00Z"), capped.expireTime(), "never past creation + explicit_max_ttl");
    clock.advance(Duration.ofMinutes(51));
    assertEquals(TokenEntry.UNKNOWN, authenticate().getError().getMessage());
  }

  @Test
  void periodicTokensRenewByTheirPeriod() {
    create(info(Duration.ZERO, Duration.ZERO, Duration.ofHours(1), 0));
    clock.advance(Duration.ofMinutes(50));
    assertEquals(clock.instant().plus(Duration.ofHours(1)), renew(Duration.ofHours(9)).getValue().expireTime());
  }

  @Test
  void rootStyleTokensNeverExpireAndAreNotRenewable() {
    create(new TokenEntry.Info("acc", List.of("root"), "root", Map.of(), clock.instant(), Duration.ZERO,
        Duration.ZERO, Duration.ZERO, 0, false, null, "auth/token/root"));
    clock.advance(Duration.ofDays(400));
    TokenEntry.View v = authenticate().getValue();
    assertNull(v.expireTime());
    assertTrue(v.info().orphan());
    assertEquals(TokenEntry.NOT_RENEWABLE, renew(null).getError().getMessage());
  }

  @Test
  void revocationAnswersTheChildrenEvenWhenRepeated() {
    create(info(Duration.ofHours(1), Duration.ZERO, Duration.ZERO, 0));
    kit.<StatusReply<TokenEntry.Done>>runCommand(r -> new TokenEntry.AddChild("child1", r));
    kit.<StatusReply<TokenEntry.Done>>runCommand(r -> new TokenEntry.AddChild("child2", r));
    assertEquals(List.of("child1", "child2"),
        kit.<StatusReply<TokenEntry.Children>>runCommand(TokenEntry.Revoke::new).reply().getValue().tokens());
    assertEquals(TokenEntry.UNKNOWN, authenticate().getError().getMessage());
    var again = kit.<StatusReply<TokenEntry.Children>>runCommand(TokenEntry.Revoke::new);
    assertTrue(again.hasNoEvents());
    assertEquals(List.of("child1", "child2"), again.reply().getValue().tokens(), "an interrupted cascade can resume");
    assertEquals(TokenEntry.UNKNOWN,
        kit.<StatusReply<TokenEntry.Done>>runCommand(r -> new TokenEntry.AddChild("late", r)).reply().getError().getMessage());
  }
}
