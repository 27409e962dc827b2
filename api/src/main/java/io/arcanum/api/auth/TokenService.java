package io.arcanum.api.auth;

import io.arcanum.api.http.Replies;
import io.arcanum.api.http.VaultException;
import io.arcanum.domain.token.TokenAccessor;
import io.arcanum.domain.token.TokenEntry;
import io.arcanum.domain.token.Tokens;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * The token store: authentication of every request, and the token operations of
 * {@code auth/token/...}, over the token entries (by SHA-256 of the token) and accessors. The token
 * itself only ever exists in the client's hands and in the memory of the request that carries it.
 */
public final class TokenService {

  private final ClusterSharding sharding;
  private final Duration timeout;

  /**
   * @param sharding where token entries and accessors live
   * @param timeout ask timeout
   */
  public TokenService(ClusterSharding sharding, Duration timeout) {
    this.sharding = sharding;
    this.timeout = timeout;
  }

  /**
   * @param tokenHash a token entry id
   * @return the entry
   */
  public EntityRef<TokenEntry.Command> entry(String tokenHash) {
    return sharding.entityRefFor(TokenEntry.TYPE_KEY, tokenHash);
  }

  /**
   * Authenticates a request: the token must exist, be live, and (for {@code num_uses} tokens) have a
   * use left, which this spends.
   *
   * @param token the token from the request, or null
   * @return the caller
   * @throws VaultException (in the stage) 403 {@code permission denied} for a missing, unknown, revoked
   *     or expired token; 500 when its entry failed an integrity check
   */
  public CompletionStage<Caller> authenticate(String token) {
    if (token == null || token.isEmpty() || token.length() > 512) {
      return CompletableFuture.failedFuture(VaultException.permissionDenied());
    }
    String hash = Tokens.hash(token);
    return deniedIfUnknown(entry(hash).<TokenEntry.View>askWithStatus(TokenEntry.Authenticate::new, timeout))
        .thenCompose(view -> ancestorsLive(view.info().parent(), 0).thenApply(v -> new Caller(token, hash, view)));
  }

  /**
   * A token lives only while its parent does (Vault revokes a subtree when its root expires): every
   * ancestor must still be live. Explicit revocation cascades eagerly; this catches expiry.
   */
  private CompletionStage<Void> ancestorsLive(String parent, int depth) {
    if (parent == null) {
      return CompletableFuture.completedFuture(null);
    }
    if (depth > 64) {
      return CompletableFuture.failedFuture(VaultException.permissionDenied());
    }
    return lookup(parent).thenCompose(v -> ancestorsLive(v.info().parent(), depth + 1));
  }

  /**
   * @param tokenHash a token entry id
   * @return the live token's view
   * @throws VaultException (in the stage) 400 {@code bad token} style errors are the caller's to map; an
   *     unknown token fails with 403
   */
  public CompletionStage<TokenEntry.View> lookup(String tokenHash) {
    return deniedIfUnknown(entry(tokenHash).askWithStatus(TokenEntry.Lookup::new, timeout));
  }

  /**
   * @param accessor an accessor
   * @return the token entry id it points at
   * @throws VaultException (in the stage) 400 {@code invalid accessor} when unknown
   */
  public CompletionStage<String> resolveAccessor(String accessor) {
    if (accessor == null || accessor.isEmpty() || accessor.length() > 128) {
      return CompletableFuture.failedFuture(VaultException.badRequest(TokenAccessor.UNKNOWN));
    }
    CompletionStage<String> asked = sharding.entityRefFor(TokenAccessor.TYPE_KEY, accessor)
        .askWithStatus(TokenAccessor.Resolve::new, timeout);
    return Replies.mapped(asked);
  }

  /**
   * Creates a token: registers its accessor, creates its entry, and records it with its parent.
   *
   * @param token the new token (random, or the {@code id} a sudo caller chose)
   * @param info what it grants
   * @return the new token's view
   * @throws VaultException (in the stage) 400 when a token with that id exists
   */
  public CompletionStage<TokenEntry.View> create(String token, TokenEntry.Info info) {
    String hash = Tokens.hash(token);
    CompletionStage<String> registered = sharding.entityRefFor(TokenAccessor.TYPE_KEY, info.accessor())
        .askWithStatus(r -> new TokenAccessor.Register(hash, r), timeout);
    CompletionStage<TokenEntry.View> created = Replies.mapped(registered)
        .thenCompose(h -> entry(hash).<TokenEntry.View>askWithStatus(r -> new TokenEntry.Create(info, r), timeout));
    CompletionStage<TokenEntry.View> withParent = created.thenCompose(view -> {
      if (info.parent() == null) {
        return CompletableFuture.completedFuture(view);
      }
      return entry(info.parent()).<TokenEntry.Done>askWithStatus(r -> new TokenEntry.AddChild(hash, r), timeout)
          .thenApply(d -> view);
    });
    return Replies.mapped(withParent);
  }

  /**
   * @param tokenHash a token entry id
   * @param increment the TTL asked for, or null
   * @return the view after renewal
   * @throws VaultException (in the stage) 400 {@code lease is not renewable}; 403 for an unknown token
   */
  public CompletionStage<TokenEntry.View> renew(String tokenHash, Duration increment) {
    return deniedIfUnknown(entry(tokenHash).askWithStatus(r -> new TokenEntry.Renew(increment, r), timeout));
  }

  /**
   * Revokes a token and, unless {@code orphanChildren}, its whole subtree (breadth first; an
   * interrupted cascade resumes when the revoke is repeated, since a revoked token still names its
   * children).
   *
   * @param tokenHash a token entry id
   * @param orphanChildren revoke only this token; its children survive
   * @return completes when done
   */
  public CompletionStage<Void> revoke(String tokenHash, boolean orphanChildren) {
    CompletionStage<TokenEntry.Children> children = entry(tokenHash).askWithStatus(TokenEntry.Revoke::new, timeout);
    return Replies.mapped(children).thenApply(TokenEntry.Children::tokens).thenCompose(kids -> {
      if (kids.isEmpty()) {
        return CompletableFuture.completedFuture(null);
      }
      if (orphanChildren) {
        List<CompletableFuture<TokenEntry.Done>> all = new ArrayList<>();
        for (String child : kids) {
          all.add(entry(child).<TokenEntry.Done>askWithStatus(TokenEntry.Orphan::new, timeout).toCompletableFuture());
        }
        return CompletableFuture.allOf(all.toArray(new CompletableFuture[0]));
      }
      List<CompletableFuture<Void>> all = new ArrayList<>();
      for (String child : kids) {
        all.add(revoke(child, false).toCompletableFuture());
      }
      return CompletableFuture.allOf(all.toArray(new CompletableFuture[0]));
    });
  }

  private static <T> CompletionStage<T> deniedIfUnknown(CompletionStage<T> asked) {
    return asked.exceptionally(e -> {
      Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
      if (cause instanceof StatusReply.ErrorMessage && TokenEntry.UNKNOWN.equals(cause.getMessage())) {
        throw VaultException.permissionDenied();
      }
      return Replies.rethrow(e);
    });
  }
}
