package io.arcanum.api.kv;

import java.util.function.BooleanSupplier;

/** Waiting for what happens in the background (a journal catching up, a key forgotten after a reply). */
final class TestSupport {

  private TestSupport() {}

  /**
   * Polls until the condition holds, for at most 30 s.
   *
   * @param condition what must come to hold
   * @param what what it means, for the failure message
   */
  static void eventually(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 30 s: " + what);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
