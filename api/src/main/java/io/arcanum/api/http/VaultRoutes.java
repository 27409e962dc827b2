package io.arcanum.api.http;

import io.arcanum.api.audit.AuditService;
import io.arcanum.api.auth.Authorizer;
import io.arcanum.api.auth.Caller;
import io.arcanum.api.auth.TokenRoutes;
import io.arcanum.api.auth.TokenService;
import io.arcanum.api.kv.KvRoutes;
import io.arcanum.api.kv.MountRouter;
import io.arcanum.api.outcome.Failure;
import io.arcanum.api.sys.PolicyRoutes;
import io.arcanum.api.sys.SealService;
import io.arcanum.api.sys.SysRoutes;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The path of every request, top to bottom (ARCHITECTURE.md, "The path of a request"): the open sys
 * paths first; then the seal gate; then authentication (the token store) and the one authorization
 * step (the node's compiled ACLs); then the audit request record (durable before a state-changing
 * request executes); then the route of the area: {@code auth/token/}, the policy routes, the other
 * {@code sys/} routes, or the mount holding the path; then the audit response record, durable before
 * the reply leaves.
 */
public final class VaultRoutes {

  private final SealService seal;
  private final TokenService tokens;
  private final Authorizer authorizer;
  private final SysRoutes sys;
  private volatile boolean unauthenticatedMetrics;

  /**
   * @param open whether {@code sys/metrics} is served without a token (Vault's
   *     {@code telemetry.unauthenticated_metrics_access})
   * @return this
   */
  public VaultRoutes withUnauthenticatedMetrics(boolean open) {
    this.unauthenticatedMetrics = open;
    return this;
  }
  private final PolicyRoutes policies;
  private final TokenRoutes tokenRoutes;
  private final MountRouter mounts;
  private final KvRoutes kv;
  private final AuditService audit;

  /**
   * @param seal the seal lifecycle (the gate)
   * @param tokens authentication
   * @param authorizer authorization
   * @param sys the sys routes
   * @param policies the policy and capabilities routes
   * @param tokenRoutes the auth/token routes
   * @param mounts mount resolution
   * @param kv the KV v2 routes
   * @param audit records requests and responses before they go on
   */
  public VaultRoutes(SealService seal, TokenService tokens, Authorizer authorizer, SysRoutes sys,
      PolicyRoutes policies, TokenRoutes tokenRoutes, MountRouter mounts, KvRoutes kv, AuditService audit) {
    this.seal = seal;
    this.tokens = tokens;
    this.authorizer = authorizer;
    this.sys = sys;
    this.policies = policies;
    this.tokenRoutes = tokenRoutes;
    this.mounts = mounts;
    this.kv = kv;
    this.audit = audit;
  }

  /**
   * Serves one request. Failures are Vault errors in the stage (or thrown for bad input).
   *
   * @param req the request
   * @return the response
   */
  public CompletionStage<VaultResponse> handle(VaultRequest req) {
    if (SysRoutes.OPEN_PATHS.contains(req.path())) {
      return sys.handleOpen(req);
    }
    if (unauthenticatedMetrics && req.path().equals("sys/metrics")) {
      return sys.handle(req); // arcanum.metrics.unauthenticated, as Vault's unauthenticated_metrics_access
    }
    // sys/seal is not counted as in flight: the seal it asks for waits for the others to finish
    boolean counted = !req.path().equals("sys/seal");
    if (counted ? !seal.enter() : !seal.isUnsealed()) {
      return CompletableFuture.failedFuture(VaultException.sealed());
    }
    CompletionStage<VaultResponse> served;
    try {
      VaultRequest.Operation op = req.operation(); // an unknown method is a 405 before anything else
      served = serve(normalize(req), op).exceptionally(e -> {
        // a request caught by a seal in flight answers as sealed, not with a storage timeout
        if (!seal.isUnsealed()) {
          throw VaultException.sealed();
        }
        return Replies.rethrow(e);
      });
    } catch (RuntimeException e) {
      if (counted) {
        seal.leave();
      }
      throw e;
    }
    return counted ? served.whenComplete((r, e) -> seal.leave()) : served;
  }

  /**
   * Policy names are case-insensitive and stored lower-case: the path is lower-cased before the ACL
   * sees it, so that {@code sys/policies/acl/ADMIN} cannot slip past a rule on {@code .../admin}.
   */
  private static VaultRequest normalize(VaultRequest req) {
    String p = req.path();
    for (String prefix : new String[] {"sys/policies/acl/", "sys/policy/"}) {
      if (p.startsWith(prefix) && !p.equals(p.toLowerCase(java.util.Locale.ROOT))) {
        return new VaultRequest(req.requestId(), req.method(), prefix + p.substring(prefix.length()).toLowerCase(java.util.Locale.ROOT),
            req.query(), req.token(), req.body(), req.contentType(), req.remoteAddress());
      }
    }
    return req;
  }

  /**
   * A route chosen and authorized, not run yet. It is given {@code recorded}, which completes once the
   * request's audit record is durable (at once for requests recorded after they run: reads, or when
   * auditing is off); a route may prepare what no client can see meanwhile, but changes nothing
   * before it completes.
   */
  @FunctionalInterface
  private interface Route {
    CompletionStage<Served> run(CompletionStage<Void> recorded);
  }

  private CompletionStage<VaultResponse> serve(VaultRequest req, VaultRequest.Operation op) {
    boolean audited = audit.enabled() && AuditService.audited(req.path());
    return tokens.authenticate(req.token())
        .handle((caller, authFailure) -> {
          if (authFailure != null) {
            return audited(req, null, CompletableFuture.failedFuture(authFailure), DONE, audited);
          }
          CompletionStage<Route> authorized = authorize(req, caller);
          if (!audited || AuditService.readOnly(op)) {
            return audited(req, caller, authorized.thenCompose(route -> run(route, DONE)), DONE, audited);
          }
          // a request that may change state is recorded before it changes anything; the route may
          // prepare meanwhile
          CompletableFuture<Boolean> recorded = new CompletableFuture<>();
          CompletionStage<Served> executed = authorized.thenCompose(route -> {
            CompletionStage<Void> record = audit.recordRequest(req, caller);
            record.whenComplete((v, e) -> recorded.complete(e == null));
            return run(route, record);
          });
          return audited(req, caller, executed.whenComplete((r, e) -> recorded.complete(false)), recorded, audited);
        })
        .thenCompose(stage -> stage);
  }

  private static final CompletionStage<Boolean> DONE = CompletableFuture.completedFuture(false);

  private static CompletionStage<Served> run(Route route, CompletionStage<?> recorded) {
    try {
      return route.run(recorded.thenApply(v -> (Void) null));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e); // bad input found while parsing: changes nothing
    }
  }

  /**
   * Authorizes a request and picks its route, without running it yet.
   *
   * @return the route to run once the request may go on
   */
  private CompletionStage<Route> authorize(VaultRequest req, Caller caller) {
    String path = req.path();
    if (path.startsWith("sys/") || path.startsWith("auth/")) {
      return authorizer.authorize(caller, req, () -> CompletableFuture.completedFuture(true))
          .thenApply(ok -> recorded -> recorded.thenCompose(v -> Served.of(route(req, caller))));
    }
    return mounts.resolve(path).thenCompose(resolved -> {
      if (resolved.isEmpty()) {
        // authorize first, so that an unauthorized caller cannot tell mounted from unmounted paths
        return authorizer.authorize(caller, req, () -> CompletableFuture.completedFuture(false))
            .thenApply(ok -> recorded -> CompletableFuture.failedFuture(VaultException.noHandler(path)));
      }
      MountRouter.Resolved r = resolved.get();
      return authorizer.authorize(caller, req, () -> kv.exists(r.mount(), r.relativePath()))
          .thenApply(ok -> recorded -> kv.handle(req, caller, r.mount(), r.relativePath(), recorded));
    });
  }

  /**
   * Records the response (and the request, unless it was recorded before execution) while the route's
   * remaining work settles, and replies once both are done. A reply that carries anything leaves only
   * once its record is durable; when the record cannot be made durable, the reply is that failure
   * instead (fail closed). An error reply (no secret material) waits for its record at most
   * {@link #ERROR_RECORD_WAIT}, so that a storage outage fails requests fast.
   */
  private CompletionStage<VaultResponse> audited(VaultRequest req, Caller caller, CompletionStage<Served> outcome,
      CompletionStage<Boolean> requestRecorded, boolean audited) {
    if (!audited) {
      return outcome.thenCompose(served -> served.settled().thenApply(v -> served.response()));
    }
    return outcome.handle((served, failure) -> requestRecorded.thenCompose(recorded -> {
      if (failure != null) {
        VaultException error = Replies.toVaultOrInternal(failure);
        if (unwrap(failure) instanceof Failure.AuditFailed) {
          return CompletableFuture.<VaultResponse>failedFuture(failure); // the request record itself failed
        }
        return errorRecorded(audit.recordResponse(req, caller, null, error, !recorded))
            .thenApply(v -> Replies.<VaultResponse>rethrow(failure));
      }
      CompletableFuture<Void> record = audit.recordResponse(req, caller, served.response(), null, !recorded)
          .toCompletableFuture();
      CompletableFuture<Void> settled = served.settled().toCompletableFuture();
      return CompletableFuture.allOf(record, settled).handle((v, e) -> {
        if (!settled.isCompletedExceptionally() && record.isCompletedExceptionally()) {
          // served, but its response could not be recorded: the reply is withheld
          throw new Failure.AuditFailed(!AuditService.readOnly(req.operation()));
        }
        if (settled.isCompletedExceptionally()) {
          // the change was made but not completed: the client gets that error, and it is recorded too
          Throwable unsettled = unwrap(settled.handle((x, err) -> err).join());
          return errorRecorded(audit.recordResponse(req, caller, null, Replies.toVaultOrInternal(unsettled), false))
              .thenApply(x -> Replies.<VaultResponse>rethrow(unsettled));
        }
        return CompletableFuture.completedFuture(served.response());
      }).thenCompose(stage -> stage);
    })).thenCompose(stage -> stage);
  }

  /** How long an error reply waits for its response record before it leaves anyway. */
  static final java.time.Duration ERROR_RECORD_WAIT = java.time.Duration.ofMillis(500);

  private static CompletionStage<Void> errorRecorded(CompletionStage<Void> record) {
    return record.toCompletableFuture()
        .completeOnTimeout(null, ERROR_RECORD_WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
        .exceptionally(e -> null);
  }

  private static Throwable unwrap(Throwable t) {
    return t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
  }

  private CompletionStage<VaultResponse> route(VaultRequest req, Caller caller) {
    String path = req.path();
    if (path.startsWith("auth/token/")) {
      return tokenRoutes.handle(req, caller);
    }
    if (path.startsWith("auth/")) {
      throw VaultException.noHandler(path);
    }
    if (path.startsWith("sys/internal/ui/mounts")) {
      return authorizer.acl(caller).thenCompose(acl -> sys.internalUiMounts(req, acl));
    }
    if (path.equals("sys/policy") || path.startsWith("sys/policy/") || path.equals("sys/policies/acl")
        || path.startsWith("sys/policies/acl/") || path.equals("sys/capabilities")
        || path.equals("sys/capabilities-self")) {
      return policies.handle(req, caller);
    }
    return sys.handle(req);
  }
}
