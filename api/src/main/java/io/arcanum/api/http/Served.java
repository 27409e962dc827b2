package io.arcanum.api.http;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What a route produced: the response, ready to be audited, and what must still finish before it may
 * leave (the listing and shredding after a KV change). The request path writes the response's audit
 * record while {@code settled} runs, and replies once {@code settled} is done and, when the reply
 * carries secret material, once its record is durable too (the promise: a reply carrying secret
 * material leaves only after its audit record is durable; docs/audit.md).
 *
 * @param response the response
 * @param settled completes when the reply may leave; fails when the change could not be completed
 * @param carriesSecret whether the reply may carry secret material (secret data, a token, a key):
 *     true unless the route knows better, as for a KV write whose reply is the new version's metadata
 */
public record Served(VaultResponse response, CompletionStage<Void> settled, boolean carriesSecret) {

  /**
   * A response that may carry secret material.
   *
   * @param response the response
   * @param settled completes when the reply may leave
   */
  public Served(VaultResponse response, CompletionStage<Void> settled) {
    this(response, settled, true);
  }

  /**
   * @param response a response with nothing left to finish (it may carry secret material)
   * @return it, settled
   */
  public static Served now(VaultResponse response) {
    return new Served(response, CompletableFuture.completedFuture(null));
  }

  /**
   * @param response a response that carries no secret material (a version's metadata, no content)
   * @param settled completes when the reply may leave
   * @return it; its reply does not wait for its response record
   */
  public static Served withoutSecret(VaultResponse response, CompletionStage<Void> settled) {
    return new Served(response, settled, false);
  }

  /**
   * @param response a response in the making
   * @return it, settled once made
   */
  public static CompletionStage<Served> of(CompletionStage<VaultResponse> response) {
    return response.thenApply(Served::now);
  }
}
