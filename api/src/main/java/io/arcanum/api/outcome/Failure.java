package io.arcanum.api.outcome;

import io.arcanum.domain.Refusal;
import io.arcanum.domain.Rejected;

/**
 * Why a service could not serve a request, as a typed value: services decide which one applies,
 * and {@link io.arcanum.api.http.Replies#toVault} turns each into Vault's wire error in one place
 * (status and message). Never classified by its message.
 *
 * <p>The distinction that matters to a client is whether the request changed anything:
 * {@link Unavailable} and {@link AuditFailed} (request stage) guarantee it did not, so the client
 * may simply retry; {@link OutcomeUnknown} says it may or may not have, and how to find out;
 * {@link Incomplete} says it did, but not everything that should come with it happened yet.
 */
public abstract sealed class Failure extends RuntimeException
    permits Failure.Refused, Failure.Unavailable, Failure.OutcomeUnknown, Failure.Incomplete, Failure.AuditFailed {

  private Failure(String message) {
    super(message, null, false, false);
  }

  /** An entity refused the command (a client error, or an integrity failure of stored data). */
  public static final class Refused extends Failure {
    private final Rejected rejected;

    /** @param rejected the entity's answer */
    public Refused(Rejected rejected) {
      super(rejected.refusal() + (rejected.message() == null ? "" : ": " + rejected.message()));
      this.rejected = rejected;
    }

    /** @param refusal why, with its own wire message */
    public Refused(Refusal refusal) {
      this(Rejected.of(refusal));
    }

    /** @return the entity's answer */
    public Rejected rejected() {
      return rejected;
    }

    /** @return why */
    public Refusal refusal() {
      return rejected.refusal();
    }
  }

  /** Storage (or an entity in front of it) did not answer in time or failed: nothing was changed. */
  public static final class Unavailable extends Failure {
    /** @param what what did not answer, without secret material */
    public Unavailable(String what) {
      super(what);
    }
  }

  /**
   * A change was sent to storage but not confirmed (a timeout, a lost connection, a journal failure):
   * it may or may not have been made.
   */
  public static final class OutcomeUnknown extends Failure {
    private final String howToFindOut;

    /**
     * @param what what was not confirmed
     * @param howToFindOut what the client can read to learn the outcome (e.g. {@code read secret/data/app})
     */
    public OutcomeUnknown(String what, String howToFindOut) {
      super(what);
      this.howToFindOut = howToFindOut;
    }

    /** @return what the client can read to learn the outcome */
    public String howToFindOut() {
      return howToFindOut;
    }
  }

  /** The change was made, but something that must come with it (listing, shredding) is not done yet. */
  public static final class Incomplete extends Failure {
    /** @param what what was done and what is missing, without secret material */
    public Incomplete(String what) {
      super(what);
    }
  }

  /** An audit record could not be made durable, so the request (or its reply) was withheld. */
  public static final class AuditFailed extends Failure {
    private final boolean changed;

    /**
     * @param changed false: nothing was changed (the request record failed before the request ran, or
     *     a read's records failed); true: a change was made, but its response record failed, so the
     *     reply was withheld
     */
    public AuditFailed(boolean changed) {
      super(changed ? "audit: the response could not be recorded" : "audit: the request could not be recorded");
      this.changed = changed;
    }

    /** @return whether a change was made (only its reply withheld) */
    public boolean changed() {
      return changed;
    }
  }
}
