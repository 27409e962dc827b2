package io.arcanum.domain.seal;

import io.arcanum.domain.CborSerializable;
import java.time.Instant;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;

/**
 * The stored key hierarchy of the cluster: one persistent actor holding the root key encrypted by the
 * unseal key and the keyring encrypted by the root key.
 *
 * <p>Its events are not sealed by the barrier (it has to be read while the node is sealed); they are
 * safe in the clear because their key material is already encrypted. An {@link Initialize} becomes an
 * {@link Initialized} event once; a second one is refused with Vault's
 * {@value #ALREADY_INITIALIZED} message.
 */
public final class KeyringStore
    extends EventSourcedBehavior<KeyringStore.Command, KeyringStore.Event, KeyringStore.State> {

  /** Vault's exact message for a second initialization. */
  public static final String ALREADY_INITIALIZED = "Vault is already initialized";

  /** The persistence id of the one keyring store. */
  public static final PersistenceId PERSISTENCE_ID = PersistenceId.ofUniqueId("sys|keyring");

  /** Commands of the keyring store. */
  public interface Command extends CborSerializable {}

  /**
   * Asks for the stored keys.
   *
   * @param replyTo gets the state (whose keys are null while uninitialized)
   */
  public record Get(ActorRef<State> replyTo) implements Command {}

  /**
   * Stores the key hierarchy, once.
   *
   * @param keys the encrypted forms to store
   * @param clusterId a new random cluster id, reported by sys/health and sys/seal-status
   * @param replyTo gets success, or an error with {@value #ALREADY_INITIALIZED}
   */
  public record Initialize(SealKeys.StoredKeys keys, String clusterId, ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  /** Acknowledgement. */
  public enum Done implements CborSerializable { DONE }

  /** Events of the keyring store. */
  public interface Event extends CborSerializable {}

  /**
   * The key hierarchy was stored.
   *
   * @param keys the encrypted forms
   * @param clusterId the cluster id
   * @param time when
   */
  public record Initialized(SealKeys.StoredKeys keys, String clusterId, Instant time) implements Event {}

  /**
   * State: the stored keys, or {@code null} while uninitialized.
   *
   * @param keys the stored keys or null
   * @param clusterId the cluster id or null
   */
  public record State(SealKeys.StoredKeys keys, String clusterId) implements CborSerializable {
    /** @return whether the key hierarchy was stored */
    public boolean initialized() {
      return keys != null;
    }
  }

  /**
   * @return the behavior of the keyring store
   */
  public static Behavior<Command> create() {
    return new KeyringStore();
  }

  private KeyringStore() {
    super(PERSISTENCE_ID);
  }

  @Override
  public State emptyState() {
    return new State(null, null);
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Get.class, (state, cmd) -> Effect().reply(cmd.replyTo(), state))
        .onCommand(Initialize.class, (state, cmd) -> {
          if (state.keys() != null) {
            return Effect().reply(cmd.replyTo(), StatusReply.error(ALREADY_INITIALIZED));
          }
          return Effect()
              .persist(new Initialized(cmd.keys(), cmd.clusterId(), Instant.now()))
              .thenReply(cmd.replyTo(), s -> StatusReply.success(Done.DONE));
        })
        .build();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(Initialized.class, (state, evt) -> new State(evt.keys(), evt.clusterId()))
        .build();
  }
}
