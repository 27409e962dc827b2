package io.arcanum.api.auth;

import io.arcanum.api.http.VaultException;
import io.arcanum.api.http.VaultRequest;
import io.arcanum.domain.policy.Acl;
import io.arcanum.domain.policy.Capability;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The one authorization step every authenticated route goes through: the token's policies give an
 * ACL ({@link PolicyCache}); the request's operation needs a capability on the request path, and
 * root-protected paths need {@code sudo} as well. Deny by default: 403 {@code permission denied}.
 *
 * <p>Operations map to capabilities as in Vault: GET/HEAD read, LIST list, DELETE delete, PATCH
 * patch, PUT/POST create when nothing exists at the path and update when something does (the
 * existence check is asked only when the ACL grants one of the two but not both).
 */
public final class Authorizer {

  /** Paths that need sudo on top of the operation's capability (prefixes end with '/'). */
  private static final List<String> SUDO_EXACT = List.of("sys/audit", "sys/rotate", "sys/seal", "sys/step-down",
      "auth/token/create-orphan", "auth/token/revoke-orphan", "auth/token/accessors", "sys/mounts",
      "sys/forensics/verify", "sys/key-status", "sys/rotate/config");
  private static final List<String> SUDO_PREFIX = List.of("sys/audit/", "sys/audit-hash/", "sys/rekey/",
      "sys/mounts/", "auth/token/accessors/", "sys/forensics/");

  /** Paths any valid token may call; the route shows only the mounts the token's ACL reaches, as Vault. */
  private static final List<String> ANY_TOKEN_PREFIX = List.of("sys/internal/ui/mounts");

  private final PolicyCache policies;

  /**
   * @param policies compiled ACLs of this node
   */
  public Authorizer(PolicyCache policies) {
    this.policies = policies;
  }

  /**
   * @param path a request path
   * @param operation its operation
   * @return whether the path is root-protected for that operation
   */
  public static boolean needsSudo(String path, VaultRequest.Operation operation) {
    if ((path.equals("sys/mounts") || path.startsWith("sys/mounts/")) && operation == VaultRequest.Operation.READ) {
      return false; // reading the mount table is not root-protected; changing it is
    }
    if (SUDO_EXACT.contains(path)) {
      return true;
    }
    for (String p : SUDO_PREFIX) {
      if (path.startsWith(p)) {
        return true;
      }
    }
    return false;
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
    for (String p : ANY_TOKEN_PREFIX) {
      if (path.startsWith(p)) {
        return CompletableFuture.completedFuture(null);
      }
    }
    VaultRequest.Operation op = req.operation();
    // as Vault: a list is of a folder, so the ACL is checked on the path with its trailing slash
    String aclPath = op == VaultRequest.Operation.LIST && !path.endsWith("/") ? path + "/" : path;
    return policies.acl(caller.view().info().policies()).thenCompose(acl -> check(acl, aclPath, op, exists));
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

  private static CompletionStage<Void> check(Acl acl, String path, VaultRequest.Operation op,
      Supplier<CompletionStage<Boolean>> exists) {
    Set<Capability> caps = acl.capabilities(path);
    if (needsSudo(path, op) && !caps.contains(Capability.SUDO)) {
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
