package io.arcanum.api.auth;

import io.arcanum.api.http.Replies;
import io.arcanum.api.http.VaultException;
import io.arcanum.domain.token.TokenEntry;
import io.arcanum.domain.token.Tokens;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.pattern.StatusReply;

/**
 * Turns a client token into what it grants: the token is hashed and its token entry looked up. A
 * missing or unknown token is 403 {@code permission denied}; the token never leaves this method in
 * clear.
 */
public final class Authenticator {

  private final ClusterSharding sharding;
  private final Duration timeout;

  /**
   * @param sharding where token entries live
   * @param timeout ask timeout
   */
  public Authenticator(ClusterSharding sharding, Duration timeout) {
    this.sharding = sharding;
    this.timeout = timeout;
  }

  /**
   * @param token the token from the request, or null
   * @return the token's info
   * @throws VaultException (in the stage) 403 when the token is missing or unknown, 500 when its entry
   *     failed an integrity check
   */
  public CompletionStage<TokenEntry.Info> authenticate(String token) {
    if (token == null || token.isEmpty() || token.length() > 512) {
      return CompletableFuture.failedFuture(VaultException.permissionDenied());
    }
    CompletionStage<TokenEntry.Info> asked = sharding
        .entityRefFor(TokenEntry.TYPE_KEY, Tokens.hash(token))
        .askWithStatus(TokenEntry.Lookup::new, timeout);
    return asked.exceptionally(e -> {
      Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
      if (cause instanceof StatusReply.ErrorMessage && TokenEntry.UNKNOWN.equals(cause.getMessage())) {
        throw VaultException.permissionDenied();
      }
      return Replies.rethrow(e);
    });
  }
}
