package io.arcanum.domain.token;

import io.arcanum.domain.CborSerializable;
import io.arcanum.domain.Refusal;
import io.arcanum.domain.Rejected;
import io.arcanum.domain.Reply;
import io.arcanum.domain.barrier.SealedEvent;
import io.arcanum.domain.entity.SealedEntity;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;

/**
 * One token accessor (entity id: the accessor), pointing at its token entry's id, so that
 * {@code lookup-accessor} and {@code revoke-accessor} work without the token.
 *
 * <p>A {@link Register} becomes a {@link Registered} once (a second one is refused with
 * {@link Refusal#ACCESSOR_IN_USE}); {@link Resolve} reads it ({@link Refusal#INVALID_ACCESSOR} when
 * nothing was registered). Events are sealed by the barrier and checked against this entity's id on
 * replay ({@link SealedEntity}).
 */
public final class TokenAccessor extends SealedEntity<TokenAccessor.Command, TokenAccessor.State> {

  /** The sharding type key; persistence ids are {@code accessor|<accessor>}. */
  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "accessor");

  /** Commands. */
  public interface Command extends CborSerializable {}

  /**
   * Points the accessor at a token.
   *
   * @param tokenHash the token entry's id
   * @param replyTo gets {@link Resolved}; {@link Refusal#ACCESSOR_IN_USE} if the accessor is taken
   */
  public record Register(String tokenHash, ActorRef<Reply> replyTo) implements Command {}

  /**
   * @param replyTo gets {@link Resolved}, or {@link Refusal#INVALID_ACCESSOR}
   */
  public record Resolve(ActorRef<Reply> replyTo) implements Command {}

  /**
   * The token entry an accessor points at.
   *
   * @param tokenHash the token entry's id (the SHA-256 of the token, never the token)
   */
  public record Resolved(String tokenHash) implements Reply {}

  /** Stops the entity (sent when the node seals). */
  public enum Stop implements Command { INSTANCE }

  /**
   * The accessor was registered.
   *
   * @param entityId the persistence id
   * @param tokenHash the token entry's id
   */
  public record Registered(String entityId, String tokenHash) implements SealedEvent {}

  /**
   * @param tokenHash the token entry's id, or null
   * @param tampered integrity error or null
   */
  public record State(String tokenHash, String tampered) {}

  /**
   * @param accessor the accessor
   * @return its behavior
   */
  public static Behavior<Command> create(String accessor) {
    return new TokenAccessor(PersistenceId.of(TYPE_KEY.name(), accessor));
  }

  private TokenAccessor(PersistenceId id) {
    super(id);
  }

  @Override
  public State emptyState() {
    return new State(null, null);
  }

  @Override
  protected String integrityFailure(State s) {
    return s.tampered();
  }

  @Override
  protected State failed(State s, String failure) {
    return new State(null, failure);
  }

  @Override
  public CommandHandler<Command, SealedEvent, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Stop.class, (s, c) -> Effect().stop())
        .onCommand(Register.class, (s, c) -> unlessFailed(s, c.replyTo(), () -> s.tokenHash() != null
            ? Effect().reply(c.replyTo(), Rejected.of(Refusal.ACCESSOR_IN_USE))
            : Effect().persist(new Registered(persistenceId, c.tokenHash()))
                .thenReply(c.replyTo(), st -> new Resolved(st.tokenHash()))))
        .onCommand(Resolve.class, (s, c) -> Effect().reply(c.replyTo(), answer(s, () -> s.tokenHash() == null
            ? Rejected.of(Refusal.INVALID_ACCESSOR) : new Resolved(s.tokenHash()))))
        .build();
  }

  @Override
  public EventHandler<State, SealedEvent> eventHandler() {
    return sealedEvents()
        .onEvent(Registered.class, (s, e) -> owned(s, e, st -> new State(e.tokenHash(), null)))
        .build();
  }
}
