package io.arcanum.domain;

import io.arcanum.domain.barrier.IntegrityException;

/**
 * An entity refused a command: why ({@link Refusal}, which also fixes the wire status), and the
 * message the client sees (Vault's exact wire string where Vault has one).
 *
 * @param refusal why
 * @param message the wire message, or null when Vault answers with an empty {@code errors} array
 */
public record Rejected(Refusal refusal, String message) implements Reply {

  /**
   * @param refusal why
   * @return a rejection with the refusal's own wire message
   * @throws NullPointerException if {@code refusal} is null
   */
  public static Rejected of(Refusal refusal) {
    return new Rejected(refusal, refusal.message());
  }

  /**
   * @param failure an integrity failure message ({@link IntegrityException#getMessage()})
   * @return a rejection with {@link Refusal#INTEGRITY}
   */
  public static Rejected integrity(String failure) {
    return new Rejected(Refusal.INTEGRITY, failure);
  }
}
