package io.arcanum.api.sys;

import io.arcanum.api.outcome.Failure;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Fails requests that need storage at once while {@link StorageHealth} says it is unavailable, instead of
 * letting each wait for its own timeouts (a journal write, an ask, an audit record, one after the other).
 *
 * <ul>
 *   <li>A request that arrives while storage is unavailable fails with {@link Failure.Unavailable}
 *       (503: nothing was done).
 *   <li>A request in flight when storage becomes unavailable fails at that moment: a read with
 *       {@link Failure.Unavailable}, a request that may change something with
 *       {@link Failure.OutcomeUnknown} (what it started goes on, and a write may still complete, as
 *       after any timeout).
 * </ul>
 *
 * <p>Requests that need no storage pass: {@code sys/health}, {@code sys/seal-status}, {@code sys/seal} (an
 * operator must be able to seal a node whose storage is gone) and whatever {@code storageFree} adds. A
 * sealed node is left to answer {@code Vault is sealed} itself, as clients expect that string.
 */
public final class StorageGate {

  /** What a refused request is told did not answer. */
  public static final String UNAVAILABLE = "the storage health probe gets no answer";
  /** What a request cut short is told happened. */
  public static final String CUT_SHORT = "storage stopped answering while the request was in progress";

  /** Paths served without storage. */
  public static final Set<String> STORAGE_FREE = Set.of("sys/health", "sys/seal-status", "sys/seal");

  private final StorageHealth health;
  private final BooleanSupplier unsealed;
  private final Predicate<String> storageFree;
  /** A request in flight: its reply, failed at once when storage becomes unavailable. */
  private record InFlight(CompletableFuture<?> reply, String path, boolean changes) {}

  private final Set<InFlight> inFlight = ConcurrentHashMap.newKeySet();

  /**
   * @param health the storage probe
   * @param unsealed whether this node is unsealed (a sealed node answers for itself)
   * @param storageFree more paths (under {@code /v1/}) that need no storage, e.g. unauthenticated
   *     {@code sys/metrics}
   */
  public StorageGate(StorageHealth health, BooleanSupplier unsealed, Predicate<String> storageFree) {
    this.health = health;
    this.unsealed = unsealed;
    this.storageFree = path -> STORAGE_FREE.contains(path) || storageFree.test(path);
    health.onChange(s -> {
      if (!s.available()) {
        for (InFlight request : inFlight) {
          request.reply().completeExceptionally(request.changes()
              ? new Failure.OutcomeUnknown(CUT_SHORT, "read " + request.path())
              : new Failure.Unavailable(CUT_SHORT));
        }
      }
    });
  }

  /**
   * Serves a request through the gate.
   *
   * @param path the request path under {@code /v1/}
   * @param changes whether the request may change something (a cut-short change has an unknown outcome)
   * @param serve starts the request
   * @param <T> the response type
   * @return the response; or a failed stage with {@link Failure.Unavailable} when refused, or when a
   *     read is cut short, or {@link Failure.OutcomeUnknown} when a change is cut short
   */
  public <T> CompletionStage<T> guard(String path, boolean changes, Supplier<CompletionStage<T>> serve) {
    if (storageFree.test(path) || !unsealed.getAsBoolean()) {
      return serve.get();
    }
    if (!health.available()) {
      return CompletableFuture.failedFuture(new Failure.Unavailable(UNAVAILABLE));
    }
    CompletableFuture<T> reply = new CompletableFuture<>();
    InFlight request = new InFlight(reply, path, changes);
    inFlight.add(request);
    reply.whenComplete((t, e) -> inFlight.remove(request));
    if (!health.available()) { // lost between the check above and the registration
      reply.completeExceptionally(new Failure.Unavailable(UNAVAILABLE));
      return reply;
    }
    CompletionStage<T> served;
    try {
      served = serve.get();
    } catch (RuntimeException e) {
      reply.completeExceptionally(e);
      return reply;
    }
    served.whenComplete((t, e) -> {
      if (e != null) {
        reply.completeExceptionally(e);
      } else {
        reply.complete(t);
      }
    });
    return reply;
  }

  /** @return the number of requests in flight through the gate (for tests) */
  int inFlight() {
    return inFlight.size();
  }
}
