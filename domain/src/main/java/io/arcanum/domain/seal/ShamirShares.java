package io.arcanum.domain.seal;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.crypto.threshold.ShamirSecretSplitter;
import org.bouncycastle.crypto.threshold.ShamirSplitSecret;
import org.bouncycastle.crypto.threshold.ShamirSplitSecretShare;

/**
 * Splits the unseal key into Shamir shares over GF(2^8) and combines them again, with Bouncy Castle's
 * {@link ShamirSecretSplitter}.
 *
 * <p>A share is encoded as Vault encodes its unseal keys: the share's y bytes (as long as the secret)
 * followed by one byte holding its x coordinate (1..255). With one share and threshold one, the share
 * is the key itself, as in Vault.
 */
public final class ShamirShares {

  private static final SecureRandom RANDOM = new SecureRandom();

  private ShamirShares() {}

  /**
   * Splits a secret.
   *
   * @param secret the secret (the 32-byte unseal key)
   * @param shares number of shares, 1..255
   * @param threshold shares needed to combine, 1..shares
   * @return {@code shares} encoded shares, each {@code secret.length + 1} bytes
   * @throws IllegalArgumentException if the counts are out of range
   */
  public static List<byte[]> split(byte[] secret, int shares, int threshold) {
    if (shares < 1 || shares > 255 || threshold < 1 || threshold > shares) {
      throw new IllegalArgumentException("need 1 <= threshold <= shares <= 255");
    }
    if (shares == 1) {
      byte[] only = Arrays.copyOf(secret, secret.length + 1);
      only[secret.length] = 1;
      return List.of(only);
    }
    ShamirSecretSplitter splitter = new ShamirSecretSplitter(
        ShamirSecretSplitter.Algorithm.AES, ShamirSecretSplitter.Mode.Table, secret.length, RANDOM);
    ShamirSplitSecret split = splitter.resplit(secret.clone(), threshold, shares);
    ShamirSplitSecretShare[] parts = split.getSecretShares();
    byte[][] out = new byte[parts.length][];
    for (int i = 0; i < parts.length; i++) {
      try {
        byte[] y = parts[i].getEncoded();
        byte[] enc = Arrays.copyOf(y, y.length + 1);
        enc[y.length] = (byte) (i + 1);
        out[i] = enc;
      } catch (IOException e) {
        throw new IllegalStateException("could not encode a share", e);
      }
    }
    return List.of(out);
  }

  /**
   * Combines encoded shares. With fewer shares than the threshold the result is a wrong value (that is
   * what Shamir's scheme gives); callers detect it when the combined key fails to decrypt.
   *
   * @param encodedShares at least one share, all of the same length, distinct x coordinates
   * @return the combined secret
   * @throws IllegalArgumentException if the shares are empty, of differing lengths, too short or repeat
   *     an x coordinate
   */
  public static byte[] combine(List<byte[]> encodedShares) {
    if (encodedShares.isEmpty()) {
      throw new IllegalArgumentException("no shares");
    }
    int len = encodedShares.get(0).length;
    if (len < 2) {
      throw new IllegalArgumentException("share too short");
    }
    Set<Integer> xs = new HashSet<>();
    ShamirSplitSecretShare[] parts = new ShamirSplitSecretShare[encodedShares.size()];
    for (int i = 0; i < parts.length; i++) {
      byte[] s = encodedShares.get(i);
      if (s.length != len) {
        throw new IllegalArgumentException("shares differ in length");
      }
      int x = s[len - 1] & 0xff;
      if (x == 0 || !xs.add(x)) {
        throw new IllegalArgumentException("duplicate or invalid share");
      }
      parts[i] = new ShamirSplitSecretShare(Arrays.copyOf(s, len - 1), x);
    }
    if (parts.length == 1) {
      return Arrays.copyOf(encodedShares.get(0), len - 1);
    }
    try {
      return new ShamirSplitSecret(
          ShamirSecretSplitter.Algorithm.AES, ShamirSecretSplitter.Mode.Table, parts).getSecret();
    } catch (IOException e) {
      throw new IllegalArgumentException("shares could not be combined", e);
    }
  }
}
