package io.arcanum.domain.barrier;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The barrier of one node: everything written to storage passes through {@link #seal} and everything
 * read back through {@link #open}. While the node is sealed the barrier holds no keys and both throw
 * {@link SealedException}.
 *
 * <p>Sealed blob layout (ARCHITECTURE.md): {@code term (4, big endian) | version (1) | nonce (12) |
 * ciphertext | tag (16)}. The associated data is the 5-byte header followed by the caller's
 * associated data (at least the persistence id of the entity that owns the blob), so a blob that is
 * altered, given another term or copied to another entity fails to open.
 *
 * <p>Modelled on OpenBao's {@code barrier} package: encryption is kept apart from the seal lifecycle,
 * which lives elsewhere and only installs or drops the keyring here.
 */
public final class Barrier {

  /** Blob format version written by this code. */
  public static final byte BLOB_VERSION = 1;
  /** Length of the clear header (term and version) in bytes. */
  public static final int HEADER_BYTES = 5;

  private final AtomicReference<Keyring> keyring = new AtomicReference<>();
  private final Map<Integer, AtomicLong> encryptions = new ConcurrentHashMap<>();

  /**
   * Installs a keyring: the barrier can seal and open from now on. A previously installed keyring is
   * destroyed (its key arrays zeroed).
   *
   * @param ring the keyring; the barrier owns it from now on
   */
  public void install(Keyring ring) {
    Keyring old = keyring.getAndSet(ring);
    if (old != null && old != ring) {
      old.destroy();
    }
  }

  /**
   * Moves to a keyring with more terms (after a rotation), unless the barrier was sealed or changed
   * meanwhile. The previous keyring is not overwritten, since operations in flight may still use it
   * (its keys are all in the new keyring anyway).
   *
   * @param expected the keyring the new one was made from
   * @param next the new keyring; the barrier owns it from now on
   * @return whether the barrier moved to {@code next}
   */
  public boolean advance(Keyring expected, Keyring next) {
    return keyring.compareAndSet(expected, next);
  }

  /** Drops the keyring and overwrites its keys: the barrier is sealed. */
  public void drop() {
    Keyring old = keyring.getAndSet(null);
    if (old != null) {
      old.destroy();
    }
  }

  /** @return true when no keyring is installed */
  public boolean isSealed() {
    return keyring.get() == null;
  }

  /**
   * @return the installed keyring
   * @throws SealedException if sealed
   */
  public Keyring keyring() {
    Keyring k = keyring.get();
    if (k == null) {
      throw new SealedException();
    }
    return k;
  }

  /**
   * Encrypts with the active key term.
   *
   * @param plaintext bytes to protect
   * @param aad where the blob belongs (at least the persistence id), authenticated but not stored
   * @return the sealed blob
   * @throws SealedException if sealed
   */
  public byte[] seal(byte[] plaintext, byte[] aad) {
    Keyring ring = keyring();
    Keyring.Term term = ring.activeTerm();
    byte[] out = new byte[HEADER_BYTES + AesGcm.NONCE_BYTES + plaintext.length + AesGcm.TAG_BYTES];
    ByteBuffer.wrap(out).putInt(term.term()).put(BLOB_VERSION);
    AesGcm.encrypt(term.key(), plaintext, fullAad(out, aad), out, HEADER_BYTES);
    if (ring.isDestroyed()) {
      // sealed while encrypting: the key may have been overwritten under us, so this blob must never be stored
      throw new SealedException();
    }
    encryptions.computeIfAbsent(term.term(), t -> new AtomicLong()).incrementAndGet();
    return out;
  }

  /**
   * Decrypts a blob written by {@link #seal} with the same associated data.
   *
   * @param blob a sealed blob
   * @param aad the associated data given to {@link #seal}
   * @return the plaintext
   * @throws SealedException if sealed
   * @throws IntegrityException if the blob is malformed, names an unknown key term, or does not
   *     authenticate with this associated data
   */
  public byte[] open(byte[] blob, byte[] aad) {
    Keyring ring = keyring();
    if (blob == null || blob.length < HEADER_BYTES + AesGcm.NONCE_BYTES + AesGcm.TAG_BYTES) {
      throw new IntegrityException("sealed blob too short");
    }
    ByteBuffer b = ByteBuffer.wrap(blob);
    int termNo = b.getInt();
    byte version = b.get();
    if (version != BLOB_VERSION) {
      throw new IntegrityException("unknown sealed blob version");
    }
    Keyring.Term term = ring.term(termNo);
    if (term == null) {
      throw new IntegrityException("unknown key term");
    }
    try {
      return AesGcm.decrypt(term.key(), blob, HEADER_BYTES, blob.length - HEADER_BYTES, fullAad(blob, aad));
    } catch (IntegrityException e) {
      if (ring.isDestroyed()) {
        throw new SealedException(); // sealed while decrypting: not the blob's fault
      }
      throw e;
    }
  }

  /**
   * @param term a key term
   * @return how many blobs this node has sealed with that term since it was unsealed
   */
  public long encryptions(int term) {
    AtomicLong n = encryptions.get(term);
    return n == null ? 0 : n.get();
  }

  private static byte[] fullAad(byte[] blobWithHeader, byte[] aad) {
    byte[] full = new byte[HEADER_BYTES + aad.length];
    System.arraycopy(blobWithHeader, 0, full, 0, HEADER_BYTES);
    System.arraycopy(aad, 0, full, HEADER_BYTES, aad.length);
    return full;
  }
}
