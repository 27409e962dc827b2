package io.arcanum.api.auth;

import io.arcanum.api.http.RouteTable;
import io.arcanum.api.http.VaultException;
import io.arcanum.api.http.VaultRequest;
import io.arcanum.domain.policy.Acl;
import io.arcanum.domain.policy.Capability;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The one authorization step every route that needs an ACL goes through: the token's policies give
 * an ACL ({@link PolicyCache}); the request's operation needs a capability on the request path, and
 * root-protected paths ({@link RouteTable}) need {@code sudo} as well. Deny by default: 403
 * {@code permission denied}.
 *
 * <p>Operations map to capabilities as in Vault: GET/HEAD read, LIST list, DELETE delete, PATCH
 * patch, PUT/POST create when nothing exists at the path and update when something does (the
 * existence check is asked only when the ACL grants one of the two but not both).
 */
public final class Authorizer {

  private final PolicyCache policies;
  private final RouteTable routes;

  /**
   * @param policies compiled ACLs of this node
   * @param routes which paths are root-protected
   */
  public Authorizer(PolicyCache policies, RouteTable routes) {
    this.policies = policies;
    this.routes = routes;
  }

  /**
   * Authorizes a request.
   *
   * @param caller the authenticated caller
   * @param req the request
   * @param exists answers whether something exists at the path (asked only when needed)
   * @return completes normally when allowed
   * @throws VaultException (in the stage) 403 {@code permission denied} when not
   */
  public CompletionStage<Void> authorize(Caller caller, VaultRequest req, Supplier<CompletionStage<Boolean>> exists) {
    String path = req.path();
    VaultRequest.Operation op = req.operation();
    // as Vault: a list is of a folder, so the ACL is checked on the path with its trailing slash
    String aclPath = op == VaultRequest.Operation.LIST && !path.endsWith("/") ? path + "/" : path;
    boolean sudo = routes.needsSudo(aclPath, op);
    return policies.acl(caller.view().info().policies()).thenCompose(acl -> check(acl, aclPath, op, sudo, exists));
  }

  /**
   * @param caller the caller
   * @param path a path
   * @param capability a capability
   * @return whether the caller's ACL grants it (for routes that need a further check, e.g. token {@code id})
   */
  public CompletionStage<Boolean> has(Caller caller, String path, Capability capability) {
    return policies.acl(caller.view().info().policies()).thenApply(acl -> acl.allows(path, capability));
  }

  /**
   * @param caller the caller
   * @return the caller's compiled ACL
   */
  public CompletionStage<Acl> acl(Caller caller) {
    return policies.acl(caller.view().info().policies());
  }

  private static CompletionStage<Void> check(Acl acl, String path, VaultRequest.Operation op, boolean sudo,
      Supplier<CompletionStage<Boolean>> exists) {
    Set<Capability> caps = acl.capabilities(path);
    if (sudo && !caps.contains(Capability.SUDO)) {
      throw VaultException.permissionDenied();
    }
    switch (op) {
      case READ:
      case HEAD:
        return require(caps, Capability.READ);
      case LIST:
        return require(caps, Capability.LIST);
      case DELETE:
        return require(caps, Capability.DELETE);
      case PATCH:
        return require(caps, Capability.PATCH);
      default:
        boolean create = caps.contains(Capability.CREATE);
        boolean update = caps.contains(Capability.UPDATE);
        if (create && update) {
          return CompletableFuture.completedFuture(null);
        }
        if (!create && !update) {
          throw VaultException.permissionDenied();
        }
        return exists.get().thenAccept(e -> {
          if (e ? !update : !create) {
            throw VaultException.permissionDenied();
          }
        });
    }
  }

  private static CompletionStage<Void> require(Set<Capability> caps, Capability c) {
    if (!caps.contains(c)) {
      throw VaultException.permissionDenied();
    }
    return CompletableFuture.completedFuture(null);
  }
}
