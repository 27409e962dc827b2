package io.arcanum.api.http;

import io.arcanum.api.audit.AuditService;
import io.arcanum.api.auth.Authorizer;
import io.arcanum.api.auth.Caller;
import io.arcanum.api.auth.TokenRoutes;
import io.arcanum.api.auth.TokenService;
import io.arcanum.api.kv.KvRoutes;
import io.arcanum.api.kv.MountRouter;
import io.arcanum.api.sys.PolicyRoutes;
import io.arcanum.api.sys.SealService;
import io.arcanum.api.sys.SysRoutes;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

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

  private CompletionStage<VaultResponse> serve(VaultRequest req, VaultRequest.Operation op) {
    boolean audited = audit.enabled() && AuditService.audited(req.path());
    return tokens.authenticate(req.token())
        .handle((caller, authFailure) -> {
          if (authFailure != null) {
            return audited(req, null, CompletableFuture.failedFuture(authFailure), false, audited);
          }
          CompletionStage<Supplier<CompletionStage<VaultResponse>>> authorized = authorize(req, caller);
          if (!audited || AuditService.readOnly(op)) {
            return audited(req, caller, authorized.thenCompose(Supplier::get), false, audited);
          }
          // a request that may change state is recorded before it executes
          CompletableFuture<Boolean> recorded = new CompletableFuture<>();
          CompletionStage<VaultResponse> executed = authorized.thenCompose(run ->
              audit.recordRequest(req, caller).thenCompose(v -> {
                recorded.complete(true);
                return run.get();
              }));
          return audited(req, caller, executed.whenComplete((r, e) -> recorded.complete(false)), recorded, audited);
        })
        .thenCompose(stage -> stage);
  }

  /**
   * Authorizes a request and picks its route, without running it yet.
   *
   * @return the route to run once the request may go on
   */
  private CompletionStage<Supplier<CompletionStage<VaultResponse>>> authorize(VaultRequest req, Caller caller) {
    String path = req.path();
    if (path.startsWith("sys/") || path.startsWith("auth/")) {
      return authorizer.authorize(caller, req, () -> CompletableFuture.completedFuture(true))
          .thenApply(ok -> () -> route(req, caller));
    }
    return mounts.resolve(path).thenCompose(resolved -> {
      if (resolved.isEmpty()) {
        // authorize first, so that an unauthorized caller cannot tell mounted from unmounted paths
        return authorizer.authorize(caller, req, () -> CompletableFuture.completedFuture(false))
            .thenApply(ok -> () -> CompletableFuture.failedFuture(VaultException.noHandler(path)));
      }
      MountRouter.Resolved r = resolved.get();
      return authorizer.authorize(caller, req, () -> kv.exists(r.mount(), r.relativePath()))
          .thenApply(ok -> () -> kv.handle(req, caller, r.mount(), r.relativePath()));
    });
  }

  private CompletionStage<VaultResponse> audited(VaultRequest req, Caller caller, CompletionStage<VaultResponse> outcome,
      boolean requestRecorded, boolean audited) {
    return audited(req, caller, outcome, CompletableFuture.completedFuture(requestRecorded), audited);
  }

  /**
   * Records the response (and the request, unless it was recorded before execution) before the reply
   * leaves; when the records cannot be made durable, the reply is that failure instead (fail closed).
   */
  private CompletionStage<VaultResponse> audited(VaultRequest req, Caller caller, CompletionStage<VaultResponse> outcome,
      CompletionStage<Boolean> requestRecorded, boolean audited) {
    if (!audited) {
      return outcome;
    }
    return outcome.handle((resp, failure) -> requestRecorded.thenCompose(recorded -> {
      VaultException error = failure == null ? null : Replies.toVaultOrInternal(failure);
      if (error != null && error.status() == 500 && error.getMessage().startsWith("audit:")) {
        return CompletableFuture.<VaultResponse>failedFuture(error); // the request record itself failed
      }
      return audit.recordResponse(req, caller, resp, error, !recorded).thenApply(v -> {
        if (failure != null) {
          Replies.rethrow(failure);
        }
        return resp;
      });
    })).thenCompose(stage -> stage);
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
