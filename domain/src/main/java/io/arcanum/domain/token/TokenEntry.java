package io.arcanum.domain.token;

import io.arcanum.domain.barrier.IntegrityException;
import io.arcanum.domain.barrier.SealedEvent;
import io.arcanum.domain.barrier.TamperedEvent;
import io.arcanum.domain.CborSerializable;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;

/**
 * One token, as a persistent actor whose entity id is the SHA-256 of the token (see {@link Tokens}):
 * the token itself is never stored.
 *
 * <p>How commands become events: a {@link Create} on a new entry becomes a {@link Created}; a
 * {@link Lookup} reads the state. (Renewal and revocation arrive with the full token API.) Events are
 * sealed by the barrier and checked against this entity's id on replay.
 */
public final class TokenEntry
    extends EventSourcedBehavior<TokenEntry.Command, SealedEvent, TokenEntry.State> {

  /** The sharding type key; persistence ids are {@code token|<sha256 of the token>}. */
  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "token");

  /**
   * What a token grants.
   *
   * @param accessor the accessor, a separate random id
   * @param policies attached policy names
   * @param displayName display name
   * @param meta metadata
   * @param createdTime when it was created
   */
  public record Info(String accessor, List<String> policies, String displayName,
      Map<String, String> meta, Instant createdTime) implements CborSerializable {}

  /** Commands of a token entry. */
  public interface Command extends CborSerializable {}

  /**
   * Creates the token.
   *
   * @param info what it grants
   * @param replyTo gets the info, or an error if the entry exists already
   */
  public record Create(Info info, ActorRef<StatusReply<Info>> replyTo) implements Command {}

  /**
   * Looks the token up.
   *
   * @param replyTo gets the info, or an error when the token does not exist
   */
  public record Lookup(ActorRef<StatusReply<Info>> replyTo) implements Command {}

  /** Stops the entity (sent when the node seals). */
  public enum Stop implements Command { INSTANCE }

  /** Error message for an unknown token; routes turn it into 403 {@code permission denied}. */
  public static final String UNKNOWN = "unknown token";

  /**
   * The token was created.
   *
   * @param entityId the persistence id
   * @param info what it grants
   */
  public record Created(String entityId, Info info) implements SealedEvent {}

  /**
   * State: the info, or null before creation; a reason when an event failed its integrity check.
   *
   * @param info the info or null
   * @param tampered the integrity error message or null
   */
  public record State(Info info, String tampered) {}

  private final String persistenceId;

  /**
   * @param tokenHash the SHA-256 hex of the token
   * @return the behavior of that token entry
   */
  public static Behavior<Command> create(String tokenHash) {
    return new TokenEntry(PersistenceId.of(TYPE_KEY.name(), tokenHash));
  }

  private TokenEntry(PersistenceId id) {
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
        .onCommand(Lookup.class, (s, c) -> {
          if (s.tampered() != null) {
            return Effect().reply(c.replyTo(), StatusReply.error(s.tampered()));
          }
          return Effect().reply(c.replyTo(),
              s.info() == null ? StatusReply.error(UNKNOWN) : StatusReply.success(s.info()));
        })
        .onCommand(Create.class, (s, c) -> {
          if (s.tampered() != null) {
            return Effect().reply(c.replyTo(), StatusReply.error(s.tampered()));
          }
          if (s.info() != null) {
            return Effect().reply(c.replyTo(), StatusReply.error("token already exists"));
          }
          return Effect().persist(new Created(persistenceId, c.info()))
              .thenReply(c.replyTo(), st -> StatusReply.success(st.info()));
        })
        .build();
  }

  @Override
  public EventHandler<State, SealedEvent> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(TamperedEvent.class, (s, e) -> tampered(e.reason()))
        .onEvent(Created.class, (s, e) -> persistenceId.equals(e.entityId())
            ? new State(e.info(), null)
            : tampered("event belongs to another entity"))
        .build();
  }

  private State tampered(String reason) {
    return new State(null, new IntegrityException(reason + " (" + persistenceId + ")").getMessage());
  }
}
