package io.arcanum.domain;

/**
 * Every reason an entity refuses a command, each with the HTTP status and the message Vault answers
 * with (VAULT-API.md and Vault's source; {@code null} where Vault sends an empty {@code errors}
 * array, or where the message carries details and comes with the {@link Rejected}). The API maps a
 * refusal to the wire in one place; code that must react to a particular refusal (a patch retried
 * after {@link #STALE_PATCH}) compares the constant, never the message.
 */
public enum Refusal {
  // ---- KV version 2 (VAULT-API.md, "KV version 2") ----
  /** {@code options.cas} differs from the current version. */
  CAS_MISMATCH(400, "check-and-set parameter did not match the current version"),
  /** check-and-set is required (key or mount setting) and the write has none. */
  CAS_REQUIRED(400, "check-and-set parameter required for this call"),
  /** A merge patch was based on a version that is no longer the latest live one (callers retry). */
  STALE_PATCH(400, "the latest version changed while the patch was being applied"),
  /** A metadata PATCH, or a patch of data, found nothing at the path: Vault's 404 with no message. */
  NO_METADATA(404, null),
  /** Custom metadata over Vault's limits; the message names the limit. */
  INVALID_CUSTOM_METADATA(400, null),
  /** A version larger than the entry limit; the message gives the sizes. */
  VALUE_TOO_LARGE(413, null),
  /**
   * A write would bring a key into existence but its listing intent was not recorded first (see
   * {@code KvSecret}); the caller records it and sends the write again. Never reaches a client.
   */
  LISTING_INTENT_REQUIRED(500, "the listing intent of a new key was not recorded"),

  // ---- any sealed entity ----
  /** Stored data failed its integrity check; the message names the entity and the reason. */
  INTEGRITY(500, null);

  private final int status;
  private final String message;

  Refusal(int status, String message) {
    this.status = status;
    this.message = message;
  }

  /** @return the HTTP status Vault answers with */
  public int status() {
    return status;
  }

  /** @return Vault's wire message, or null (empty errors array, or a message given per rejection) */
  public String message() {
    return message;
  }
}
