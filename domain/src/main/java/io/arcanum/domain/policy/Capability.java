package io.arcanum.domain.policy;

import java.util.Locale;

/** Vault's ACL capabilities (VAULT-API.md, "ACL policies"). */
public enum Capability {
  /** Write to a path that holds nothing yet. */
  CREATE,
  /** Read. */
  READ,
  /** Write to a path that holds something. */
  UPDATE,
  /** PATCH. */
  PATCH,
  /** Delete. */
  DELETE,
  /** List. */
  LIST,
  /** Access to root-protected paths, on top of the operation's capability. */
  SUDO,
  /** Forbids everything on the path; wins over every other capability. */
  DENY;

  /** @return the lower-case wire name */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * @param name a wire name such as {@code read}
   * @return the capability
   * @throws IllegalArgumentException for an unknown name
   */
  public static Capability parse(String name) {
    try {
      return valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown capability \"" + name + "\"");
    }
  }
}
