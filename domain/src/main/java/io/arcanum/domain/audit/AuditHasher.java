package io.arcanum.domain.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * HMAC-SHA256 of audit values, in two steps so that the journal never holds a secret:
 *
 * <ol>
 *   <li>when a record is made, every sensitive string becomes {@code hmac-sha256:<hex>} under the
 *       cluster's audit key (derived with HKDF from the keyring's first term, so it is stable across
 *       rotations and exists only while the node is unsealed);</li>
 *   <li>an audit device re-hashes each such value with its own salt:
 *       {@code hmac-sha256:hex(HMAC(salt, <hex of step 1>))}. {@code sys/audit-hash} computes the
 *       same two steps for an operator's input, so the output can be searched for a known value.</li>
 * </ol>
 * Numbers and booleans stay in clear, as in Vault's audit format.
 */
public final class AuditHasher {

  /** Prefix of a hashed value. */
  public static final String PREFIX = "hmac-sha256:";

  private final byte[] auditKey;
  /**
   * HMACs keyed with the audit key, idle between uses: keying one costs more than hashing a short value
   * (with Bouncy Castle's native SHA-256 it also allocates native state). Held by this hasher only, so
   * none outlives it (the node sealed, the keyring changed); at most one per thread hashing at once.
   */
  private final java.util.concurrent.ConcurrentLinkedQueue<KeyedMac> idle =
      new java.util.concurrent.ConcurrentLinkedQueue<>();

  /**
   * @param auditKey the 32-byte cluster audit key
   */
  public AuditHasher(byte[] auditKey) {
    this.auditKey = auditKey.clone();
  }

  private KeyedMac take() {
    KeyedMac m = idle.poll();
    return m != null ? m : new KeyedMac(auditKey);
  }

  /**
   * Derives the cluster audit key.
   *
   * @param firstTermKey the keyring's term-1 key (never changes once initialized)
   * @return 32 bytes
   */
  public static byte[] deriveAuditKey(byte[] firstTermKey) {
    HKDFBytesGenerator hkdf = new HKDFBytesGenerator(SHA256Digest.newInstance());
    hkdf.init(new HKDFParameters(firstTermKey, null, "arcanum/audit-hmac/v1".getBytes(StandardCharsets.UTF_8)));
    byte[] out = new byte[32];
    hkdf.generateBytes(out, 0, out.length);
    return out;
  }

  /**
   * @param key an HMAC key
   * @param value bytes
   * @return lower-case hex HMAC-SHA256
   */
  public static String hmacHex(byte[] key, byte[] value) {
    return new KeyedMac(key).hex(value);
  }

  /**
   * An HMAC-SHA256 keyed once for many values: Bouncy Castle's {@link HMac} keeps the keyed inner and
   * outer digest states and returns to them after each value, so a value costs only its own blocks
   * (for a short value, two of the four SHA-256 blocks a freshly keyed HMAC takes). One thread at a
   * time: the audit key's are lent out by their hasher, a device's is kept by its handler.
   */
  private static final class KeyedMac {
    private final HMac mac = new HMac(SHA256Digest.newInstance());
    private final byte[] out = new byte[32];

    KeyedMac(byte[] key) {
      mac.init(new KeyParameter(key));
    }

    String hex(byte[] value) {
      mac.update(value, 0, value.length);
      mac.doFinal(out, 0);
      return HexFormat.of().formatHex(out);
    }
  }

  /**
   * Step 1 for one string.
   *
   * @param value a sensitive string
   * @return {@code hmac-sha256:<hex>} under the audit key
   */
  public String hash(String value) {
    KeyedMac m = take();
    try {
      return PREFIX + m.hex(value.getBytes(StandardCharsets.UTF_8));
    } finally {
      idle.offer(m);
    }
  }

  /**
   * Step 1 for a JSON value: every string inside (keys stay) is hashed; numbers, booleans and nulls
   * are kept.
   *
   * @param node a value (may be null)
   * @return a new tree
   */
  public JsonNode hashTree(JsonNode node) {
    KeyedMac m = take();
    try {
      return hashTree(node, m);
    } finally {
      idle.offer(m);
    }
  }

  private static JsonNode hashTree(JsonNode node, KeyedMac mac) {
    if (node == null || node.isNull()) {
      return node;
    }
    if (node.isTextual()) {
      return JsonNodeFactory.instance.textNode(PREFIX + mac.hex(node.textValue().getBytes(StandardCharsets.UTF_8)));
    }
    if (node.isObject()) {
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        out.set(e.getKey(), hashTree(e.getValue(), mac));
      }
      return out;
    }
    if (node.isArray()) {
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      node.forEach(n -> out.add(hashTree(n, mac)));
      return out;
    }
    return node.deepCopy();
  }

  /**
   * Step 2, a device's view of its records: every step-1 value re-hashed with the device's salt,
   * {@code hmac-sha256:hex(HMAC(salt, <hex of step 1>))}. Keyed once with the salt (keying an HMAC
   * costs more than hashing a short value, and with Bouncy Castle's native SHA-256 it also allocates
   * native state). One caller at a time.
   */
  public static final class DeviceHasher {
    private final KeyedMac mac;

    /** @param salt the device's salt */
    public DeviceHasher(byte[] salt) {
      this.mac = new KeyedMac(salt);
    }

    /**
     * @param record a record body as stored
     * @param clearFields field names whose step-1 values are shown as stored
     * @return a new tree
     */
    public JsonNode view(JsonNode record, Set<String> clearFields) {
      return forDevice(record, mac, clearFields);
    }
  }

  private static JsonNode forDevice(JsonNode record, KeyedMac mac, Set<String> clearFields) {
    if (record == null) {
      return null;
    }
    if (record.isTextual()) {
      String v = record.textValue();
      if (v.startsWith(PREFIX)) {
        return JsonNodeFactory.instance.textNode(PREFIX
            + mac.hex(v.substring(PREFIX.length()).getBytes(StandardCharsets.UTF_8)));
      }
      return record;
    }
    if (record.isObject()) {
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      for (Iterator<Map.Entry<String, JsonNode>> it = record.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        out.set(e.getKey(), clearFields.contains(e.getKey()) ? e.getValue() : forDevice(e.getValue(), mac, clearFields));
      }
      return out;
    }
    if (record.isArray()) {
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      record.forEach(n -> out.add(forDevice(n, mac, clearFields)));
      return out;
    }
    return record;
  }

  /**
   * {@code sys/audit-hash}: both steps for an operator's input.
   *
   * @param input the value to look for
   * @param salt the device's salt
   * @return the value as that device writes it
   */
  public String deviceHash(String input, byte[] salt) {
    String step1 = hash(input).substring(PREFIX.length());
    return PREFIX + hmacHex(salt, step1.getBytes(StandardCharsets.UTF_8));
  }
}
