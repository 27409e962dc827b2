package io.arcanum.api.sys;

import io.arcanum.api.http.VaultException;
import java.util.List;
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
 *   <li>A request that arrives while storage is unavailable is answered 503 {@value #UNAVAILABLE}.
 *   <li>A request in flight when storage becomes unavailable is answered 503 {@value #UNKNOWN_OUTCOME}
 *       at that moment; what it started goes on (a write may still complete: its outcome is unknown to
 *       the client, as after any timeout).
 * </ul>
 *
 * <p>Requests that need no storage pass: {@code sys/health}, {@code sys/seal-status}, {@code sys/seal} (an
 * operator must be able to seal a node whose storage is gone) and whatever {@code storageFree} adds. A
 * sealed node is left to answer {@code Vault is sealed} itself, as clients expect that string.
 */
public final class StorageGate {

  /** The error of a request refused because storage is unavailable. */
  public static final String UNAVAILABLE = "storage unavailable";
  /** The error of a request cut short because storage became unavailable while it was in flight. */
  public static final String UNKNOWN_OUTCOME =
      "storage became unavailable while the request was in progress; its outcome is unknown";

  /** Paths served without storage. */
  public static final Set<String> STORAGE_FREE = Set.of("sys/health", "sys/seal-status", "sys/seal");

  private final StorageHealth health;
  private final BooleanSupplier unsealed;
  private final Predicate<String> storageFree;
  /** The replies of the requests in flight, failed at once when storage becomes unavailable. */
  private final Set<CompletableFuture<?>> inFlight = ConcurrentHashMap.newKeySet();

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
        for (CompletableFuture<?> reply : inFlight) {
          reply.completeExceptionally(unknownOutcome());
        }
      }
    });
  }

  /**
   * Serves a request through the gate.
   *
   * @param path the request path under {@code /v1/}
   * @param serve starts the request
   * @param <T> the response type
   * @return the response; or a failed stage with a 503 {@link VaultException} ({@value #UNAVAILABLE}
   *     when refused, {@value #UNKNOWN_OUTCOME} when cut short)
   */
  public <T> CompletionStage<T> guard(String path, Supplier<CompletionStage<T>> serve) {
    if (storageFree.test(path) || !unsealed.getAsBoolean()) {
      return serve.get();
    }
    if (!health.available()) {
      return CompletableFuture.failedFuture(new VaultException(503, List.of(UNAVAILABLE)));
    }
    CompletableFuture<T> reply = new CompletableFuture<>();
    inFlight.add(reply);
    reply.whenComplete((t, e) -> inFlight.remove(reply));
    if (!health.available()) { // lost between the check above and the registration
      reply.completeExceptionally(new VaultException(503, List.of(UNAVAILABLE)));
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

  private static VaultException unknownOutcome() {
    return new VaultException(503, List.of(UNKNOWN_OUTCOME));
  }
}
