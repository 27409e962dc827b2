package io.arcanum.api.auth;

import io.arcanum.api.http.VaultException;
import io.arcanum.api.outcome.Asks;
import io.arcanum.api.outcome.Failure;
import io.arcanum.domain.Refusal;
import io.arcanum.domain.Reply;
import io.arcanum.domain.token.TokenAccessor;
import io.arcanum.domain.token.TokenEntry;
import io.arcanum.domain.token.Tokens;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * The token store: authentication of every request, and the token operations of
 * {@code auth/token/...}, over the token entries (by SHA-256 of the token) and accessors. The token
 * itself only ever exists in the client's hands and in the memory of the request that carries it.
 *
 * <p>Outcomes are typed: results, or {@link Failure}s. A token that does not exist, was revoked or
 * expired is {@link Refusal#UNKNOWN_TOKEN} ({@link #isUnknownToken}); authentication turns it into
 * 403 {@code permission denied}, and each route into the message Vault gives there. An entry that
 * does not answer in time is {@link Failure.Unavailable} for a read, {@link Failure.OutcomeUnknown}
 * for a change.
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

  private <T extends Reply> CompletionStage<T> ask(String tokenHash,
      Function<ActorRef<Reply>, TokenEntry.Command> command, Class<T> expected, Supplier<Failure> unanswered) {
    return Asks.ask(entry(tokenHash), command, expected, timeout, unanswered);
  }

  private static Failure unavailable() {
    return new Failure.Unavailable("the token store did not answer in time");
  }

  /**
   * @param failure what a token operation failed with
   * @return whether the token does not exist, was revoked or expired ({@link Refusal#UNKNOWN_TOKEN})
   */
  public static boolean isUnknownToken(Throwable failure) {
    return Asks.refusal(failure) == Refusal.UNKNOWN_TOKEN;
  }

  /**
   * Authenticates a request: the token must exist, be live, and (for {@code num_uses} tokens) have a
   * use left, which this spends.
   *
   * @param token the token from the request, or null
   * @return the caller
   * @throws VaultException (in the stage) 403 {@code permission denied} for a missing, unknown, revoked
   *     or expired token (or one whose ancestor is no longer live); {@link Failure.Refused} with
   *     {@link Refusal#INTEGRITY} when its entry failed an integrity check; {@link Failure.Unavailable}
   *     when the token store did not answer in time (the request is not served; a use of a
   *     {@code num_uses} token may have been spent)
   */
  public CompletionStage<Caller> authenticate(String token) {
    if (token == null || token.isEmpty() || token.length() > 512) {
      return CompletableFuture.failedFuture(VaultException.permissionDenied());
    }
    String hash = Tokens.hash(token);
    return ask(hash, TokenEntry.Authenticate::new, TokenEntry.View.class, TokenService::unavailable)
        .thenCompose(view -> ancestorsLive(view.info().parent(), 0).thenApply(v -> new Caller(token, hash, view)))
        .exceptionally(e -> {
          throw isUnknownToken(e) ? VaultException.permissionDenied() : Asks.unwrapped(e);
        });
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
      return CompletableFuture.failedFuture(new Failure.Refused(Refusal.UNKNOWN_TOKEN));
    }
    return lookup(parent).thenCompose(v -> ancestorsLive(v.info().parent(), depth + 1));
  }

  /**
   * @param tokenHash a token entry id
   * @return the live token's view
   * @throws Failure.Refused (in the stage) {@link Refusal#UNKNOWN_TOKEN} for a token that does not
   *     exist, was revoked or expired; {@link Failure.Unavailable} when the entry did not answer in time
   */
  public CompletionStage<TokenEntry.View> lookup(String tokenHash) {
    return ask(tokenHash, TokenEntry.Lookup::new, TokenEntry.View.class, TokenService::unavailable);
  }

  /**
   * @param accessor an accessor
   * @return the token entry id it points at
   * @throws Failure.Refused (in the stage) {@link Refusal#INVALID_ACCESSOR} when unknown;
   *     {@link Failure.Unavailable} when the accessor did not answer in time
   */
  public CompletionStage<String> resolveAccessor(String accessor) {
    if (accessor == null || accessor.isEmpty() || accessor.length() > 128) {
      return CompletableFuture.failedFuture(new Failure.Refused(Refusal.INVALID_ACCESSOR));
    }
    return Asks.ask(sharding.entityRefFor(TokenAccessor.TYPE_KEY, accessor), TokenAccessor.Resolve::new,
        TokenAccessor.Resolved.class, timeout, TokenService::unavailable).thenApply(TokenAccessor.Resolved::tokenHash);
  }

  /**
   * Creates a token: registers its accessor, creates its entry, and records it with its parent.
   *
   * @param token the new token (random, or the {@code id} a sudo caller chose)
   * @param info what it grants
   * @return the new token's view
   * @throws Failure.Refused (in the stage) {@link Refusal#TOKEN_EXISTS} when a token with that id
   *     exists, {@link Refusal#ACCESSOR_IN_USE} on an accessor collision, {@link Refusal#UNKNOWN_TOKEN}
   *     when the parent is no longer live; {@link Failure.OutcomeUnknown} when the accessor or the
   *     entry did not confirm in time; {@link Failure.Incomplete} when the token was made but its
   *     parent did not confirm recording it (revoking the parent may then leave it live)
   */
  public CompletionStage<TokenEntry.View> create(String token, TokenEntry.Info info) {
    String hash = Tokens.hash(token);
    Supplier<Failure> unconfirmed = () -> new Failure.OutcomeUnknown("the token store did not confirm the new token"
        + " in time", "look up the chosen id with auth/token/lookup (a token without a chosen id was never handed"
        + " out and cannot be used)");
    return Asks.ask(sharding.entityRefFor(TokenAccessor.TYPE_KEY, info.accessor()),
            r -> new TokenAccessor.Register(hash, r), TokenAccessor.Resolved.class, timeout, unconfirmed)
        .thenCompose(registered -> ask(hash, r -> new TokenEntry.Create(info, r), TokenEntry.View.class, unconfirmed))
        .thenCompose(view -> info.parent() == null ? CompletableFuture.completedFuture(view)
            : ask(info.parent(), r -> new TokenEntry.AddChild(hash, r), TokenEntry.Done.class,
                () -> new Failure.Incomplete("the token was created, but its parent token did not confirm in time"
                    + " that it recorded it: revoking the parent may not revoke this token"))
                .thenApply(d -> view));
  }

  /**
   * @param tokenHash a token entry id
   * @param increment the TTL asked for, or null
   * @return the view after renewal
   * @throws Failure.Refused (in the stage) {@link Refusal#NOT_RENEWABLE}, {@link Refusal#UNKNOWN_TOKEN};
   *     {@link Failure.OutcomeUnknown} when the entry did not confirm in time
   */
  public CompletionStage<TokenEntry.View> renew(String tokenHash, Duration increment) {
    return ask(tokenHash, r -> new TokenEntry.Renew(increment, r), TokenEntry.View.class,
        () -> new Failure.OutcomeUnknown("the token store did not confirm the renewal in time",
            "look the token up (auth/token/lookup) and compare its expire_time"));
  }

  /**
   * Revokes a token and, unless {@code orphanChildren}, its whole subtree (breadth first; an
   * interrupted cascade resumes when the revoke is repeated, since a revoked token still names its
   * children).
   *
   * @param tokenHash a token entry id
   * @param orphanChildren revoke only this token; its children survive
   * @return completes when done
   * @throws Failure.OutcomeUnknown (in the stage) when an entry did not confirm in time (revoking
   *     again is safe: it resumes the cascade)
   */
  public CompletionStage<Void> revoke(String tokenHash, boolean orphanChildren) {
    Supplier<Failure> unconfirmed = () -> new Failure.OutcomeUnknown("the token store did not confirm the"
        + " revocation in time", "revoke again (it is idempotent and resumes the cascade) or look the token up");
    return ask(tokenHash, TokenEntry.Revoke::new, TokenEntry.Children.class, unconfirmed)
        .thenApply(TokenEntry.Children::tokens).thenCompose(kids -> {
          List<CompletableFuture<?>> all = new ArrayList<>();
          for (String child : kids) {
            all.add((orphanChildren
                ? ask(child, TokenEntry.Orphan::new, TokenEntry.Done.class, unconfirmed)
                : revoke(child, false)).toCompletableFuture());
          }
          return CompletableFuture.allOf(all.toArray(new CompletableFuture[0]));
        });
  }
}
