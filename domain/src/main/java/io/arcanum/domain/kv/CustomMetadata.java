package io.arcanum.domain.kv;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Vault's limits on a key's {@code custom_metadata}: at most 64 keys, keys up to 128 bytes, values up to 512 bytes. */
public final class CustomMetadata {

  /** Most keys allowed. */
  public static final int MAX_KEYS = 64;
  /** Longest key, in UTF-8 bytes. */
  public static final int MAX_KEY_BYTES = 128;
  /** Longest value, in UTF-8 bytes. */
  public static final int MAX_VALUE_BYTES = 512;

  private CustomMetadata() {}

  /**
   * @param metadata the custom metadata
   * @return null when it is within the limits, else the error message a client sees (400)
   */
  public static String violation(Map<String, String> metadata) {
    if (metadata.size() > MAX_KEYS) {
      return "custom_metadata validation failed: payload must contain at most " + MAX_KEYS + " keys";
    }
    for (Map.Entry<String, String> e : metadata.entrySet()) {
      if (e.getKey().isEmpty()) {
        return "custom_metadata validation failed: keys must not be empty";
      }
      if (e.getKey().getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
        return "custom_metadata validation failed: length of key \"" + e.getKey() + "\" is longer than "
            + MAX_KEY_BYTES + " bytes";
      }
      if (e.getValue().getBytes(StandardCharsets.UTF_8).length > MAX_VALUE_BYTES) {
        return "custom_metadata validation failed: length of value for key \"" + e.getKey()
            + "\" is longer than " + MAX_VALUE_BYTES + " bytes";
      }
    }
    return null;
  }
}
