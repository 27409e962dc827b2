package io.arcanum.api.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.arcanum.api.http.RouteTable.Access;
import io.arcanum.api.http.RouteTable.Endpoint;
import io.arcanum.api.http.RouteTable.Existence;
import io.arcanum.api.http.RouteTable.Route;
import io.arcanum.api.http.VaultRequest.Operation;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The route table against the lists it replaced (copied here as they were: the open paths of
 * SysRoutes, the unaudited paths of AuditService, the sudo and any-token lists of Authorizer, and the
 * dispatch chain of VaultRoutes and the sys, policy, token, audit and forensics routes), over every
 * operation on a corpus of paths: same open paths, same audited paths, same sudo decisions, same
 * existence checks, and the same handler, 404 or 405 for each path and operation.
 */
class RouteTableTest {

  private final RouteTable table = RouteTable.vault(false);

  // ---- the lists as they were ----

  private static final Set<String> OPEN_PATHS = Set.of("sys/init", "sys/unseal", "sys/seal-status", "sys/health",
      "sys/rekey/init", "sys/rekey/update");
  private static final Set<String> UNAUDITED = Set.of("sys/init", "sys/seal-status", "sys/seal", "sys/unseal",
      "sys/health", "sys/step-down", "sys/leader");
  private static final List<String> SUDO_EXACT = List.of("sys/audit", "sys/rotate", "sys/seal", "sys/step-down",
      "auth/token/create-orphan", "auth/token/revoke-orphan", "auth/token/accessors", "sys/mounts",
      "sys/forensics/verify", "sys/key-status", "sys/rotate/config");
  private static final List<String> SUDO_PREFIX = List.of("sys/audit/", "sys/audit-hash/", "sys/rekey/",
      "sys/mounts/", "auth/token/accessors/", "sys/forensics/");

  private static boolean oldAudited(String path) {
    return !UNAUDITED.contains(path) && !path.startsWith("sys/rekey");
  }

  private static boolean oldNeedsSudo(String path, Operation operation) {
    if ((path.equals("sys/mounts") || path.startsWith("sys/mounts/")) && operation == Operation.READ) {
      return false;
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

  private static String only(Operation op, String handler, Operation... allowed) {
    return List.of(allowed).contains(op) ? handler : "405";
  }

  /** What served a token-authenticated path and operation: a handler's name, 404 or 405. */
  private static String oldDispatch(String path, Operation op) {
    if (path.startsWith("auth/token/")) {
      switch (path.substring("auth/token/".length())) {
        case "create": return only(op, "TOKEN_CREATE", Operation.WRITE);
        case "create-orphan": return only(op, "TOKEN_CREATE_ORPHAN", Operation.WRITE);
        case "lookup-self": return only(op, "TOKEN_LOOKUP_SELF", Operation.READ, Operation.WRITE);
        case "lookup": return only(op, "TOKEN_LOOKUP", Operation.READ, Operation.WRITE);
        case "lookup-accessor": return only(op, "TOKEN_LOOKUP_ACCESSOR", Operation.WRITE);
        case "renew-self": return only(op, "TOKEN_RENEW_SELF", Operation.WRITE);
        case "renew": return only(op, "TOKEN_RENEW", Operation.WRITE);
        case "revoke-self": return only(op, "TOKEN_REVOKE_SELF", Operation.WRITE);
        case "revoke": return only(op, "TOKEN_REVOKE", Operation.WRITE);
        case "revoke-orphan": return only(op, "TOKEN_REVOKE_ORPHAN", Operation.WRITE);
        case "revoke-accessor": return only(op, "TOKEN_REVOKE_ACCESSOR", Operation.WRITE);
        default: return "404";
      }
    }
    if (path.startsWith("auth/")) {
      return "404";
    }
    if (path.startsWith("sys/internal/ui/mounts")) {
      return only(op, "UI_MOUNTS", Operation.READ);
    }
    if (path.equals("sys/policy") || path.startsWith("sys/policy/") || path.equals("sys/policies/acl")
        || path.startsWith("sys/policies/acl/") || path.equals("sys/capabilities")
        || path.equals("sys/capabilities-self")) {
      if (path.equals("sys/capabilities-self") || path.equals("sys/capabilities")) {
        return only(op, path.equals("sys/capabilities") ? "CAPABILITIES" : "CAPABILITIES_SELF", Operation.WRITE);
      }
      boolean legacy = path.startsWith("sys/policy");
      String base = legacy ? "sys/policy" : "sys/policies/acl";
      String rest = path.length() > base.length() ? path.substring(base.length()) : "";
      if (rest.isEmpty() || rest.equals("/")) {
        return only(op, legacy ? "LEGACY_POLICIES" : "POLICIES", Operation.LIST, Operation.READ);
      }
      return only(op, legacy ? "LEGACY_POLICY" : "POLICY", Operation.READ, Operation.WRITE, Operation.DELETE);
    }
    if (!path.startsWith("sys/")) {
      return "SECRETS";
    }
    if (path.equals("sys/seal")) {
      return only(op, "SEAL", Operation.WRITE);
    }
    if (path.equals("sys/audit") || path.startsWith("sys/audit/") || path.startsWith("sys/audit-hash/")) {
      if (path.equals("sys/audit") || path.equals("sys/audit/")) {
        return only(op, "AUDIT_DEVICES", Operation.READ);
      }
      if (path.startsWith("sys/audit-hash/")) {
        return only(op, "AUDIT_HASH", Operation.WRITE);
      }
      return only(op, "AUDIT_DEVICE", Operation.WRITE, Operation.DELETE);
    }
    if (path.startsWith("sys/forensics/")) {
      String rest = path.substring("sys/forensics/".length());
      if (rest.equals("verify")) {
        return only(op, "FORENSICS_VERIFY", Operation.WRITE);
      }
      if (rest.startsWith("timeline/")) {
        return only(op, "FORENSICS_TIMELINE", Operation.READ);
      }
      if (rest.startsWith("state/")) {
        return only(op, "FORENSICS_STATE", Operation.READ);
      }
      return "404";
    }
    switch (path) {
      case "sys/rotate": return only(op, "ROTATE", Operation.WRITE);
      case "sys/key-status": return only(op, "KEY_STATUS", Operation.READ);
      case "sys/rotate/config": return only(op, "ROTATE_CONFIG", Operation.READ, Operation.WRITE);
      case "sys/metrics": return only(op, "METRICS", Operation.READ);
      case "sys/mounts":
      case "sys/mounts/":
        return only(op, "MOUNTS", Operation.READ);
      default:
        break;
    }
    if (path.startsWith("sys/mounts/")) {
      if (path.substring("sys/mounts/".length()).endsWith("/tune")) {
        return only(op, "MOUNT_TUNE", Operation.READ, Operation.WRITE);
      }
      return only(op, "MOUNT", Operation.READ, Operation.WRITE, Operation.DELETE);
    }
    return "404";
  }

  private String newDispatch(String path, Operation op) {
    Route r = table.find(path);
    if (r.endpoint() == Endpoint.SECRETS) {
      return "SECRETS";
    }
    if (r.endpoint() == Endpoint.NONE) {
      return "404";
    }
    return r.serves(op) ? r.endpoint().name() : "405";
  }

  // ---- the corpus ----

  private static List<String> corpus() {
    Set<String> bases = new LinkedHashSet<>(List.of("", "sys", "auth", "secret", "secret/data/app", "nowhere/x",
        "sys/unknown", "sys/step-down", "sys/leader", "sys/rekey", "sys/rekey-recovery-key/init", "sys/sealx",
        "sys/mounts/secret/tune", "sys/mounts/tune", "sys/mounts/a/b/tune", "sys/mounts//tune", "sys/forensics",
        "sys/forensics/timeline/secret/a", "sys/forensics/state/secret/a", "sys/forensics/other",
        "sys/audit-hash", "sys/audit-hash/file", "sys/audit/file", "auth/token", "auth/token/unknown",
        "auth/userpass/login/x", "sys/policyx", "sys/policies", "sys/policies/acl/dev", "sys/policy/dev",
        "sys/internal/ui/mountsX", "sys/internal/ui/mounts/secret", "sys/capabilities-selfx", "sys/metricsx"));
    bases.addAll(OPEN_PATHS);
    bases.addAll(UNAUDITED);
    bases.addAll(SUDO_EXACT);
    SUDO_PREFIX.forEach(p -> bases.add(p.substring(0, p.length() - 1)));
    RouteTable.vault(false).routes().forEach(r -> bases.add(r.path()));
    List<String> paths = new ArrayList<>();
    for (String b : bases) {
      for (String suffix : List.of("", "/", "/x", "/x/y", "x", "/tune", "/x/tune")) {
        String p = b + suffix;
        if (!p.startsWith("/")) {
          paths.add(p);
        }
      }
    }
    return paths;
  }

  @Test
  void theTableDecidesAsTheListsDid() {
    int checked = 0;
    for (String path : corpus()) {
      Route route = table.find(path);
      if (OPEN_PATHS.contains(path)) {
        assertTrue(route.open(), path);
        assertFalse(route.audited(), path);
        continue;
      }
      assertFalse(route.open(), path);
      assertEquals(oldAudited(path), route.audited(), path);
      assertEquals(path.startsWith("sys/internal/ui/mounts"), route.access() == Access.ANY_TOKEN, path);
      assertEquals(path.startsWith("sys/") || path.startsWith("auth/") ? Existence.UPDATE : Existence.SECRET,
          route.existence(), path);
      assertEquals(!path.equals("sys/seal"), route.counted(), path);
      for (Operation op : Operation.values()) {
        String aclPath = op == Operation.LIST && !path.endsWith("/") ? path + "/" : path;
        assertEquals(oldNeedsSudo(aclPath, op), table.needsSudo(aclPath, op), () -> op + " " + path + " (sudo)");
        assertEquals(oldDispatch(path, op), newDispatch(path, op), () -> op + " " + path);
        checked++;
      }
    }
    assertTrue(checked > 1000, "the corpus covers " + checked + " path and operation pairs");
  }

  @Test
  void openRoutesServeTheirOperationsOnly() {
    assertTrue(table.find("sys/health").serves(Operation.HEAD));
    assertFalse(table.find("sys/unseal").serves(Operation.READ));
    assertEquals(Access.OPEN_UNSEALED, table.find("sys/rekey/init").access());
    assertEquals(Access.OPEN, table.find("sys/init").access());
  }

  @Test
  void metricsAreOpenOnlyWhenConfigured() {
    assertEquals(Access.ACL, table.find("sys/metrics").access());
    Route open = RouteTable.vault(true).find("sys/metrics");
    assertEquals(Access.OPEN, open.access());
    assertEquals(Endpoint.METRICS, open.endpoint());
    assertFalse(open.audited());
    assertEquals(Access.ACL, RouteTable.vault(true).find("sys/metrics/").access());
  }

  @Test
  void everyEndpointHasARoute() {
    Set<Endpoint> routed = new java.util.HashSet<>();
    table.routes().forEach(r -> routed.add(r.endpoint()));
    assertEquals(Set.of(Endpoint.values()), routed);
    assertEquals(Endpoint.SECRETS, table.find("anything/at/all").endpoint());
  }
}
