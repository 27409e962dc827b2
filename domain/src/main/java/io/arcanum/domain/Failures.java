package io.arcanum.domain;

import io.arcanum.domain.barrier.IntegrityException;

/**
 * How entities report failures in a {@link org.apache.pekko.pattern.StatusReply}: as an error message
 * (which Pekko serializes between nodes). A message that starts with
 * {@value IntegrityException#WIRE_PREFIX} is a storage integrity failure (HTTP 500); any other error
 * message is the client's fault (HTTP 400) and is Vault's exact wire string.
 */
public final class Failures {

  private Failures() {}

  /**
   * @param error the error of a StatusReply
   * @return true when it reports stored data that failed its integrity check
   */
  public static boolean isIntegrityFailure(Throwable error) {
    String m = error.getMessage();
    return m != null && m.startsWith(IntegrityException.WIRE_PREFIX);
  }
}
