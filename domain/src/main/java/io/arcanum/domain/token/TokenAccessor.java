package io.arcanum.domain.token;

import io.arcanum.domain.CborSerializable;
import io.arcanum.domain.barrier.IntegrityException;
import io.arcanum.domain.barrier.SealedEvent;
import io.arcanum.domain.barrier.TamperedEvent;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;

/**
 * One token accessor (entity id: the accessor), pointing at its token entry's id, so that
 * {@code lookup-accessor} and {@code revoke-accessor} work without the token.
 *
 * <p>A {@link Register} becomes a {@link Registered} once; {@link Resolve} reads it.
 */
public final class TokenAccessor
    extends EventSourcedBehavior<TokenAccessor.Command, SealedEvent, TokenAccessor.State> {

  /** The sharding type key; persistence ids are {@code accessor|<accessor>}. */
  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "accessor");

  /** Error for an unknown accessor. */
  public static final String UNKNOWN = "invalid accessor";

  /** Commands. */
  public interface Command extends CborSerializable {}

  /**
   * Points the accessor at a token.
   *
   * @param tokenHash the token entry's id
   * @param replyTo acknowledged; an error if the accessor is taken
   */
  public record Register(String tokenHash, ActorRef<StatusReply<String>> replyTo) implements Command {}

  /**
   * @param replyTo gets the token entry's id, or {@value #UNKNOWN}
   */
  public record Resolve(ActorRef<StatusReply<String>> replyTo) implements Command {}

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

  private final String persistenceId;

  /**
   * @param accessor the accessor
   * @return its behavior
   */
  public static Behavior<Command> create(String accessor) {
    return new TokenAccessor(PersistenceId.of(TYPE_KEY.name(), accessor));
  }

  private TokenAccessor(PersistenceId id) {
    super(id);
    this.persistenceId = id.id();
  }

  @Override
  public State emptyState() {
    return new State(null, null);
  }

  @Override
  public CommandHandler<Command, SealedEvent, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Stop.class, (s, c) -> Effect().stop())
        .onCommand(Register.class, (s, c) -> {
          if (s.tampered() != null) {
            return Effect().reply(c.replyTo(), StatusReply.error(s.tampered()));
          }
          if (s.tokenHash() != null) {
            return Effect().reply(c.replyTo(), StatusReply.error("accessor already in use"));
          }
          return Effect().persist(new Registered(persistenceId, c.tokenHash()))
              .thenReply(c.replyTo(), st -> StatusReply.success(st.tokenHash()));
        })
        .onCommand(Resolve.class, (s, c) -> Effect().reply(c.replyTo(), s.tampered() != null
            ? StatusReply.error(s.tampered())
            : s.tokenHash() == null ? StatusReply.error(UNKNOWN) : StatusReply.success(s.tokenHash())))
        .build();
  }

  @Override
  public EventHandler<State, SealedEvent> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(TamperedEvent.class, (s, e) -> new State(null, integrity(e.reason())))
        .onEvent(Registered.class, (s, e) -> persistenceId.equals(e.entityId())
            ? new State(e.tokenHash(), null)
            : new State(null, integrity("event belongs to another entity")))
        .build();
  }

  private String integrity(String reason) {
    return new IntegrityException(reason + " (" + persistenceId + ")").getMessage();
  }
}
