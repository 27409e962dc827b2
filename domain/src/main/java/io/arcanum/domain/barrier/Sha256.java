package io.arcanum.domain.barrier;

import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;

/**
 * SHA-256 (FIPS 180-4) through Bouncy Castle, native where its LTS library loads. One digest is kept
 * per thread: a new native digest allocates native state and registers it for disposal, which costs
 * more than hashing a short message.
 */
public final class Sha256 {

  private static final ThreadLocal<Digest> DIGEST = ThreadLocal.withInitial(SHA256Digest::newInstance);

  private Sha256() {}

  /**
   * @param parts byte arrays hashed one after the other, as one message
   * @return the 32-byte digest of their concatenation
   */
  public static byte[] digest(byte[]... parts) {
    Digest d = DIGEST.get();
    d.reset(); // nothing left from a call that stopped half-way
    for (byte[] p : parts) {
      d.update(p, 0, p.length);
    }
    byte[] out = new byte[d.getDigestSize()];
    d.doFinal(out, 0);
    return out;
  }
}
