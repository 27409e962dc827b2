package io.arcanum.domain.kv;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.arcanum.domain.CborSerializable;
import io.arcanum.domain.barrier.AesGcm;
import io.arcanum.domain.barrier.IntegrityException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * A version's data encrypted under its own data key (AES-256-GCM, nonce first, tag last; associated
 * data {@code kv-data|<persistence id>|<key id>}), so the data can be crypto-shredded: the journal is
 * append-only, but forgetting the data key (kept outside the journal) makes every copy of the
 * ciphertext, in events and snapshots alike, unreadable for good.
 *
 * @param keyId the id of the data key, unique within the secret
 * @param ciphertext nonce (12 bytes), encrypted JSON object, tag (16 bytes)
 */
public record SealedData(String keyId, byte[] ciphertext) implements CborSerializable {

  /** Numbers keep their exact value (BigDecimal), as they do on the wire (Go's json.Number in Vault). */
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .setNodeFactory(com.fasterxml.jackson.databind.node.JsonNodeFactory.withExactBigDecimals(true));

  /**
   * Encrypts a version's data.
   *
   * @param persistenceId the secret's persistence id (binds the ciphertext to it)
   * @param key the version's data key
   * @param data the data, a JSON object
   * @return the sealed data
   */
  public static SealedData seal(String persistenceId, DataKey key, JsonNode data) {
    try {
      byte[] plain = JSON.writeValueAsBytes(data);
      try {
        return new SealedData(key.keyId(), AesGcm.encrypt(key.key(), plain, aad(persistenceId, key.keyId())));
      } finally {
        java.util.Arrays.fill(plain, (byte) 0);
      }
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("data cannot be written as JSON", e);
    }
  }

  /**
   * Decrypts the data.
   *
   * @param persistenceId the secret's persistence id
   * @param key the data key's bytes (32)
   * @return the data
   * @throws IntegrityException if the ciphertext does not authenticate for this secret and key
   */
  public JsonNode open(String persistenceId, byte[] key) {
    byte[] plain = AesGcm.decrypt(key, ciphertext, aad(persistenceId, keyId));
    try {
      return JSON.readTree(plain);
    } catch (IOException e) {
      throw new IntegrityException("version data is not JSON");
    } finally {
      java.util.Arrays.fill(plain, (byte) 0);
    }
  }

  private static byte[] aad(String persistenceId, String keyId) {
    return ("kv-data|" + persistenceId + "|" + keyId).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * A version's data key.
   *
   * @param keyId its id, unique within the secret
   * @param key 32 random bytes
   */
  public record DataKey(String keyId, byte[] key) {
    /** @return a new random key with a random id */
    public static DataKey generate() {
      return new DataKey(java.util.UUID.randomUUID().toString(), AesGcm.randomBytes(AesGcm.KEY_BYTES));
    }

    @Override
    public String toString() {
      return "DataKey[" + keyId + "]";
    }
  }
}
