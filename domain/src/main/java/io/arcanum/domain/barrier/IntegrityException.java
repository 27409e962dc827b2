package io.arcanum.domain.barrier;

/**
 * Stored data failed its integrity check: a sealed blob did not authenticate (altered bytes, a blob
 * copied from elsewhere, a wrong key) or was malformed. The request that met it is aborted; the
 * message never contains the data itself.
 */
public final class IntegrityException extends RuntimeException {

  /** The wire message prefix clients see in a 500 answer. */
  public static final String WIRE_PREFIX = "integrity check failed";

  private final String detail;

  /**
   * @param detail why the check failed, without any secret material
   */
  public IntegrityException(String detail) {
    super(WIRE_PREFIX + ": " + detail, null, false, false);
    this.detail = detail;
  }

  /** @return why the check failed (the message without its {@value #WIRE_PREFIX} prefix) */
  public String detail() {
    return detail;
  }
}
