package io.arcanum.domain.barrier;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The data encryption keys of the barrier: one AES-256 key per key term. The newest term encrypts;
 * every term decrypts, so that data sealed before a rotation stays readable.
 *
 * <p>The keyring is only ever stored encrypted by the root key. Its binary form ({@link #encode()})
 * is {@code version (1) | count (4) | count * (term (4) | install time epoch ms (8) | key (32))}; a
 * binary form rather than JSON so that the key bytes can be overwritten after use.
 */
public final class Keyring {

  private static final byte FORMAT_VERSION = 1;

  /** One key term: the term number, the AES-256 key and when it was installed. */
  public record Term(int term, byte[] key, Instant installTime) {
    /**
     * @param term positive term number
     * @param key 32-byte AES key (the record keeps this array; it is zeroed by {@link Keyring#destroy()})
     * @param installTime when the term was added
     */
    public Term {
      if (term < 1) {
        throw new IllegalArgumentException("key term must be >= 1");
      }
      if (key == null || key.length != AesGcm.KEY_BYTES) {
        throw new IllegalArgumentException("a key term needs a 32-byte key");
      }
    }

    /** @return the term and its install time, never the key */
    @Override
    public String toString() {
      return "Term[term=" + term + ", key=<redacted>, installTime=" + installTime + "]";
    }
  }

  private final TreeMap<Integer, Term> terms;

  private Keyring(TreeMap<Integer, Term> terms) {
    if (terms.isEmpty()) {
      throw new IllegalArgumentException("a keyring needs at least one term");
    }
    this.terms = terms;
  }

  /**
   * Creates a keyring with a single fresh random key as term 1.
   *
   * @param now install time of term 1
   * @return the new keyring
   */
  public static Keyring generate(Instant now) {
    TreeMap<Integer, Term> t = new TreeMap<>();
    t.put(1, new Term(1, AesGcm.randomBytes(AesGcm.KEY_BYTES), now));
    return new Keyring(t);
  }

  /**
   * Returns a new keyring with one more term, holding a fresh random key; this keyring is unchanged.
   *
   * @param now install time of the new term
   * @return the rotated keyring
   */
  public Keyring rotate(Instant now) {
    TreeMap<Integer, Term> t = new TreeMap<>();
    terms.forEach((k, v) -> t.put(k, new Term(k, v.key().clone(), v.installTime())));
    int next = terms.lastKey() + 1;
    t.put(next, new Term(next, AesGcm.randomBytes(AesGcm.KEY_BYTES), now));
    return new Keyring(t);
  }

  /** @return the newest term, the one that encrypts */
  public Term activeTerm() {
    return terms.lastEntry().getValue();
  }

  /**
   * @param term a term number
   * @return that term, or {@code null} if this keyring does not hold it
   */
  public Term term(int term) {
    return terms.get(term);
  }

  /** @return every term, oldest first */
  public List<Term> terms() {
    return List.copyOf(terms.values());
  }

  /** @return an unmodifiable view of term number to term */
  public Map<Integer, Term> asMap() {
    return Collections.unmodifiableMap(terms);
  }

  /**
   * Encodes the keyring in its binary form (see the class comment). The caller should zero the
   * returned array once it has been encrypted.
   *
   * @return the encoded keyring
   */
  public byte[] encode() {
    ByteBuffer b = ByteBuffer.allocate(1 + 4 + terms.size() * (4 + 8 + AesGcm.KEY_BYTES));
    b.put(FORMAT_VERSION).putInt(terms.size());
    for (Term t : terms.values()) {
      b.putInt(t.term()).putLong(t.installTime().toEpochMilli()).put(t.key());
    }
    return b.array();
  }

  /**
   * Decodes the binary form written by {@link #encode()}.
   *
   * @param encoded the encoded keyring
   * @return the keyring
   * @throws IntegrityException if the bytes are not a keyring of a known format
   */
  public static Keyring decode(byte[] encoded) {
    try {
      ByteBuffer b = ByteBuffer.wrap(encoded);
      if (b.get() != FORMAT_VERSION) {
        throw new IntegrityException("unknown keyring format");
      }
      int n = b.getInt();
      if (n < 1 || n > 1_000_000 || b.remaining() != n * (4 + 8 + AesGcm.KEY_BYTES)) {
        throw new IntegrityException("malformed keyring");
      }
      TreeMap<Integer, Term> t = new TreeMap<>();
      for (int i = 0; i < n; i++) {
        int term = b.getInt();
        Instant at = Instant.ofEpochMilli(b.getLong());
        byte[] key = new byte[AesGcm.KEY_BYTES];
        b.get(key);
        t.put(term, new Term(term, key, at));
      }
      return new Keyring(t);
    } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
      throw new IntegrityException("malformed keyring");
    }
  }

  private volatile boolean destroyed;

  /** @return whether {@link #destroy()} was called: its keys may be overwritten */
  public boolean isDestroyed() {
    return destroyed;
  }

  /** Overwrites every key of this keyring with zeros (best effort: the JVM may hold copies). */
  public void destroy() {
    destroyed = true;
    for (Term t : terms.values()) {
      Arrays.fill(t.key(), (byte) 0);
    }
  }
}
