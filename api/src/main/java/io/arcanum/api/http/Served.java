package io.arcanum.api.http;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What a route produced: the response, ready to be audited, and what must still finish before it may
 * leave (the listing and shredding after a KV change). The request path writes the response's audit
 * record while {@code settled} runs, and replies once both are done.
 *
 * @param response the response
 * @param settled completes when the reply may leave; fails when the change could not be completed
 */
public record Served(VaultResponse response, CompletionStage<Void> settled) {

  /**
   * @param response a response with nothing left to finish
   * @return it, settled
   */
  public static Served now(VaultResponse response) {
    return new Served(response, CompletableFuture.completedFuture(null));
  }

  /**
   * @param response a response in the making
   * @return it, settled once made
   */
  public static CompletionStage<Served> of(CompletionStage<VaultResponse> response) {
    return response.thenApply(Served::now);
  }
}
