package io.arcanum.domain.barrier;

import java.security.SecureRandom;
import org.bouncycastle.crypto.CryptoServicesRegistrar;
import org.bouncycastle.crypto.PacketCipherException;
import org.bouncycastle.crypto.modes.AESGCMModePacketCipher;
import org.bouncycastle.crypto.modes.AESGCMPacketCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * AES-256-GCM with a 96-bit random nonce and a 128-bit tag (NIST SP 800-38D), through Bouncy Castle's
 * lightweight API.
 *
 * <p>Each message is encrypted or decrypted in one call ({@link AESGCMPacketCipher#processPacket}), never
 * as {@code processBytes} then {@code doFinal}: Bouncy Castle's LTS provider runs that one-shot call in
 * native code (AES-NI, VAES, PCLMULQDQ on x86_64; NEON on arm64) where its library loads, and in Java
 * elsewhere; the streaming pattern on the native GCM path is the one advisory CVE-2026-8149 concerns.
 * {@link #implementation()} says which path runs. One cipher object is kept per thread.
 *
 * <p>An empty plaintext is the one exception: the LTS provider's Java path of the one-shot call gives
 * an empty message a wrong tag (and rejects the right one) in 2.73.9 to 2.73.11, found by
 * {@code AesGcmKnownAnswerTest} against the JDK; so an empty message goes through the plain-Java
 * streaming {@code GCMBlockCipher} on every path (not the native one that the advisory concerns). Nonces are random
 * (NIST SP 800-38D, 8.2.2), which is why the keyring rotates a term long before 2^32 encryptions (see
 * {@link Keyring}).
 */
public final class AesGcm {

  /** Key length in bytes (AES-256). */
  public static final int KEY_BYTES = 32;
  /** Nonce length in bytes. */
  public static final int NONCE_BYTES = 12;
  /** Authentication tag length in bytes. */
  public static final int TAG_BYTES = 16;

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final ThreadLocal<AESGCMModePacketCipher> CIPHER =
      ThreadLocal.withInitial(AESGCMPacketCipher::newInstance);

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
    if (plaintext.length == 0) {
      empty(true, key, nonce, aad, plaintext, 0, 0, out, offset + NONCE_BYTES);
      return;
    }
    AESGCMModePacketCipher cipher = CIPHER.get();
    try {
      cipher.processPacket(true, new AEADParameters(new KeyParameter(key), TAG_BYTES * 8, nonce, aad),
          plaintext, 0, plaintext.length, out, offset + NONCE_BYTES);
    } catch (PacketCipherException e) {
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
    byte[] nonce = new byte[NONCE_BYTES];
    System.arraycopy(in, offset, nonce, 0, NONCE_BYTES);
    int ctLen = length - NONCE_BYTES;
    byte[] out = new byte[ctLen - TAG_BYTES];
    if (out.length == 0) {
      empty(false, key, nonce, aad, in, offset + NONCE_BYTES, ctLen, out, 0);
      return out;
    }
    try {
      CIPHER.get().processPacket(false, new AEADParameters(new KeyParameter(key), TAG_BYTES * 8, nonce, aad),
          in, offset + NONCE_BYTES, ctLen, out, 0);
    } catch (PacketCipherException e) {
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

  /**
   * @return which implementation runs AES-GCM here: Bouncy Castle's native variant (e.g. {@code avx},
   *     {@code vaes}, {@code neon-le}) or {@code java}
   */
  public static String implementation() {
    return CryptoServicesRegistrar.isNativeEnabled()
        && CryptoServicesRegistrar.getNativeServices().hasService(org.bouncycastle.crypto.NativeServices.AES_GCM_PC)
        ? CryptoServicesRegistrar.getNativeServices().getVariant() : "java";
  }

  /** The plain-Java streaming GCM, for an empty message (see the class comment). */
  @SuppressWarnings("deprecation")
  private static void empty(boolean encrypt, byte[] key, byte[] nonce, byte[] aad, byte[] in, int inOff, int inLen,
      byte[] out, int outOff) {
    org.bouncycastle.crypto.modes.GCMBlockCipher gcm =
        new org.bouncycastle.crypto.modes.GCMBlockCipher(new org.bouncycastle.crypto.engines.AESEngine());
    gcm.init(encrypt, new AEADParameters(new KeyParameter(key), TAG_BYTES * 8, nonce, aad));
    int n = gcm.processBytes(in, inOff, inLen, out, outOff);
    try {
      gcm.doFinal(out, outOff + n);
    } catch (org.bouncycastle.crypto.InvalidCipherTextException e) {
      if (encrypt) {
        throw new IllegalStateException("AES-GCM encryption failed", e);
      }
      throw new IntegrityException("authentication tag mismatch");
    }
  }

  private static void checkKey(byte[] key) {
    if (key == null || key.length != KEY_BYTES) {
      throw new IllegalArgumentException("AES-256 needs a 32-byte key");
    }
  }
}
