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

  // ---- tokens (Vault's token store, VAULT-API.md "Tokens") ----
  /**
   * The token does not exist, was revoked or expired. Authentication answers 403
   * {@code permission denied} instead, and the token routes their own messages ({@code bad token});
   * this status and message are what a client sees when its parent token vanished while a child was
   * being created.
   */
  UNKNOWN_TOKEN(400, "unknown token"),
  /** A token with the chosen {@code id} exists already. */
  TOKEN_EXISTS(400, "token already exists"),
  /** The token has no TTL or was created with {@code renewable: false}. */
  NOT_RENEWABLE(400, "lease is not renewable"),
  /** No token has this accessor. */
  INVALID_ACCESSOR(400, "invalid accessor"),
  /** A new token's accessor is taken (a random collision: the creation is refused, nothing changes). */
  ACCESSOR_IN_USE(400, "accessor already in use"),

  // ---- ACL policies ----
  /** {@code root} is built in and cannot be written. */
  ROOT_POLICY_IMMUTABLE(400, "cannot update \"root\" policy"),
  /** {@code root} and {@code default} cannot be deleted; the message names the policy. */
  POLICY_NOT_DELETABLE(400, null),

  // ---- mounts ----
  /** A mount exists at exactly this path; the message names it ({@code path is already in use at ...}). */
  MOUNT_PATH_IN_USE(400, null),
  /** A mount nests in or around this path; the message names it ({@code existing mount at ...}). */
  MOUNT_NESTED(400, null),
  /** Nothing is mounted at the path a change names. */
  NO_MOUNT(400, "no mount at this path"),

  // ---- audit devices ----
  /** An audit device is enabled at this path already. */
  AUDIT_PATH_IN_USE(400, "path already in use"),

  // ---- the key hierarchy (sys/init, sys/unseal, sys/rotate, sys/rekey) ----
  /** A second initialization. */
  ALREADY_INITIALIZED(400, "Vault is already initialized"),
  /** An operation that needs the stored keys before initialization. */
  NOT_INITIALIZED(400, "Vault is not initialized"),
  /** A rotation started from a key term that is no longer the active one (another rotation won). */
  KEYRING_CHANGED(400, "the keyring was rotated meanwhile; try again"),

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
