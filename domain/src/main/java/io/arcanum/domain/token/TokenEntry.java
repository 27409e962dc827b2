package io.arcanum.domain.token;

import io.arcanum.domain.CborSerializable;
import io.arcanum.domain.Refusal;
import io.arcanum.domain.Rejected;
import io.arcanum.domain.Reply;
import io.arcanum.domain.barrier.SealedEvent;
import io.arcanum.domain.entity.SealedEntity;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;

/**
 * One token, as a persistent actor whose entity id is the SHA-256 of the token (see {@link Tokens}):
 * the token itself is never stored. Semantics follow Vault's token store (VAULT-API.md, "Tokens").
 *
 * <p>How commands become events:
 * <ul>
 *   <li>{@link Create} on a new entry becomes {@link Created} (with its expiry time);</li>
 *   <li>{@link AddChild} records a child token ({@link ChildAdded}) so that revocation can cascade;</li>
 *   <li>{@link Authenticate} checks the token is live and, for a token with {@code num_uses}, spends
 *       one use ({@link Used}); the last use also revokes it ({@link Revoked});</li>
 *   <li>{@link Renew} moves the expiry ({@link Renewed}), capped by {@code explicit_max_ttl} and the
 *       system max TTL counted from creation (periodic tokens renew by their period);</li>
 *   <li>{@link Revoke} becomes {@link Revoked} and answers the children to revoke next (the caller
 *       walks the tree; a repeated revoke answers them again, so an interrupted cascade resumes).</li>
 * </ul>
 * Expiry is computed against an injectable clock. Answers are typed ({@link Reply}): the command's
 * result record, or {@link Rejected} with {@link Refusal#UNKNOWN_TOKEN}, {@link Refusal#TOKEN_EXISTS}
 * or {@link Refusal#NOT_RENEWABLE}. Events are sealed by the barrier and checked against this
 * entity's id on replay ({@link SealedEntity}).
 */
public final class TokenEntry extends SealedEntity<TokenEntry.Command, TokenEntry.State> {

  /** The sharding type key; persistence ids are {@code token|<sha256 of the token>}. */
  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "token");

  /** Vault's system max TTL (32 days). */
  public static final Duration SYSTEM_MAX_TTL = Duration.ofDays(32);

  /**
   * What a token grants and how it was made.
   *
   * @param accessor the accessor, a separate random id
   * @param policies attached policy names (sorted, without duplicates)
   * @param displayName display name ({@code token-...} or {@code root})
   * @param meta metadata
   * @param createdTime issue time
   * @param creationTtl the TTL asked for at creation (zero: never expires)
   * @param explicitMaxTtl hard cap from creation (zero: none)
   * @param period renewal period of a periodic token (zero: not periodic)
   * @param numUses uses granted at creation (0: unlimited)
   * @param renewable whether it can be renewed
   * @param parent the SHA-256 of the parent token, or null for an orphan
   * @param path the path that created it ({@code auth/token/create}, {@code auth/token/root} ...)
   */
  public record Info(String accessor, List<String> policies, String displayName, Map<String, String> meta,
      Instant createdTime, Duration creationTtl, Duration explicitMaxTtl, Duration period, int numUses,
      boolean renewable, String parent, String path) implements CborSerializable {

    /** @return whether the token has no parent */
    public boolean orphan() {
      return parent == null;
    }
  }

  /**
   * A live token as seen at one instant.
   *
   * @param info what it grants
   * @param expireTime when it expires, or null for never
   * @param usesLeft uses left (0: unlimited, when {@code info.numUses()} is 0)
   * @param children the child tokens recorded (SHA-256 ids)
   */
  public record View(Info info, Instant expireTime, int usesLeft, List<String> children) implements Reply {
    /**
     * @param now the current time
     * @return seconds left, 0 for a token that never expires
     */
    public long ttlSeconds(Instant now) {
      if (expireTime == null) {
        return 0;
      }
      Duration left = Duration.between(now, expireTime);
      // whole seconds, rounded up: a token created with ttl 1h reports 3600 at once
      return Math.max(0, left.getSeconds() + (left.getNano() > 0 ? 1 : 0));
    }
  }

  /** Commands of a token entry. */
  public interface Command extends CborSerializable {}

  /**
   * Creates the token.
   *
   * @param info what it grants
   * @param replyTo gets the {@link View}, or {@link Refusal#TOKEN_EXISTS} if the entry exists already
   */
  public record Create(Info info, ActorRef<Reply> replyTo) implements Command {}

  /**
   * Uses the token for one request: refused with {@link Refusal#UNKNOWN_TOKEN} when it does not exist,
   * was revoked or expired; spends a use when it has {@code num_uses}.
   *
   * @param replyTo gets the {@link View}
   */
  public record Authenticate(ActorRef<Reply> replyTo) implements Command {}

  /**
   * Looks the token up without using it.
   *
   * @param replyTo gets the {@link View}, or {@link Refusal#UNKNOWN_TOKEN}
   */
  public record Lookup(ActorRef<Reply> replyTo) implements Command {}

  /**
   * Renews the token.
   *
   * @param increment the TTL asked for, or null for the creation TTL
   * @param replyTo gets the {@link View} after renewal, or {@link Refusal#NOT_RENEWABLE} /
   *     {@link Refusal#UNKNOWN_TOKEN}
   */
  public record Renew(Duration increment, ActorRef<Reply> replyTo) implements Command {}

  /**
   * Records a child token.
   *
   * @param child the child's SHA-256 id
   * @param replyTo gets {@link Done}; {@link Refusal#UNKNOWN_TOKEN} when this token is not live
   */
  public record AddChild(String child, ActorRef<Reply> replyTo) implements Command {}

  /**
   * Revokes the token (idempotent).
   *
   * @param replyTo gets the {@link Children} to revoke next (empty for a token that never existed)
   */
  public record Revoke(ActorRef<Reply> replyTo) implements Command {}

  /**
   * The children of a revoked token, to revoke next.
   *
   * @param tokens their SHA-256 ids
   */
  public record Children(List<String> tokens) implements Reply {}

  /**
   * Makes the token an orphan (its parent was revoked with {@code revoke-orphan}).
   *
   * @param replyTo gets {@link Done}
   */
  public record Orphan(ActorRef<Reply> replyTo) implements Command {}

  /** Stops the entity (sent when the node seals). */
  public enum Stop implements Command { INSTANCE }

  /** Acknowledgement. */
  public enum Done implements Reply { DONE }

  /**
   * The token was created.
   *
   * @param entityId the persistence id
   * @param info what it grants
   * @param expireTime expiry, or null
   */
  public record Created(String entityId, Info info, Instant expireTime) implements SealedEvent {}

  /**
   * A child token was recorded.
   *
   * @param entityId the persistence id
   * @param child the child's id
   */
  public record ChildAdded(String entityId, String child) implements SealedEvent {}

  /**
   * A use was spent.
   *
   * @param entityId the persistence id
   * @param usesLeft uses left after this one
   */
  public record Used(String entityId, int usesLeft) implements SealedEvent {}

  /**
   * The token was renewed.
   *
   * @param entityId the persistence id
   * @param expireTime the new expiry
   */
  public record Renewed(String entityId, Instant expireTime) implements SealedEvent {}

  /**
   * The token became an orphan.
   *
   * @param entityId the persistence id
   */
  public record Orphaned(String entityId) implements SealedEvent {}

  /**
   * The token was revoked.
   *
   * @param entityId the persistence id
   * @param time when
   */
  public record Revoked(String entityId, Instant time) implements SealedEvent {}

  /** State of a token entry. Changed only by the event handler. */
  public static final class State {
    Info info;
    Instant expireTime;
    int usesLeft;
    boolean revoked;
    final Set<String> children = new LinkedHashSet<>();
    String tampered;

    View view() {
      return new View(info, expireTime, usesLeft, List.copyOf(children));
    }
  }

  private final Clock clock;

  /**
   * @param tokenHash the SHA-256 hex of the token
   * @param clock the clock expiry is checked against
   * @return the behavior of that token entry
   */
  public static Behavior<Command> create(String tokenHash, Clock clock) {
    return new TokenEntry(PersistenceId.of(TYPE_KEY.name(), tokenHash), clock);
  }

  private TokenEntry(PersistenceId id, Clock clock) {
    super(id);
    this.clock = clock;
  }

  /**
   * @param s a state
   * @param now the current time
   * @return whether the token exists, is not revoked and has not expired
   */
  private static boolean live(State s, Instant now) {
    return s.info != null && !s.revoked && (s.expireTime == null || now.isBefore(s.expireTime));
  }

  @Override
  public State emptyState() {
    return new State();
  }

  @Override
  protected String integrityFailure(State s) {
    return s.tampered;
  }

  @Override
  protected State failed(State s, String failure) {
    s.tampered = failure;
    s.info = null;
    return s;
  }

  @Override
  public CommandHandler<Command, SealedEvent, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Stop.class, (s, c) -> Effect().stop())
        .onCommand(Create.class, (s, c) -> unlessFailed(s, c.replyTo(), () -> {
          if (s.info != null) {
            return Effect().reply(c.replyTo(), Rejected.of(Refusal.TOKEN_EXISTS));
          }
          Instant now = clock.instant();
          Duration ttl = initialTtl(c.info());
          Instant expire = ttl.isZero() ? null : now.plus(ttl);
          return Effect().persist(new Created(persistenceId, c.info(), expire))
              .thenReply(c.replyTo(), State::view);
        }))
        .onCommand(Lookup.class, (s, c) -> Effect().reply(c.replyTo(),
            answer(s, () -> live(s, clock.instant()) ? s.view() : Rejected.of(Refusal.UNKNOWN_TOKEN))))
        .onCommand(Authenticate.class, (s, c) -> unlessFailed(s, c.replyTo(), () -> onAuthenticate(s, c)))
        .onCommand(Renew.class, (s, c) -> unlessFailed(s, c.replyTo(), () -> onRenew(s, c)))
        .onCommand(AddChild.class, (s, c) -> unlessFailed(s, c.replyTo(), () -> {
          if (!live(s, clock.instant())) {
            return Effect().reply(c.replyTo(), Rejected.of(Refusal.UNKNOWN_TOKEN));
          }
          if (s.children.contains(c.child())) {
            return Effect().reply(c.replyTo(), Done.DONE);
          }
          return Effect().persist(new ChildAdded(persistenceId, c.child())).thenReply(c.replyTo(), st -> Done.DONE);
        }))
        .onCommand(Orphan.class, (s, c) -> unlessFailed(s, c.replyTo(), () -> s.info == null || s.info.parent() == null
            ? Effect().reply(c.replyTo(), Done.DONE)
            : Effect().persist(new Orphaned(persistenceId)).thenReply(c.replyTo(), st -> Done.DONE)))
        .onCommand(Revoke.class, (s, c) -> unlessFailed(s, c.replyTo(), () -> {
          if (s.info == null) {
            return Effect().reply(c.replyTo(), new Children(List.of()));
          }
          if (s.revoked) {
            return Effect().reply(c.replyTo(), new Children(List.copyOf(s.children)));
          }
          return Effect().persist(new Revoked(persistenceId, clock.instant()))
              .thenReply(c.replyTo(), st -> new Children(List.copyOf(st.children)));
        }))
        .build();
  }

  private Effect<SealedEvent, State> onAuthenticate(State s, Authenticate c) {
    Instant now = clock.instant();
    if (!live(s, now)) {
      return Effect().reply(c.replyTo(), Rejected.of(Refusal.UNKNOWN_TOKEN));
    }
    if (s.info.numUses() == 0) {
      return Effect().reply(c.replyTo(), s.view());
    }
    int left = s.usesLeft - 1;
    View allowed = new View(s.info, s.expireTime, left, List.copyOf(s.children));
    if (left > 0) {
      return Effect().persist(new Used(persistenceId, left)).thenReply(c.replyTo(), st -> allowed);
    }
    // the last use: this request may go on, and the token is revoked with it, as in Vault
    return Effect().persist(List.of(new Used(persistenceId, 0), new Revoked(persistenceId, now)))
        .thenReply(c.replyTo(), st -> allowed);
  }

  private Effect<SealedEvent, State> onRenew(State s, Renew c) {
    Instant now = clock.instant();
    if (!live(s, now)) {
      return Effect().reply(c.replyTo(), Rejected.of(Refusal.UNKNOWN_TOKEN));
    }
    if (!s.info.renewable() || s.expireTime == null) {
      return Effect().reply(c.replyTo(), Rejected.of(Refusal.NOT_RENEWABLE));
    }
    Duration ttl;
    if (!s.info.period().isZero()) {
      ttl = s.info.period();
    } else {
      ttl = c.increment() != null && !c.increment().isZero() ? c.increment() : s.info.creationTtl();
    }
    Instant expire = now.plus(ttl);
    Instant cap = maxExpiry(s.info);
    if (cap != null && expire.isAfter(cap)) {
      expire = cap;
    }
    return Effect().persist(new Renewed(persistenceId, expire)).thenReply(c.replyTo(), State::view);
  }

  /**
   * The TTL a new token gets: its {@code period} for a periodic token, else its TTL capped by
   * {@code explicit_max_ttl} and the system max TTL; zero for a token without TTL (root).
   *
   * @param info the token's info
   * @return the TTL, zero for never
   */
  static Duration initialTtl(Info info) {
    if (!info.period().isZero()) {
      return info.explicitMaxTtl().isZero() || info.period().compareTo(info.explicitMaxTtl()) < 0
          ? info.period() : info.explicitMaxTtl();
    }
    Duration ttl = info.creationTtl();
    if (ttl.isZero()) {
      return Duration.ZERO;
    }
    if (!info.explicitMaxTtl().isZero() && ttl.compareTo(info.explicitMaxTtl()) > 0) {
      ttl = info.explicitMaxTtl();
    }
    return ttl.compareTo(SYSTEM_MAX_TTL) > 0 ? SYSTEM_MAX_TTL : ttl;
  }

  private static Instant maxExpiry(Info info) {
    if (!info.explicitMaxTtl().isZero()) {
      return info.createdTime().plus(info.explicitMaxTtl());
    }
    if (!info.period().isZero()) {
      return null;
    }
    return info.createdTime().plus(SYSTEM_MAX_TTL);
  }

  @Override
  public EventHandler<State, SealedEvent> eventHandler() {
    return sealedEvents()
        .onEvent(Created.class, (s, e) -> owned(s, e, st -> {
          st.info = e.info();
          st.expireTime = e.expireTime();
          st.usesLeft = e.info().numUses();
          return st;
        }))
        .onEvent(ChildAdded.class, (s, e) -> owned(s, e, st -> {
          st.children.add(e.child());
          return st;
        }))
        .onEvent(Used.class, (s, e) -> owned(s, e, st -> {
          st.usesLeft = e.usesLeft();
          return st;
        }))
        .onEvent(Renewed.class, (s, e) -> owned(s, e, st -> {
          st.expireTime = e.expireTime();
          return st;
        }))
        .onEvent(Revoked.class, (s, e) -> owned(s, e, st -> {
          st.revoked = true;
          return st;
        }))
        .onEvent(Orphaned.class, (s, e) -> owned(s, e, st -> {
          Info i = st.info;
          st.info = new Info(i.accessor(), i.policies(), i.displayName(), i.meta(), i.createdTime(), i.creationTtl(),
              i.explicitMaxTtl(), i.period(), i.numUses(), i.renewable(), null, i.path());
          return st;
        }))
        .build();
  }
}
