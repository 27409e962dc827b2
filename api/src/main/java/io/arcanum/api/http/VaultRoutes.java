package io.arcanum.api.http;

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

/**
 * The path of every request, top to bottom (ARCHITECTURE.md, "The path of a request"): the open sys
 * paths first; then the seal gate; then authentication (the token store) and the one authorization
 * step (the node's compiled ACLs); then the route of the area: {@code auth/token/}, the policy
 * routes, the other {@code sys/} routes, or the mount holding the path.
 */
public final class VaultRoutes {

  private final SealService seal;
  private final TokenService tokens;
  private final Authorizer authorizer;
  private final SysRoutes sys;
  private final PolicyRoutes policies;
  private final TokenRoutes tokenRoutes;
  private final MountRouter mounts;
  private final KvRoutes kv;

  /**
   * @param seal the seal lifecycle (the gate)
   * @param tokens authentication
   * @param authorizer authorization
   * @param sys the sys routes
   * @param policies the policy and capabilities routes
   * @param tokenRoutes the auth/token routes
   * @param mounts mount resolution
   * @param kv the KV v2 routes
   */
  public VaultRoutes(SealService seal, TokenService tokens, Authorizer authorizer, SysRoutes sys,
      PolicyRoutes policies, TokenRoutes tokenRoutes, MountRouter mounts, KvRoutes kv) {
    this.seal = seal;
    this.tokens = tokens;
    this.authorizer = authorizer;
    this.sys = sys;
    this.policies = policies;
    this.tokenRoutes = tokenRoutes;
    this.mounts = mounts;
    this.kv = kv;
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
    if (!seal.isUnsealed()) {
      return CompletableFuture.failedFuture(VaultException.sealed());
    }
    req.operation(); // an unknown method is a 405 before anything else
    String path = req.path();
    return tokens.authenticate(req.token()).thenCompose(caller -> {
      if (path.startsWith("sys/") || path.startsWith("auth/")) {
        return authorizer.authorize(caller, req, () -> CompletableFuture.completedFuture(true))
            .thenCompose(ok -> route(req, caller));
      }
      return mounts.resolve(path).thenCompose(resolved -> {
        if (resolved.isEmpty()) {
          // authorize first, so that an unauthorized caller cannot tell mounted from unmounted paths
          return authorizer.authorize(caller, req, () -> CompletableFuture.completedFuture(false))
              .thenApply(ok -> {
                throw VaultException.noHandler(path);
              });
        }
        MountRouter.Resolved r = resolved.get();
        return authorizer.authorize(caller, req, () -> kv.exists(r.mount(), r.relativePath()))
            .thenCompose(ok -> kv.handle(req, r.mount(), r.relativePath()));
      });
    });
  }

  private CompletionStage<VaultResponse> route(VaultRequest req, Caller caller) {
    String path = req.path();
    if (path.startsWith("auth/token/")) {
      return tokenRoutes.handle(req, caller);
    }
    if (path.startsWith("auth/")) {
      throw VaultException.noHandler(path);
    }
    if (path.equals("sys/policy") || path.startsWith("sys/policy/") || path.equals("sys/policies/acl")
        || path.startsWith("sys/policies/acl/") || path.equals("sys/capabilities")
        || path.equals("sys/capabilities-self")) {
      return policies.handle(req, caller);
    }
    return sys.handle(req);
  }
}
