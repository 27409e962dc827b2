package io.arcanum.domain.seal;

import io.arcanum.domain.barrier.AesGcm;
import io.arcanum.domain.barrier.IntegrityException;
import io.arcanum.domain.barrier.Keyring;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * The key hierarchy: the unseal key encrypts the root key, the root key encrypts the keyring. Only the
 * two encrypted forms are ever stored ({@link StoredKeys}); the unseal key exists only as shares.
 */
public final class SealKeys {

  private static final byte[] ROOT_KEY_AAD = "arcanum/core/root-key".getBytes(StandardCharsets.UTF_8);
  private static final byte[] KEYRING_AAD = "arcanum/core/keyring".getBytes(StandardCharsets.UTF_8);

  private SealKeys() {}

  /**
   * What is stored of the key hierarchy.
   *
   * @param shares number of unseal key shares handed out
   * @param threshold shares needed to unseal
   * @param encryptedRootKey the root key encrypted by the unseal key (AES-256-GCM, nonce|ct|tag)
   * @param encryptedKeyring the encoded keyring encrypted by the root key
   */
  public record StoredKeys(int shares, int threshold, byte[] encryptedRootKey, byte[] encryptedKeyring) {}

  /**
   * The outcome of initialization.
   *
   * @param stored what to store
   * @param unsealShares the encoded shares to hand to the operators, never to be stored
   * @param keyring the fresh keyring, for the caller to use at once (e.g. to store the root token)
   */
  public record Initialization(StoredKeys stored, List<byte[]> unsealShares, Keyring keyring) {}

  /**
   * Generates the unseal key, root key and a keyring with term 1, and splits the unseal key.
   *
   * @param shares 1..255
   * @param threshold 1..shares
   * @param now install time of key term 1
   * @return what to store and what to hand out
   */
  public static Initialization initialize(int shares, int threshold, Instant now) {
    byte[] unsealKey = AesGcm.randomBytes(AesGcm.KEY_BYTES);
    byte[] rootKey = AesGcm.randomBytes(AesGcm.KEY_BYTES);
    Keyring keyring = Keyring.generate(now);
    byte[] encodedKeyring = keyring.encode();
    try {
      byte[] encRoot = AesGcm.encrypt(unsealKey, rootKey, ROOT_KEY_AAD);
      byte[] encKeyring = AesGcm.encrypt(rootKey, encodedKeyring, KEYRING_AAD);
      List<byte[]> parts = ShamirShares.split(unsealKey, shares, threshold);
      return new Initialization(new StoredKeys(shares, threshold, encRoot, encKeyring), parts, keyring);
    } finally {
      Arrays.fill(unsealKey, (byte) 0);
      Arrays.fill(rootKey, (byte) 0);
      Arrays.fill(encodedKeyring, (byte) 0);
    }
  }

  /**
   * Opens the key hierarchy with a combined unseal key.
   *
   * @param stored the stored encrypted forms
   * @param unsealKey the combined unseal key (32 bytes); the caller zeroes it afterwards
   * @return the keyring
   * @throws IntegrityException if the unseal key is wrong or the stored forms were altered
   */
  public static Keyring unseal(StoredKeys stored, byte[] unsealKey) {
    byte[] rootKey = openRootKey(stored, unsealKey);
    try {
      return openKeyring(stored, rootKey);
    } finally {
      Arrays.fill(rootKey, (byte) 0);
    }
  }

  /**
   * Opens the root key with a combined unseal key.
   *
   * @param stored the stored encrypted forms
   * @param unsealKey the combined unseal key (32 bytes)
   * @return the root key (32 bytes); the caller zeroes it when done
   * @throws IntegrityException if the unseal key is wrong or the stored form was altered
   */
  public static byte[] openRootKey(StoredKeys stored, byte[] unsealKey) {
    if (unsealKey.length != AesGcm.KEY_BYTES) {
      throw new IntegrityException("unseal key has the wrong length");
    }
    return AesGcm.decrypt(unsealKey, stored.encryptedRootKey(), ROOT_KEY_AAD);
  }

  /**
   * Opens the keyring with the root key.
   *
   * @param stored the stored encrypted forms
   * @param rootKey the root key
   * @return the keyring
   * @throws IntegrityException if the root key is wrong or the stored keyring was altered
   */
  public static Keyring openKeyring(StoredKeys stored, byte[] rootKey) {
    byte[] encoded = AesGcm.decrypt(rootKey, stored.encryptedKeyring(), KEYRING_AAD);
    try {
      return Keyring.decode(encoded);
    } finally {
      Arrays.fill(encoded, (byte) 0);
    }
  }

  /**
   * Encrypts a keyring with the root key, for storing (after a rotation).
   *
   * @param rootKey the root key
   * @param keyring the keyring
   * @return nonce | ciphertext | tag
   */
  public static byte[] sealKeyring(byte[] rootKey, Keyring keyring) {
    byte[] encoded = keyring.encode();
    try {
      return AesGcm.encrypt(rootKey, encoded, KEYRING_AAD);
    } finally {
      Arrays.fill(encoded, (byte) 0);
    }
  }

  /**
   * The outcome of a rekey: the root key under a new unseal key, and that key's shares.
   *
   * @param encryptedRootKey the root key encrypted by the new unseal key
   * @param unsealShares the new shares, to hand to the operators, never to be stored
   */
  public record Rekeying(byte[] encryptedRootKey, List<byte[]> unsealShares) {}

  /**
   * Makes a new unseal key for the same root key and splits it.
   *
   * @param rootKey the root key (unchanged by a rekey)
   * @param shares 1..255
   * @param threshold 1..shares
   * @return what to store and what to hand out
   */
  public static Rekeying rekey(byte[] rootKey, int shares, int threshold) {
    byte[] unsealKey = AesGcm.randomBytes(AesGcm.KEY_BYTES);
    try {
      return new Rekeying(AesGcm.encrypt(unsealKey, rootKey, ROOT_KEY_AAD), ShamirShares.split(unsealKey, shares, threshold));
    } finally {
      Arrays.fill(unsealKey, (byte) 0);
    }
  }
}
