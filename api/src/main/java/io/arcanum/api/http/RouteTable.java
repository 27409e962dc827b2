package io.arcanum.api.http;

import static io.arcanum.api.http.VaultRequest.Operation.DELETE;
import static io.arcanum.api.http.VaultRequest.Operation.HEAD;
import static io.arcanum.api.http.VaultRequest.Operation.LIST;
import static io.arcanum.api.http.VaultRequest.Operation.READ;
import static io.arcanum.api.http.VaultRequest.Operation.WRITE;

import io.arcanum.api.http.VaultRequest.Operation;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Every route of the API and what it takes, in one place: the path it answers (exact, or a prefix),
 * the operations it serves (others are 405 {@code unsupported operation}), who may call it (no token
 * at all, any valid token, or a token whose ACL grants the operation's capability), whether it also
 * needs {@code sudo} (Vault's root-protected paths), whether it is audited, and how a write is told
 * apart as create or update for the ACL (its existence check). {@link VaultRoutes} serves a request
 * by reading its route here; nothing else keeps a list of paths.
 *
 * <p>The first route whose path matches wins; the last one takes every path (the mount holding it).
 * Sources: VAULT-API.md (unauthenticated and unaudited paths, sudo), Vault's {@code sys} and
 * {@code token_store.go} root paths, and docs/compatibility.md for where Arcanum asks for more
 * ({@code sudo} on changes to {@code sys/mounts}). Vault paths Arcanum does not serve but whose
 * properties still matter (unaudited, root-protected) are listed as {@link Endpoint#NONE}: once
 * authorized, they answer 404.
 */
public final class RouteTable {

  /** What serves a route ({@link VaultRoutes} maps each to its handler). */
  public enum Endpoint {
    /** {@code sys/init}: GET status, PUT initialize. */
    INIT,
    /** {@code sys/unseal}. */
    UNSEAL,
    /** {@code sys/seal-status}. */
    SEAL_STATUS,
    /** {@code sys/health}. */
    HEALTH,
    /** {@code sys/rekey/init}: GET status, PUT start, DELETE cancel. */
    REKEY_INIT,
    /** {@code sys/rekey/update}. */
    REKEY_UPDATE,
    /** {@code sys/seal}. */
    SEAL,
    /** {@code sys/metrics?format=prometheus}. */
    METRICS,
    /** {@code sys/mounts}: the mount table. */
    MOUNTS,
    /** {@code sys/mounts/<path>}: read, enable, disable a mount. */
    MOUNT,
    /** {@code sys/mounts/<path>/tune}. */
    MOUNT_TUNE,
    /** {@code sys/internal/ui/mounts[/<path>]}: the mounts the caller's ACL reaches. */
    UI_MOUNTS,
    /** {@code sys/audit}: the audit devices. */
    AUDIT_DEVICES,
    /** {@code sys/audit/<path>}: enable, disable a device. */
    AUDIT_DEVICE,
    /** {@code sys/audit-hash/<path>}. */
    AUDIT_HASH,
    /** {@code sys/forensics/verify}. */
    FORENSICS_VERIFY,
    /** {@code sys/forensics/timeline/<mount>/<path>}. */
    FORENSICS_TIMELINE,
    /** {@code sys/forensics/state/<mount>/<path>}. */
    FORENSICS_STATE,
    /** {@code sys/rotate}. */
    ROTATE,
    /** {@code sys/rotate/config}. */
    ROTATE_CONFIG,
    /** {@code sys/key-status}. */
    KEY_STATUS,
    /** {@code sys/policies/acl}: the policy names. */
    POLICIES,
    /** {@code sys/policies/acl/<name>}. */
    POLICY,
    /** {@code sys/policy}: the policy names (legacy form, Spring Vault and node-vault). */
    LEGACY_POLICIES,
    /** {@code sys/policy/<name>} (legacy form). */
    LEGACY_POLICY,
    /** {@code sys/capabilities}. */
    CAPABILITIES,
    /** {@code sys/capabilities-self}. */
    CAPABILITIES_SELF,
    /** {@code auth/token/create}. */
    TOKEN_CREATE,
    /** {@code auth/token/create-orphan}. */
    TOKEN_CREATE_ORPHAN,
    /** {@code auth/token/lookup-self}. */
    TOKEN_LOOKUP_SELF,
    /** {@code auth/token/lookup}. */
    TOKEN_LOOKUP,
    /** {@code auth/token/lookup-accessor}. */
    TOKEN_LOOKUP_ACCESSOR,
    /** {@code auth/token/renew-self}. */
    TOKEN_RENEW_SELF,
    /** {@code auth/token/renew}. */
    TOKEN_RENEW,
    /** {@code auth/token/revoke-self}. */
    TOKEN_REVOKE_SELF,
    /** {@code auth/token/revoke}. */
    TOKEN_REVOKE,
    /** {@code auth/token/revoke-orphan}. */
    TOKEN_REVOKE_ORPHAN,
    /** {@code auth/token/revoke-accessor}. */
    TOKEN_REVOKE_ACCESSOR,
    /** Any other path: the secrets engine mounted there (KV v2), whose routes pick the operation. */
    SECRETS,
    /** Nothing serves it: 404 {@code no handler for route} once authorized. */
    NONE
  }

  /** Who may call a route, and when. */
  public enum Access {
    /** No token; served while sealed too (never audited, never ACL-checked). */
    OPEN,
    /** No token, but only while unsealed: a threshold of unseal key shares is the credential (rekey). */
    OPEN_UNSEALED,
    /** Any valid token, no ACL check: the route itself shows only what the caller's ACL reaches. */
    ANY_TOKEN,
    /** A valid token whose ACL grants the operation's capability on the path (deny by default). */
    ACL
  }

  /** Whether a route is root-protected: its caller's ACL must grant {@code sudo} as well. */
  public enum Sudo {
    /** Never. */
    NEVER,
    /** For every operation. */
    ALWAYS,
    /** For every operation but a read (GET): changing the mount table needs sudo, reading it does not. */
    CHANGES
  }

  /**
   * How a write (PUT/POST) is told apart as {@code create} or {@code update} for the ACL, when the
   * ACL grants only one of them.
   */
  public enum Existence {
    /** No existence check: a write is an update, as Vault treats paths whose backend has none. */
    UPDATE,
    /** The mount holding the path answers (a KV secret exists once it has metadata); no mount: create. */
    SECRET
  }

  /**
   * One route.
   *
   * @param path the path it answers, under {@code /v1/}: the whole path when {@code exact}, else a
   *     prefix ({@code ""} takes every path)
   * @param exact whether {@code path} must match whole
   * @param suffix for a prefix route, what the rest of the path must end with ({@code "/tune"}), or null
   * @param endpoint what serves it
   * @param operations the operations it serves; others are 405
   * @param access who may call it
   * @param sudo whether its caller also needs {@code sudo}
   * @param audited whether its requests and responses are recorded in the audit journal
   * @param counted whether a request counts as in flight for a seal to wait for ({@code sys/seal} does
   *     not: the seal it asks for waits for the others)
   * @param existence how a write is told apart as create or update
   */
  public record Route(String path, boolean exact, String suffix, Endpoint endpoint, Set<Operation> operations,
      Access access, Sudo sudo, boolean audited, boolean counted, Existence existence) {

    /**
     * @param requestPath a request path under {@code /v1/}
     * @return whether this route answers it
     */
    public boolean matches(String requestPath) {
      if (exact) {
        return requestPath.equals(path);
      }
      return requestPath.startsWith(path)
          && (suffix == null || requestPath.substring(path.length()).endsWith(suffix));
    }

    /**
     * @param op an operation
     * @return whether this route serves it
     */
    public boolean serves(Operation op) {
      return operations.contains(op);
    }

    /**
     * @param op an operation
     * @return whether a caller needs {@code sudo} for it here
     */
    public boolean needsSudo(Operation op) {
      return sudo == Sudo.ALWAYS || (sudo == Sudo.CHANGES && op != READ);
    }

    /** @return whether it is served without a token */
    public boolean open() {
      return access == Access.OPEN || access == Access.OPEN_UNSEALED;
    }

    Route withAccess(Access a) {
      return new Route(path, exact, suffix, endpoint, operations, a, sudo, audited, counted, existence);
    }

    Route withSudo(Sudo s) {
      return new Route(path, exact, suffix, endpoint, operations, access, s, audited, counted, existence);
    }

    Route unaudited() {
      return new Route(path, exact, suffix, endpoint, operations, access, sudo, false, counted, existence);
    }

    Route uncounted() {
      return new Route(path, exact, suffix, endpoint, operations, access, sudo, audited, false, existence);
    }

    Route ending(String end) {
      return new Route(path, exact, end, endpoint, operations, access, sudo, audited, counted, existence);
    }

    Route existence(Existence e) {
      return new Route(path, exact, suffix, endpoint, operations, access, sudo, audited, counted, e);
    }
  }

  private static final Set<Operation> ANY = EnumSet.allOf(Operation.class);

  private final List<Route> routes;

  private RouteTable(List<Route> routes) {
    this.routes = List.copyOf(routes);
  }

  /**
   * Vault's routes as Arcanum serves them.
   *
   * @param unauthenticatedMetrics whether {@code sys/metrics} is served without a token (Vault's
   *     {@code telemetry.unauthenticated_metrics_access}, {@code arcanum.metrics.unauthenticated})
   * @return the table
   */
  public static RouteTable vault(boolean unauthenticatedMetrics) {
    Route metrics = exact("sys/metrics", Endpoint.METRICS, READ);
    return new RouteTable(List.of(
        // ---- served without a token, also while sealed; not audited (VAULT-API.md) ----
        exact("sys/init", Endpoint.INIT, READ, WRITE).withAccess(Access.OPEN).unaudited(),
        exact("sys/unseal", Endpoint.UNSEAL, WRITE).withAccess(Access.OPEN).unaudited(),
        exact("sys/seal-status", Endpoint.SEAL_STATUS, READ).withAccess(Access.OPEN).unaudited(),
        exact("sys/health", Endpoint.HEALTH, READ, HEAD).withAccess(Access.OPEN).unaudited(),
        exact("sys/rekey/init", Endpoint.REKEY_INIT, READ, WRITE, DELETE).withAccess(Access.OPEN_UNSEALED).unaudited(),
        exact("sys/rekey/update", Endpoint.REKEY_UPDATE, WRITE).withAccess(Access.OPEN_UNSEALED).unaudited(),
        unauthenticatedMetrics ? metrics.withAccess(Access.OPEN).unaudited() : metrics,

        // ---- sys: the seal, and Vault's unaudited paths Arcanum does not serve ----
        exact("sys/seal", Endpoint.SEAL, WRITE).withSudo(Sudo.ALWAYS).unaudited().uncounted(),
        exact("sys/step-down", Endpoint.NONE, ANY).withSudo(Sudo.ALWAYS).unaudited(),
        exact("sys/leader", Endpoint.NONE, ANY).unaudited(),
        prefix("sys/rekey/", Endpoint.NONE, ANY).withSudo(Sudo.ALWAYS).unaudited(),
        prefix("sys/rekey", Endpoint.NONE, ANY).unaudited(),

        // ---- sys: audit devices and forensics (root-protected) ----
        exact("sys/audit", Endpoint.AUDIT_DEVICES, READ).withSudo(Sudo.ALWAYS),
        exact("sys/audit/", Endpoint.AUDIT_DEVICES, READ).withSudo(Sudo.ALWAYS),
        prefix("sys/audit/", Endpoint.AUDIT_DEVICE, WRITE, DELETE).withSudo(Sudo.ALWAYS),
        prefix("sys/audit-hash/", Endpoint.AUDIT_HASH, WRITE).withSudo(Sudo.ALWAYS),
        exact("sys/forensics/verify", Endpoint.FORENSICS_VERIFY, WRITE).withSudo(Sudo.ALWAYS),
        prefix("sys/forensics/timeline/", Endpoint.FORENSICS_TIMELINE, READ).withSudo(Sudo.ALWAYS),
        prefix("sys/forensics/state/", Endpoint.FORENSICS_STATE, READ).withSudo(Sudo.ALWAYS),
        prefix("sys/forensics/", Endpoint.NONE, ANY).withSudo(Sudo.ALWAYS),

        // ---- sys: keys (root-protected) ----
        exact("sys/rotate", Endpoint.ROTATE, WRITE).withSudo(Sudo.ALWAYS),
        exact("sys/rotate/config", Endpoint.ROTATE_CONFIG, READ, WRITE).withSudo(Sudo.ALWAYS),
        exact("sys/key-status", Endpoint.KEY_STATUS, READ).withSudo(Sudo.ALWAYS),

        // ---- sys: mounts (changes root-protected) ----
        exact("sys/mounts", Endpoint.MOUNTS, READ).withSudo(Sudo.CHANGES),
        exact("sys/mounts/", Endpoint.MOUNTS, READ).withSudo(Sudo.CHANGES),
        prefix("sys/mounts/", Endpoint.MOUNT_TUNE, READ, WRITE).ending("/tune").withSudo(Sudo.CHANGES),
        prefix("sys/mounts/", Endpoint.MOUNT, READ, WRITE, DELETE).withSudo(Sudo.CHANGES),
        prefix("sys/internal/ui/mounts", Endpoint.UI_MOUNTS, READ).withAccess(Access.ANY_TOKEN),

        // ---- sys: policies ----
        exact("sys/policies/acl", Endpoint.POLICIES, READ, LIST),
        exact("sys/policies/acl/", Endpoint.POLICIES, READ, LIST),
        prefix("sys/policies/acl/", Endpoint.POLICY, READ, WRITE, DELETE),
        exact("sys/policy", Endpoint.LEGACY_POLICIES, READ, LIST),
        exact("sys/policy/", Endpoint.LEGACY_POLICIES, READ, LIST),
        prefix("sys/policy/", Endpoint.LEGACY_POLICY, READ, WRITE, DELETE),
        exact("sys/capabilities", Endpoint.CAPABILITIES, WRITE),
        exact("sys/capabilities-self", Endpoint.CAPABILITIES_SELF, WRITE),
        prefix("sys/", Endpoint.NONE, ANY),

        // ---- tokens (Vault's token_store.go; root-protected: revoke-orphan, accessors, and create-orphan,
        //      see docs/compatibility.md) ----
        exact("auth/token/create", Endpoint.TOKEN_CREATE, WRITE),
        exact("auth/token/create-orphan", Endpoint.TOKEN_CREATE_ORPHAN, WRITE).withSudo(Sudo.ALWAYS),
        exact("auth/token/lookup-self", Endpoint.TOKEN_LOOKUP_SELF, READ, WRITE),
        exact("auth/token/lookup", Endpoint.TOKEN_LOOKUP, READ, WRITE),
        exact("auth/token/lookup-accessor", Endpoint.TOKEN_LOOKUP_ACCESSOR, WRITE),
        exact("auth/token/renew-self", Endpoint.TOKEN_RENEW_SELF, WRITE),
        exact("auth/token/renew", Endpoint.TOKEN_RENEW, WRITE),
        exact("auth/token/revoke-self", Endpoint.TOKEN_REVOKE_SELF, WRITE),
        exact("auth/token/revoke", Endpoint.TOKEN_REVOKE, WRITE),
        exact("auth/token/revoke-orphan", Endpoint.TOKEN_REVOKE_ORPHAN, WRITE).withSudo(Sudo.ALWAYS),
        exact("auth/token/revoke-accessor", Endpoint.TOKEN_REVOKE_ACCESSOR, WRITE),
        exact("auth/token/accessors", Endpoint.NONE, ANY).withSudo(Sudo.ALWAYS),
        prefix("auth/token/accessors/", Endpoint.NONE, ANY).withSudo(Sudo.ALWAYS),
        prefix("auth/", Endpoint.NONE, ANY),

        // ---- everything else: the mount holding the path; its engine's routes pick the operation ----
        prefix("", Endpoint.SECRETS, ANY).existence(Existence.SECRET)));
  }

  private static Route exact(String path, Endpoint endpoint, Operation... ops) {
    return new Route(path, true, null, endpoint, ops(ops), Access.ACL, Sudo.NEVER, true, true, Existence.UPDATE);
  }

  private static Route prefix(String path, Endpoint endpoint, Operation... ops) {
    return new Route(path, false, null, endpoint, ops(ops), Access.ACL, Sudo.NEVER, true, true, Existence.UPDATE);
  }

  private static Route prefix(String path, Endpoint endpoint, Set<Operation> ops) {
    return new Route(path, false, null, endpoint, ops, Access.ACL, Sudo.NEVER, true, true, Existence.UPDATE);
  }

  private static Route exact(String path, Endpoint endpoint, Set<Operation> ops) {
    return new Route(path, true, null, endpoint, ops, Access.ACL, Sudo.NEVER, true, true, Existence.UPDATE);
  }

  private static Set<Operation> ops(Operation... ops) {
    return Set.copyOf(EnumSet.of(ops[0], ops));
  }

  /**
   * @param path a request path under {@code /v1/}
   * @return the route that answers it (the first that matches; every path has one)
   */
  public Route find(String path) {
    for (Route r : routes) {
      if (r.matches(path)) {
        return r;
      }
    }
    throw new IllegalStateException("the route table has no route for every path");
  }

  /**
   * Whether an operation on a path is root-protected. As Vault decides it, this is asked of the path
   * the ACL sees: a LIST's path with its trailing slash ({@code LIST sys/audit} is checked as
   * {@code sys/audit/}).
   *
   * @param aclPath the path as the ACL sees it
   * @param op the operation
   * @return whether the caller needs {@code sudo} as well
   */
  public boolean needsSudo(String aclPath, Operation op) {
    return find(aclPath).needsSudo(op);
  }

  /** @return every route, in the order they are matched */
  public List<Route> routes() {
    return routes;
  }
}
