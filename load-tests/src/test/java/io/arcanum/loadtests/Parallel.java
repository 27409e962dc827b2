package io.arcanum.loadtests;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;

/**
 * Runs many asynchronous tasks (setup writes, checker reads) with a bounded number in flight,
 * printing progress, the rate and an estimate of the time left every 5 seconds.
 */
public final class Parallel {

  /** Seconds between progress lines. */
  public static final int PROGRESS_SECONDS = 5;

  private Parallel() {}

  /**
   * Starts {@code task(0)} .. {@code task(total - 1)} in that order, at most {@code inFlight} at a
   * time, and waits for all of them; after a task failed it starts no more, and waits for those
   * running.
   *
   * @param label printed at the start of each progress line, e.g. {@code "KvReadHeavy setup"}
   * @param total the number of tasks (0: nothing is done or printed)
   * @param inFlight the maximum number of tasks running at once, {@code > 0}
   * @param task makes task {@code i}; a task fails by completing exceptionally (or throwing)
   * @throws IllegalStateException when any task failed: how many, and the first failure's message
   */
  public static void run(String label, int total, int inFlight, IntFunction<CompletionStage<?>> task) {
    if (total <= 0) {
      return;
    }
    Semaphore slots = new Semaphore(inFlight);
    AtomicInteger done = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    long started = System.nanoTime();
    System.out.printf("%s: %,d requests, %d in flight ...%n", label, total, inFlight);
    ScheduledExecutorService progress = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "progress-" + label);
      t.setDaemon(true);
      return t;
    });
    progress.scheduleAtFixedRate(
        () -> printProgress(label, done.get(), total, started), PROGRESS_SECONDS, PROGRESS_SECONDS, TimeUnit.SECONDS);
    try {
      for (int i = 0; i < total && failed.get() == 0; i++) { // the first failure stops new tasks
        slots.acquireUninterruptibly();
        CompletionStage<?> stage;
        try {
          stage = task.apply(i);
        } catch (RuntimeException e) {
          stage = CompletableFuture.failedFuture(e);
        }
        stage.whenComplete((r, e) -> {
          if (e != null) {
            failed.incrementAndGet();
            firstFailure.compareAndSet(null,
                e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e);
          }
          done.incrementAndGet();
          slots.release();
        });
      }
      slots.acquireUninterruptibly(inFlight); // all ended
    } finally {
      progress.shutdownNow();
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    int ended = done.get();
    System.out.printf("%s: %,d done in %.1f s (%,.0f/s)%s%n", label, ended, seconds, ended / Math.max(seconds, 1e-3),
        failed.get() == 0 ? "" : ", " + failed.get() + " FAILED, stopped");
    if (failed.get() > 0) {
      throw new IllegalStateException(label + ": " + failed.get() + " of " + ended + " requests failed; first: "
          + firstFailure.get().getMessage(), firstFailure.get());
    }
  }

  private static void printProgress(String label, int done, int total, long started) {
    double seconds = (System.nanoTime() - started) / 1e9;
    double rate = done / Math.max(seconds, 1e-3);
    String left = rate > 0 ? String.format("~%.0f s left", (total - done) / rate) : "no estimate yet";
    System.out.printf("%s: %,d / %,d (%.0f%%), %,.0f/s, %s%n", label, done, total, 100.0 * done / total, rate, left);
  }
}
