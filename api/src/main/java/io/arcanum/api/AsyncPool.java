package io.arcanum.api;

import java.util.concurrent.ForkJoinPool;

/**
 * Keeps {@link java.util.concurrent.CompletableFuture}'s default async executor a pool.
 *
 * <p>The JDK runs a {@code CompletableFuture}'s {@code *Async} callbacks without an executor on
 * {@link ForkJoinPool#commonPool()} only when its parallelism is above 1; otherwise it starts a new
 * thread for every callback ({@code CompletableFuture.ThreadPerTaskExecutor}). The common pool's
 * parallelism defaults to cores - 1, so on a 2-core machine it is 1. And the {@code CompletionStage}s
 * Pekko's Java API returns (Scala's {@code FutureConverters}) run even their non-async callbacks
 * ({@code thenApply}, {@code exceptionally}, ...) as {@code *Async}: on 2 cores every step of every
 * request started a thread (seen in the benchmark: tens of thousands of {@code Thread-N} per minute,
 * and writes 20 times slower than their storage). See the JDK's {@code CompletableFuture} source,
 * {@code USE_COMMON_POOL}.
 */
public final class AsyncPool {

  /** The system property the JDK reads, once, when the common pool is created. */
  public static final String PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

  private AsyncPool() {}

  /**
   * Sets the common pool's parallelism to at least 2 (the number of cores, if more), unless the
   * property is already set. Call it first thing in {@code main}, before anything creates the pool.
   *
   * @return the common pool's parallelism after the call (1 means the pool was created before the
   *     call, and async callbacks still each start a thread)
   */
  public static int ensureCommonPool() {
    if (System.getProperty(PARALLELISM) == null) {
      System.setProperty(PARALLELISM, Integer.toString(Math.max(2, Runtime.getRuntime().availableProcessors())));
    }
    return ForkJoinPool.getCommonPoolParallelism();
  }
}
