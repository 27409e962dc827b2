package io.arcanum.domain.seal;

import io.arcanum.domain.CborSerializable;
import io.arcanum.domain.Refusal;
import io.arcanum.domain.Rejected;
import io.arcanum.domain.Reply;
import java.time.Instant;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;

/**
 * The stored key hierarchy of the cluster: one persistent actor holding the root key encrypted by the
 * unseal key and the keyring encrypted by the root key.
 *
 * <p>Its events are not sealed by the barrier (it has to be read while the node is sealed); they are
 * safe in the clear because their key material is already encrypted. So it is not a
 * {@link io.arcanum.domain.entity.SealedEntity}; its answers are typed all the same ({@link Reply}).
 * An {@link Initialize} becomes an {@link Initialized} event once; a second one is refused with
 * {@link Refusal#ALREADY_INITIALIZED}. A {@link Rotate} (a keyring with one more term, encrypted by
 * the root key) becomes {@link KeyringRotated} when it starts from the current term, so that two
 * nodes rotating at once cannot lose a term ({@link Refusal#KEYRING_CHANGED} otherwise); a
 * {@link Rekey} (the same root key under a new unseal key) becomes {@link Rekeyed};
 * {@link ConfigureRotation} becomes {@link RotationConfigured}. Rotating or rekeying before
 * initialization is refused with {@link Refusal#NOT_INITIALIZED}.
 */
public final class KeyringStore
    extends EventSourcedBehavior<KeyringStore.Command, KeyringStore.Event, KeyringStore.State> {

  /** The persistence id of the one keyring store. */
  public static final PersistenceId PERSISTENCE_ID = PersistenceId.ofUniqueId("sys|keyring");

  /** Commands of the keyring store. */
  public interface Command extends CborSerializable {}

  /**
   * Asks for the stored keys.
   *
   * @param replyTo gets the {@link State} (whose keys are null while uninitialized)
   */
  public record Get(ActorRef<Reply> replyTo) implements Command {}

  /**
   * Stores the key hierarchy, once.
   *
   * @param keys the encrypted forms to store
   * @param clusterId a new random cluster id, reported by sys/health and sys/seal-status
   * @param replyTo gets {@link Done}, or {@link Refusal#ALREADY_INITIALIZED}
   */
  public record Initialize(SealKeys.StoredKeys keys, String clusterId, ActorRef<Reply> replyTo)
      implements Command {}

  /**
   * Stores a keyring with one more key term.
   *
   * @param fromTerm the active term the new keyring was made from (refused when it is no longer current)
   * @param term the new active term
   * @param encryptedKeyring the new keyring encrypted by the root key
   * @param replyTo gets {@link Done}, or {@link Refusal#NOT_INITIALIZED} / {@link Refusal#KEYRING_CHANGED}
   */
  public record Rotate(int fromTerm, int term, byte[] encryptedKeyring, ActorRef<Reply> replyTo)
      implements Command {}

  /**
   * Stores the root key under a new unseal key.
   *
   * @param shares new number of shares
   * @param threshold new threshold
   * @param encryptedRootKey the root key encrypted by the new unseal key
   * @param replyTo gets {@link Done}, or {@link Refusal#NOT_INITIALIZED}
   */
  public record Rekey(int shares, int threshold, byte[] encryptedRootKey, ActorRef<Reply> replyTo)
      implements Command {}

  /**
   * Sets automatic rotation (Vault's {@code sys/rotate/config}).
   *
   * @param rotation the settings
   * @param replyTo gets {@link Done}
   */
  public record ConfigureRotation(RotationConfig rotation, ActorRef<Reply> replyTo) implements Command {}

  /**
   * When the keyring rotates by itself (Vault's {@code sys/rotate/config}).
   *
   * @param maxOperations rotate once the active term has encrypted this many blobs on a node
   * @param intervalMillis rotate once the active term is this old, in milliseconds; 0: never by age
   * @param enabled whether automatic rotation happens at all
   */
  public record RotationConfig(long maxOperations, long intervalMillis, boolean enabled) implements CborSerializable {
    /** Vault's default: 3,865,470,566 encryptions (about 2^32 * 0.9), no interval, enabled. */
    public static final RotationConfig DEFAULT = new RotationConfig(3_865_470_566L, 0, true);
  }

  /** Acknowledgement. */
  public enum Done implements Reply { DONE }

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
   * The keyring gained a term.
   *
   * @param term the new active term
   * @param encryptedKeyring the new keyring encrypted by the root key
   * @param time when
   */
  public record KeyringRotated(int term, byte[] encryptedKeyring, Instant time) implements Event {}

  /**
   * The root key was stored under a new unseal key.
   *
   * @param shares new number of shares
   * @param threshold new threshold
   * @param encryptedRootKey the root key encrypted by the new unseal key
   * @param time when
   */
  public record Rekeyed(int shares, int threshold, byte[] encryptedRootKey, Instant time) implements Event {}

  /**
   * Automatic rotation settings changed.
   *
   * @param rotation the settings
   * @param time when
   */
  public record RotationConfigured(RotationConfig rotation, Instant time) implements Event {}

  /**
   * State: the stored keys, or {@code null} while uninitialized.
   *
   * @param keys the stored keys or null
   * @param clusterId the cluster id or null
   * @param term the keyring's active term (0 while uninitialized)
   * @param rotation automatic rotation settings
   */
  public record State(SealKeys.StoredKeys keys, String clusterId, int term, RotationConfig rotation)
      implements Reply {
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
    return new State(null, null, 0, RotationConfig.DEFAULT);
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Get.class, (state, cmd) -> Effect().reply(cmd.replyTo(), state))
        .onCommand(Initialize.class, (state, cmd) -> {
          if (state.keys() != null) {
            return Effect().reply(cmd.replyTo(), Rejected.of(Refusal.ALREADY_INITIALIZED));
          }
          return Effect()
              .persist(new Initialized(cmd.keys(), cmd.clusterId(), Instant.now()))
              .thenReply(cmd.replyTo(), s -> Done.DONE);
        })
        .onCommand(Rotate.class, (state, cmd) -> {
          if (state.keys() == null) {
            return Effect().reply(cmd.replyTo(), Rejected.of(Refusal.NOT_INITIALIZED));
          }
          if (cmd.fromTerm() != state.term() || cmd.term() != state.term() + 1) {
            return Effect().reply(cmd.replyTo(), Rejected.of(Refusal.KEYRING_CHANGED));
          }
          return Effect().persist(new KeyringRotated(cmd.term(), cmd.encryptedKeyring(), Instant.now()))
              .thenReply(cmd.replyTo(), s -> Done.DONE);
        })
        .onCommand(Rekey.class, (state, cmd) -> {
          if (state.keys() == null) {
            return Effect().reply(cmd.replyTo(), Rejected.of(Refusal.NOT_INITIALIZED));
          }
          return Effect().persist(new Rekeyed(cmd.shares(), cmd.threshold(), cmd.encryptedRootKey(), Instant.now()))
              .thenReply(cmd.replyTo(), s -> Done.DONE);
        })
        .onCommand(ConfigureRotation.class, (state, cmd) -> Effect()
            .persist(new RotationConfigured(cmd.rotation(), Instant.now()))
            .thenReply(cmd.replyTo(), s -> Done.DONE))
        .build();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(Initialized.class, (state, evt) -> new State(evt.keys(), evt.clusterId(), 1, state.rotation()))
        .onEvent(KeyringRotated.class, (state, evt) -> new State(new SealKeys.StoredKeys(state.keys().shares(),
            state.keys().threshold(), state.keys().encryptedRootKey(), evt.encryptedKeyring()), state.clusterId(),
            evt.term(), state.rotation()))
        .onEvent(Rekeyed.class, (state, evt) -> new State(new SealKeys.StoredKeys(evt.shares(), evt.threshold(),
            evt.encryptedRootKey(), state.keys().encryptedKeyring()), state.clusterId(), state.term(), state.rotation()))
        .onEvent(RotationConfigured.class, (state, evt) -> new State(state.keys(), state.clusterId(), state.term(),
            evt.rotation()))
        .build();
  }
}
