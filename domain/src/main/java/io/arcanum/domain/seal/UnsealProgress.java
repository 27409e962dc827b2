package io.arcanum.domain.seal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The shares an operator has submitted to this node so far (unseal progress is per node, as in Vault).
 * Thread-safe. Shares are kept only until the threshold is reached or progress is reset, and are
 * overwritten then.
 */
public final class UnsealProgress {

  private final List<byte[]> shares = new ArrayList<>();
  private String nonce = "";

  /**
   * A snapshot of the progress.
   *
   * @param progress shares submitted in the current attempt
   * @param nonce the current attempt's nonce, empty when no attempt is under way
   */
  public record Status(int progress, String nonce) {}

  /** @return the current progress */
  public synchronized Status status() {
    return new Status(shares.size(), nonce);
  }

  /**
   * Adds a share. A share already submitted in this attempt is ignored, as Vault does.
   *
   * @param share an encoded share
   * @param threshold the threshold of the stored configuration
   * @return the combined unseal key when this share reached the threshold (progress is reset then);
   *     empty otherwise
   * @throws IllegalArgumentException if the share does not match the length of the shares before it
   *     or cannot be combined; progress is reset then
   */
  public synchronized Optional<byte[]> submit(byte[] share, int threshold) {
    if (shares.isEmpty()) {
      nonce = UUID.randomUUID().toString();
    }
    for (byte[] s : shares) {
      if (Arrays.equals(s, share)) {
        return Optional.empty();
      }
    }
    if (!shares.isEmpty() && shares.get(0).length != share.length) {
      reset();
      throw new IllegalArgumentException("unseal key share has a different length than the shares before it");
    }
    shares.add(share.clone());
    if (shares.size() < threshold) {
      return Optional.empty();
    }
    try {
      return Optional.of(ShamirShares.combine(shares));
    } finally {
      reset();
    }
  }

  /** Forgets every submitted share (overwriting them) and the nonce. */
  public synchronized void reset() {
    for (byte[] s : shares) {
      Arrays.fill(s, (byte) 0);
    }
    shares.clear();
    nonce = "";
  }
}
