package io.arcanum.api.http;

import io.arcanum.api.auth.Authenticator;
import io.arcanum.api.auth.Authorizer;
import io.arcanum.api.kv.KvRoutes;
import io.arcanum.api.kv.MountRouter;
import io.arcanum.api.sys.SealService;
import io.arcanum.api.sys.SysRoutes;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The path of every request, top to bottom (ARCHITECTURE.md, "The path of a request"): open sys paths
 * first; then the seal gate; then authentication and authorization; then the route of the area
 * ({@code sys/} or the mount holding the path).
 */
public final class VaultRoutes {

  private final SealService seal;
  private final Authenticator authenticator;
  private final Authorizer authorizer;
  private final SysRoutes sys;
  private final MountRouter mounts;
  private final KvRoutes kv;

  /**
   * @param seal the seal lifecycle (the gate)
   * @param authenticator token to grants
   * @param authorizer grants to a decision
   * @param sys the sys routes
   * @param mounts mount resolution
   * @param kv the KV v2 routes
   */
  public VaultRoutes(SealService seal, Authenticator authenticator, Authorizer authorizer, SysRoutes sys,
      MountRouter mounts, KvRoutes kv) {
    this.seal = seal;
    this.authenticator = authenticator;
    this.authorizer = authorizer;
    this.sys = sys;
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
    VaultRequest.Operation op = req.operation();
    return authenticator.authenticate(req.token()).thenCompose(token -> {
      authorizer.authorize(token, req.path(), op);
      if (req.path().startsWith("sys/")) {
        return sys.handle(req);
      }
      return mounts.resolve(req.path()).thenCompose(resolved -> {
        if (resolved.isEmpty()) {
          throw VaultException.noHandler(req.path());
        }
        return kv.handle(req, resolved.get().mount(), resolved.get().relativePath());
      });
    });
  }
}
