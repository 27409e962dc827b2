package io.arcanum.api.sys;

import io.arcanum.api.http.VaultException;
import io.arcanum.api.outcome.Failure;
import io.arcanum.domain.Refusal;
import io.arcanum.domain.barrier.IntegrityException;
import io.arcanum.domain.seal.KeyringStore;
import io.arcanum.domain.seal.SealKeys;
import io.arcanum.domain.seal.UnsealProgress;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rekeying (Vault's {@code sys/rekey/init} and {@code sys/rekey/update}): a new unseal key with new
 * shares and threshold, made once a threshold of the current shares is given; the root key and the
 * keyring stay as they are, and the old shares stop working. One attempt at a time per node, named
 * by a nonce that every update must repeat.
 */
public final class RekeyService {

  private static final Logger LOG = LoggerFactory.getLogger(RekeyService.class);

  /**
   * An attempt under way.
   *
   * @param nonce its nonce
   * @param shares new number of shares
   * @param threshold new threshold
   */
  public record Attempt(String nonce, int shares, int threshold) {}

  /**
   * The state of this node's attempt.
   *
   * @param attempt the attempt, or null when none is under way
   * @param progress current shares given so far
   * @param required current threshold
   */
  public record Status(Attempt attempt, int progress, int required) {}

  /**
   * The outcome of an update.
   *
   * @param status the attempt after this share
   * @param newShares the new shares when this share completed the rekey, else null
   * @param nonce the attempt's nonce
   */
  public record Update(Status status, List<byte[]> newShares, String nonce) {}

  private final SealService seal;
  private final UnsealProgress progress = new UnsealProgress();
  private Attempt attempt;

  /**
   * @param seal this node's seal lifecycle (and the keyring store behind it)
   */
  public RekeyService(SealService seal) {
    this.seal = seal;
  }

  /**
   * @return this node's attempt and progress
   */
  public CompletionStage<Status> status() {
    return seal.fetchStored().thenApply(st -> status(st.keys() == null ? 0 : st.keys().threshold()));
  }

  private synchronized Status status(int required) {
    return new Status(attempt, attempt == null ? 0 : progress.status().progress(), required);
  }

  /**
   * Starts an attempt.
   *
   * @param shares new number of shares (validated by the caller as for init)
   * @param threshold new threshold
   * @return the status of the new attempt
   * @throws VaultException 400 when an attempt is already under way
   */
  public CompletionStage<Status> start(int shares, int threshold) {
    synchronized (this) {
      if (attempt != null) {
        throw VaultException.badRequest("rekey already in progress");
      }
      attempt = new Attempt(UUID.randomUUID().toString(), shares, threshold);
      progress.reset();
    }
    return status();
  }

  /** Cancels the attempt, forgetting the shares given so far. */
  public synchronized void cancel() {
    attempt = null;
    progress.reset();
  }

  /**
   * Gives one current share to the attempt; at the threshold the new unseal key is made and stored.
   *
   * @param share the decoded share
   * @param nonce the attempt's nonce
   * @return the status, and the new shares when complete
   * @throws VaultException (in the stage) 400 when no attempt is under way, the nonce differs, or the
   *     shares combine to a wrong key (the attempt's progress is reset then)
   * @throws Failure.Refused (in the stage) {@link Refusal#NOT_INITIALIZED} before initialization;
   *     {@link Failure.OutcomeUnknown} when the keyring store did not confirm the new key in time
   */
  public CompletionStage<Update> update(byte[] share, String nonce) {
    return seal.fetchStored().thenCompose(st -> {
      Attempt a;
      SealKeys.Rekeying rekeying;
      synchronized (this) {
        a = attempt;
        if (a == null) {
          throw VaultException.badRequest("no rekey in progress");
        }
        if (nonce == null || nonce.isEmpty()) {
          throw VaultException.badRequest("missing nonce");
        }
        if (!java.security.MessageDigest.isEqual(a.nonce().getBytes(), nonce.getBytes())) {
          throw VaultException.badRequest("incorrect nonce");
        }
        Optional<byte[]> combined;
        try {
          combined = progress.submit(share, st.keys().threshold());
        } catch (IllegalArgumentException e) {
          throw VaultException.badRequest("rekey failed, progress was reset: " + e.getMessage());
        }
        if (combined.isEmpty()) {
          return java.util.concurrent.CompletableFuture.completedFuture(
              new Update(new Status(a, progress.status().progress(), st.keys().threshold()), null, a.nonce()));
        }
        byte[] unsealKey = combined.get();
        byte[] root;
        try {
          root = SealKeys.openRootKey(st.keys(), unsealKey);
        } catch (IntegrityException e) {
          throw VaultException.badRequest("rekey failed, progress was reset: the unseal key shares did not "
              + "combine to the unseal key (cipher: message authentication failed)");
        } finally {
          Arrays.fill(unsealKey, (byte) 0);
        }
        try {
          rekeying = SealKeys.rekey(root, a.shares(), a.threshold());
        } finally {
          Arrays.fill(root, (byte) 0);
        }
        // the attempt ends here, under the lock: a concurrent update finds no rekey in progress, so
        // only one set of new shares is ever handed out
        attempt = null;
      }
      return seal.change(r -> new KeyringStore.Rekey(a.shares(), a.threshold(), rekeying.encryptedRootKey(), r),
          "new unseal key", "read sys/seal-status (t and n show the stored key's threshold and shares)")
          .thenApply(done -> {
            seal.fetchStored();
            LOG.info("rekeyed: {} share(s), threshold {}", a.shares(), a.threshold());
            return new Update(new Status(null, 0, a.threshold()), rekeying.unsealShares(), a.nonce());
          });
    });
  }
}
