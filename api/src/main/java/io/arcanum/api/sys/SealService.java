package io.arcanum.api.sys;

import io.arcanum.api.http.VaultException;
import io.arcanum.api.outcome.Asks;
import io.arcanum.api.outcome.Failure;
import io.arcanum.domain.Refusal;
import io.arcanum.domain.barrier.Barrier;
import io.arcanum.domain.barrier.IntegrityException;
import io.arcanum.domain.barrier.Keyring;
import io.arcanum.domain.seal.KeyringStore;
import io.arcanum.domain.seal.SealKeys;
import io.arcanum.domain.seal.UnsealProgress;
import io.arcanum.domain.token.TokenEntry;
import io.arcanum.domain.token.Tokens;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import io.arcanum.api.auth.TokenService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The seal lifecycle of this node: initialization, unseal progress, sealing. The barrier only holds
 * keys; this class decides when it gets them and when it loses them.
 *
 * <p>Whether the node is unsealed is this class's flag, not the barrier's: during initialization the
 * barrier holds the new keyring for a moment (to store the root token) while the node stays sealed.
 */
public final class SealService {

  private static final Logger LOG = LoggerFactory.getLogger(SealService.class);

  /**
   * The seal status as sys/seal-status reports it.
   *
   * @param initialized whether the key hierarchy is stored
   * @param sealed whether this node is sealed
   * @param threshold shares needed (0 when uninitialized)
   * @param shares shares handed out (0 when uninitialized)
   * @param progress shares submitted in the current attempt
   * @param nonce the current attempt's nonce or empty
   * @param clusterId the cluster id, or empty when uninitialized
   */
  public record Status(boolean initialized, boolean sealed, int threshold, int shares, int progress,
      String nonce, String clusterId) {}

  /**
   * What initialization hands out, once.
   *
   * @param unsealShares the encoded unseal key shares
   * @param rootToken the root token
   */
  public record Initialization(List<byte[]> unsealShares, String rootToken) {
    /** @return the number of shares, never the shares or the root token */
    @Override
    public String toString() {
      return "Initialization[" + unsealShares.size() + " unseal key share(s), root token <redacted>]";
    }
  }

  private final ActorSystem<?> system;
  private final ActorRef<KeyringStore.Command> keyringStore;
  private final TokenService tokens;
  private final Runnable onSeal;
  private final Runnable onUnseal;
  private final Barrier barrier;
  private final EntityStopper stopper;
  private final Duration timeout;
  private final Clock clock;
  private final UnsealProgress progress = new UnsealProgress();
  private final AtomicBoolean unsealed = new AtomicBoolean(false);
  private final AtomicBoolean initializing = new AtomicBoolean(false);
  private volatile KeyringStore.State stored;
  private final java.util.List<Runnable> moreOnSeal = new java.util.concurrent.CopyOnWriteArrayList<>();
  /** The root key while unsealed (needed to store a rotated keyring and to rekey); zeroed at seal. */
  private volatile byte[] rootKey;

  /**
   * @param system the actor system
   * @param keyringStore the keyring store (a cluster singleton proxy)
   * @param tokens the token store (the root token is an ordinary token entry)
   * @param onSeal drops what this node caches from decrypted state (mount table, ACLs) when it seals
   * @param onUnseal starts what needs the keys (audit device delivery) once the node is unsealed
   * @param barrier this node's barrier
   * @param stopper stops decrypted entities when the node seals
   * @param timeout ask timeout
   * @param clock the clock
   */
  public SealService(ActorSystem<?> system, ActorRef<KeyringStore.Command> keyringStore, TokenService tokens,
      Runnable onSeal, Runnable onUnseal, Barrier barrier, EntityStopper stopper, Duration timeout, Clock clock) {
    this.system = system;
    this.keyringStore = keyringStore;
    this.tokens = tokens;
    this.onSeal = onSeal;
    this.onUnseal = onUnseal;
    this.barrier = barrier;
    this.stopper = stopper;
    this.timeout = timeout;
    this.clock = clock;
  }

  /**
   * @param hook also run when this node seals (e.g. forgetting a rekey's shares)
   */
  public void alsoOnSeal(Runnable hook) {
    moreOnSeal.add(hook);
  }

  /** @return true when this node is unsealed and serves requests */
  public boolean isUnsealed() {
    return unsealed.get();
  }

  /**
   * The stored state of the key hierarchy; once initialized it is cached (a rotation or rekey on this
   * node drops the cache; {@link #fetchStored()} always asks).
   *
   * @return the keyring store's state
   * @throws Failure.Unavailable (in the stage) when the keyring store did not answer in time
   */
  public CompletionStage<KeyringStore.State> stored() {
    KeyringStore.State s = stored;
    if (s != null && s.initialized()) {
      return CompletableFuture.completedFuture(s);
    }
    return Asks.ask(keyringStore, KeyringStore.Get::new, KeyringStore.State.class, timeout, system.scheduler(),
        () -> new Failure.Unavailable("the keyring store did not answer in time")).thenApply(st -> {
          stored = st;
          return st;
        });
  }

  /**
   * Asks the keyring store for a change.
   *
   * @param command builds the change around the reply address
   * @param change what it is, for the message when it is not confirmed in time
   * @param howToFindOut what a client can read to learn whether it was made
   * @return completes once stored
   * @throws Failure.Refused (in the stage) for the store's refusals; {@link Failure.OutcomeUnknown}
   *     when not confirmed in time
   */
  CompletionStage<KeyringStore.Done> change(java.util.function.Function<ActorRef<io.arcanum.domain.Reply>,
      KeyringStore.Command> command, String change, String howToFindOut) {
    return Asks.ask(keyringStore, command, KeyringStore.Done.class, timeout, system.scheduler(),
        () -> new Failure.OutcomeUnknown("the keyring store did not confirm the " + change + " in time", howToFindOut));
  }

  /**
   * The stored state of the key hierarchy, asked afresh (another node may have rotated or rekeyed).
   *
   * @return the keyring store's state
   */
  public CompletionStage<KeyringStore.State> fetchStored() {
    stored = null;
    return stored();
  }

  /**
   * @return a copy of the root key, which the caller zeroes when done
   * @throws io.arcanum.domain.barrier.SealedException if this node is sealed
   */
  byte[] rootKey() {
    byte[] k = rootKey;
    if (k == null || !unsealed.get()) {
      throw new io.arcanum.domain.barrier.SealedException();
    }
    return k.clone();
  }

  /** @return the seal status of this node */
  public CompletionStage<Status> status() {
    return stored().thenApply(this::statusOf);
  }

  private Status statusOf(KeyringStore.State st) {
    UnsealProgress.Status p = progress.status();
    if (!st.initialized()) {
      return new Status(false, true, 0, 0, 0, "", "");
    }
    return new Status(true, !unsealed.get(), st.keys().threshold(), st.keys().shares(),
        unsealed.get() ? 0 : p.progress(), unsealed.get() ? "" : p.nonce(), st.clusterId());
  }

  /**
   * Initializes the cluster: generates the key hierarchy, stores the root token as an ordinary token
   * entry with policy {@code root}, stores the encrypted keys, and leaves the node sealed.
   *
   * @param shares 1..255
   * @param threshold 1..shares, and at least 2 when shares is at least 2
   * @return the shares and root token, to be shown once and never stored
   * @throws Failure.Refused (in the stage) {@link Refusal#ALREADY_INITIALIZED} on a second call;
   *     {@link Failure.OutcomeUnknown} when the keyring store did not confirm in time
   * @throws VaultException (in the stage) 400 while another initialization is under way
   */
  public CompletionStage<Initialization> initialize(int shares, int threshold) {
    if (!initializing.compareAndSet(false, true)) {
      return CompletableFuture.failedFuture(VaultException.badRequest("initialization is already in progress"));
    }
    CompletionStage<Initialization> result = stored().thenCompose(st -> {
      if (st.initialized()) {
        throw new Failure.Refused(Refusal.ALREADY_INITIALIZED);
      }
      SealKeys.Initialization init = SealKeys.initialize(shares, threshold, clock.instant());
      String rootToken = Tokens.newToken();
      // The root token is an ordinary token entry, sealed by the new keyring like any other.
      barrier.install(init.keyring());
      TokenEntry.Info info = new TokenEntry.Info(Tokens.newAccessor(), List.of("root"), "root", Map.of(),
          clock.instant(), Duration.ZERO, Duration.ZERO, Duration.ZERO, 0, false, null, "auth/token/root");
      CompletionStage<TokenEntry.View> created = tokens.create(rootToken, info);
      return created
          .thenCompose(i -> change(r -> new KeyringStore.Initialize(init.stored(), UUID.randomUUID().toString(), r),
              "initialization", "read sys/init"))
          .thenApply(done -> {
            stored = null;
            LOG.info("initialized with {} share(s), threshold {}", shares, threshold);
            return new Initialization(init.unsealShares(), rootToken);
          });
    });
    return result.whenComplete((r, e) -> {
      if (!unsealed.get()) {
        dropKeys();
      }
      initializing.set(false);
    });
  }

  /**
   * Adds one unseal key share; at the threshold the combined key opens the keyring and the node is
   * unsealed. A share set that combines to a wrong key resets progress and fails.
   *
   * @param share the decoded share
   * @return the status after this share
   * @throws Failure.Refused (in the stage) {@link Refusal#NOT_INITIALIZED} before initialization
   * @throws VaultException (in the stage) 400 when the shares combine to a wrong key
   */
  public CompletionStage<Status> unseal(byte[] share) {
    CompletionStage<KeyringStore.State> current = unsealed.get() ? stored() : fetchStored();
    return current.thenApply(st -> {
      if (!st.initialized()) {
        throw new Failure.Refused(Refusal.NOT_INITIALIZED);
      }
      if (unsealed.get()) {
        return statusOf(st);
      }
      Optional<byte[]> key;
      try {
        key = progress.submit(share, st.keys().threshold());
      } catch (IllegalArgumentException e) {
        throw VaultException.badRequest("unseal failed, progress was reset: " + e.getMessage());
      }
      if (key.isEmpty()) {
        return statusOf(st);
      }
      byte[] unsealKey = key.get();
      try {
        byte[] root = SealKeys.openRootKey(st.keys(), unsealKey);
        Keyring ring;
        try {
          ring = SealKeys.openKeyring(st.keys(), root);
        } catch (IntegrityException e) {
          Arrays.fill(root, (byte) 0);
          throw e;
        }
        barrier.install(ring);
        rootKey = root;
        unsealed.set(true);
        LOG.info("unsealed");
        onUnseal.run();
      } catch (IntegrityException e) {
        throw VaultException.badRequest("unseal failed, progress was reset: the unseal key shares did not "
            + "combine to the unseal key (cipher: message authentication failed)");
      } finally {
        Arrays.fill(unsealKey, (byte) 0);
      }
      return statusOf(st);
    });
  }

  /** Forgets the shares submitted so far. */
  public void resetProgress() {
    progress.reset();
  }

  /** How long a seal waits for requests in flight to finish before it drops the keys anyway. */
  public static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(10);

  private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
  private volatile boolean sealing;

  /**
   * Admits a request that needs the keys, as Vault's state lock does: refused once a seal has begun.
   * Every admitted request must call {@link #leave()} exactly once when its reply is made.
   *
   * @return whether the request may go on (false: answer that the node is sealed)
   */
  public boolean enter() {
    if (!unsealed.get() || sealing) {
      return false;
    }
    inFlight.incrementAndGet();
    if (sealing || !unsealed.get()) {
      inFlight.decrementAndGet();
      return false;
    }
    return true;
  }

  /** Ends a request admitted by {@link #enter()}. */
  public void leave() {
    inFlight.decrementAndGet();
  }

  /**
   * Seals this node: new requests are refused at once; requests in flight finish (up to
   * {@link #DRAIN_TIMEOUT}), so none is cut off half-way; then the keys are overwritten and running
   * entities stop.
   *
   * @return completes when the entities were told to stop
   */
  public CompletionStage<Void> seal() {
    sealing = true;
    LOG.info("sealing: waiting for requests in flight");
    CompletableFuture<Void> drained = new CompletableFuture<>();
    long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
    awaitDrained(drained, deadline);
    return drained.thenCompose(v -> {
      unsealed.set(false);
      sealing = false;
      progress.reset();
      LOG.info("sealing");
      return dropKeys();
    });
  }

  private void awaitDrained(CompletableFuture<Void> drained, long deadline) {
    if (inFlight.get() <= 0 || System.nanoTime() > deadline) {
      if (inFlight.get() > 0) {
        LOG.warn("sealing with {} request(s) still in flight after {}", inFlight.get(), DRAIN_TIMEOUT);
      }
      drained.complete(null);
      return;
    }
    system.scheduler().scheduleOnce(Duration.ofMillis(10), () -> awaitDrained(drained, deadline),
        system.executionContext());
  }

  private CompletionStage<Void> dropKeys() {
    byte[] root = rootKey;
    rootKey = null;
    if (root != null) {
      Arrays.fill(root, (byte) 0);
    }
    barrier.drop();
    onSeal.run();
    moreOnSeal.forEach(Runnable::run);
    return stopper.stopAll();
  }
}
