package io.arcanum.api.sys;

import io.arcanum.api.http.Replies;
import io.arcanum.api.http.VaultException;
import io.arcanum.api.outcome.Failure;
import io.arcanum.domain.Refusal;
import io.arcanum.domain.barrier.Barrier;
import io.arcanum.domain.barrier.Keyring;
import io.arcanum.domain.seal.KeyringStore;
import io.arcanum.domain.seal.SealKeys;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Key rotation (Vault's {@code sys/rotate}, {@code sys/rotate/config}, {@code sys/key-status}): a
 * rotation adds a key term to the keyring, stores the keyring encrypted by the root key, and moves
 * this node's barrier to it; new blobs are sealed with the newest term and every older term still
 * opens what it sealed. Other nodes hear of it through a Pekko topic and load the stored keyring.
 *
 * <p>Rotation also happens by itself, checked every {@link #CHECK_INTERVAL} on each unsealed node:
 * once the active term has sealed {@code max_operations} blobs on that node, or once it is older
 * than {@code interval} (when set). Two nodes rotating at once cannot lose a term: the store accepts
 * only a rotation from its current term.
 */
public final class KeyringService {

  /** How often a node checks whether automatic rotation is due. */
  public static final Duration CHECK_INTERVAL = Duration.ofSeconds(5);

  private static final Logger LOG = LoggerFactory.getLogger(KeyringService.class);

  /** A node rotated the keyring to this term. */
  public record Rotated(int term) implements io.arcanum.domain.CborSerializable {}

  /**
   * The active key term.
   *
   * @param term its number
   * @param installTime when it was made
   * @param encryptions blobs this node sealed with it since it was unsealed
   */
  public record KeyStatus(int term, Instant installTime, long encryptions) {}

  private final ActorSystem<?> system;
  private final SealService seal;
  private final Barrier barrier;
  private final Clock clock;
  private final AtomicBoolean rotating = new AtomicBoolean(false);
  private final ActorRef<Topic.Command<Rotated>> topic;

  /**
   * Subscribes to rotations of other nodes and starts the automatic rotation check.
   *
   * @param system the actor system
   * @param seal this node's seal lifecycle (holds the root key)
   * @param barrier this node's barrier
   * @param clock the clock
   */
  public KeyringService(ActorSystem<?> system, SealService seal, Barrier barrier, Clock clock) {
    this.system = system;
    this.seal = seal;
    this.barrier = barrier;
    this.clock = clock;
    this.topic = system.systemActorOf(Topic.create(Rotated.class, "arcanum-keyring-rotations"),
        "keyring-rotations", Props.empty());
    ActorRef<Rotated> subscriber = system.systemActorOf(Behaviors.receiveMessage(m -> {
      loadNewerKeyring(m.term());
      return Behaviors.same();
    }), "keyring-rotations-subscriber", Props.empty());
    topic.tell(Topic.subscribe(subscriber));
    system.scheduler().scheduleWithFixedDelay(CHECK_INTERVAL, CHECK_INTERVAL, this::rotateIfDue,
        system.executionContext());
  }

  /**
   * @return the active term of this node's barrier
   * @throws io.arcanum.domain.barrier.SealedException if sealed
   */
  public KeyStatus keyStatus() {
    Keyring.Term t = barrier.keyring().activeTerm();
    return new KeyStatus(t.term(), t.installTime(), barrier.encryptions(t.term()));
  }

  /**
   * Adds a key term.
   *
   * @return the new active term
   * @throws VaultException (in the stage) 400 when another rotation is under way on this node
   * @throws Failure.Refused (in the stage) {@link Refusal#KEYRING_CHANGED} when another node rotated
   *     meanwhile; {@link Failure.OutcomeUnknown} when the keyring store did not confirm in time
   * @throws io.arcanum.domain.barrier.SealedException (in the stage) when sealed
   */
  public CompletionStage<Integer> rotate() {
    if (!rotating.compareAndSet(false, true)) {
      return CompletableFuture.failedFuture(VaultException.badRequest("a rotation is already in progress"));
    }
    CompletionStage<Integer> result;
    try {
      Keyring current = barrier.keyring();
      Keyring next = current.rotate(clock.instant());
      int from = current.activeTerm().term();
      int term = next.activeTerm().term();
      byte[] root = seal.rootKey();
      byte[] encrypted;
      try {
        encrypted = SealKeys.sealKeyring(root, next);
      } finally {
        Arrays.fill(root, (byte) 0);
      }
      result = seal.change(r -> new KeyringStore.Rotate(from, term, encrypted, r), "rotation", "read sys/key-status")
          .whenComplete((done, e) -> {
            if (e != null) {
              next.destroy(); // refused or unconfirmed: this node keeps its keyring
            }
          })
          .thenApply(done -> {
            seal.fetchStored();
            if (!barrier.advance(current, next)) {
              next.destroy();
              loadNewerKeyring(term);
            }
            topic.tell(Topic.publish(new Rotated(term)));
            LOG.info("keyring rotated to term {}", term);
            return term;
          });
    } catch (RuntimeException e) {
      result = CompletableFuture.failedFuture(e);
    }
    return result.whenComplete((t, e) -> rotating.set(false));
  }

  /**
   * @return the automatic rotation settings
   */
  public CompletionStage<KeyringStore.RotationConfig> rotationConfig() {
    return seal.fetchStored().thenApply(KeyringStore.State::rotation);
  }

  /**
   * Stores automatic rotation settings.
   *
   * @param config the settings
   * @return completes when stored
   * @throws Failure.OutcomeUnknown (in the stage) when the keyring store did not confirm in time
   */
  public CompletionStage<Void> configureRotation(KeyringStore.RotationConfig config) {
    return seal.change(r -> new KeyringStore.ConfigureRotation(config, r), "rotation settings",
        "read sys/rotate/config").thenAccept(done -> seal.fetchStored());
  }

  private void rotateIfDue() {
    if (!seal.isUnsealed() || rotating.get()) {
      return;
    }
    seal.stored().thenAccept(st -> {
      KeyringStore.RotationConfig c = st.rotation();
      if (!c.enabled() || !seal.isUnsealed()) {
        return;
      }
      KeyStatus status = keyStatus();
      boolean byCount = c.maxOperations() > 0 && status.encryptions() >= c.maxOperations();
      boolean byAge = c.intervalMillis() > 0
          && !clock.instant().isBefore(status.installTime().plusMillis(c.intervalMillis()));
      if (byCount || byAge) {
        LOG.info("automatic rotation of key term {} ({})", status.term(), byCount ? "max_operations reached" : "interval elapsed");
        rotate().whenComplete((t, e) -> {
          if (e != null) {
            LOG.warn("automatic rotation failed: {}", Replies.toVaultOrInternal(e).errors());
          }
        });
      }
    }).exceptionally(e -> {
      LOG.debug("automatic rotation check skipped: {}", e.toString());
      return null;
    });
  }

  /** Loads the stored keyring when it is newer than this node's (another node rotated). */
  private void loadNewerKeyring(int term) {
    if (!seal.isUnsealed()) {
      return;
    }
    Keyring current;
    try {
      current = barrier.keyring();
    } catch (RuntimeException e) {
      return;
    }
    if (current.activeTerm().term() >= term) {
      return;
    }
    seal.fetchStored().thenAccept(st -> {
      byte[] root = seal.rootKey();
      try {
        Keyring stored = SealKeys.openKeyring(st.keys(), root);
        if (stored.activeTerm().term() > current.activeTerm().term() && barrier.advance(current, stored)) {
          LOG.info("loaded the keyring rotated by another node (term {})", stored.activeTerm().term());
        } else {
          stored.destroy();
        }
      } finally {
        Arrays.fill(root, (byte) 0);
      }
    }).exceptionally(e -> {
      LOG.warn("could not load the rotated keyring: {}", e.toString());
      return null;
    });
  }
}
