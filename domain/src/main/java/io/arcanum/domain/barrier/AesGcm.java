package io.arcanum.domain.barrier;

import java.security.SecureRandom;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.GCMModeCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * AES-256-GCM with a 96-bit random nonce and a 128-bit tag, through Bouncy Castle's lightweight API.
 *
 * <p>One cipher object is kept per thread: creating a Bouncy Castle GCM cipher per call costs far more
 * than the encryption of a small event. Nonces are random (NIST SP 800-38D, 8.2.2), which is why the
 * keyring rotates a term long before 2^32 encryptions (see {@link Keyring}).
 */
public final class AesGcm {

  /** Key length in bytes (AES-256). */
  public static final int KEY_BYTES = 32;
  /** Nonce length in bytes. */
  public static final int NONCE_BYTES = 12;
  /** Authentication tag length in bytes. */
  public static final int TAG_BYTES = 16;

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final ThreadLocal<GCMModeCipher> CIPHER =
      ThreadLocal.withInitial(() -> GCMBlockCipher.newInstance(AESEngine.newInstance()));

  private AesGcm() {}

  /**
   * Returns {@code n} bytes from a {@link SecureRandom}.
   *
   * @param n number of bytes
   * @return fresh random bytes
   */
  public static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }

  /**
   * Encrypts {@code plaintext} and writes {@code nonce | ciphertext | tag} into {@code out} at {@code offset}.
   *
   * @param key 32-byte AES key
   * @param plaintext bytes to encrypt
   * @param aad associated data that must be presented again to decrypt (may be empty)
   * @param out destination, at least {@code offset + NONCE_BYTES + plaintext.length + TAG_BYTES} long
   * @param offset where the nonce starts in {@code out}
   * @throws IllegalArgumentException if the key is not 32 bytes
   */
  public static void encrypt(byte[] key, byte[] plaintext, byte[] aad, byte[] out, int offset) {
    checkKey(key);
    byte[] nonce = randomBytes(NONCE_BYTES);
    System.arraycopy(nonce, 0, out, offset, NONCE_BYTES);
    GCMModeCipher cipher = CIPHER.get();
    cipher.init(true, new AEADParameters(new KeyParameter(key), TAG_BYTES * 8, nonce, aad));
    int n = cipher.processBytes(plaintext, 0, plaintext.length, out, offset + NONCE_BYTES);
    try {
      cipher.doFinal(out, offset + NONCE_BYTES + n);
    } catch (InvalidCipherTextException e) {
      throw new IllegalStateException("AES-GCM encryption failed", e);
    }
  }

  /**
   * Encrypts into a new array laid out as {@code nonce (12) | ciphertext | tag (16)}.
   *
   * @param key 32-byte AES key
   * @param plaintext bytes to encrypt
   * @param aad associated data (may be empty)
   * @return the nonce, ciphertext and tag
   */
  public static byte[] encrypt(byte[] key, byte[] plaintext, byte[] aad) {
    byte[] out = new byte[NONCE_BYTES + plaintext.length + TAG_BYTES];
    encrypt(key, plaintext, aad, out, 0);
    return out;
  }

  /**
   * Decrypts {@code nonce | ciphertext | tag} found in {@code in[offset, offset+length)}.
   *
   * @param key 32-byte AES key
   * @param in source array
   * @param offset where the nonce starts
   * @param length nonce + ciphertext + tag length in bytes
   * @param aad the associated data given at encryption
   * @return the plaintext
   * @throws IntegrityException if the tag does not verify (wrong key, altered bytes or other associated data)
   */
  public static byte[] decrypt(byte[] key, byte[] in, int offset, int length, byte[] aad) {
    checkKey(key);
    if (length < NONCE_BYTES + TAG_BYTES) {
      throw new IntegrityException("ciphertext too short");
    }
    GCMModeCipher cipher = CIPHER.get();
    byte[] nonce = new byte[NONCE_BYTES];
    System.arraycopy(in, offset, nonce, 0, NONCE_BYTES);
    cipher.init(false, new AEADParameters(new KeyParameter(key), TAG_BYTES * 8, nonce, aad));
    int ctLen = length - NONCE_BYTES;
    byte[] out = new byte[cipher.getOutputSize(ctLen)];
    int n = cipher.processBytes(in, offset + NONCE_BYTES, ctLen, out, 0);
    try {
      cipher.doFinal(out, n);
    } catch (InvalidCipherTextException e) {
      throw new IntegrityException("authentication tag mismatch");
    }
    return out;
  }

  /**
   * Decrypts a whole {@code nonce | ciphertext | tag} array.
   *
   * @param key 32-byte AES key
   * @param sealed the output of {@link #encrypt(byte[], byte[], byte[])}
   * @param aad the associated data given at encryption
   * @return the plaintext
   * @throws IntegrityException if the tag does not verify
   */
  public static byte[] decrypt(byte[] key, byte[] sealed, byte[] aad) {
    return decrypt(key, sealed, 0, sealed.length, aad);
  }

  private static void checkKey(byte[] key) {
    if (key == null || key.length != KEY_BYTES) {
      throw new IllegalArgumentException("AES-256 needs a 32-byte key");
    }
  }
}
