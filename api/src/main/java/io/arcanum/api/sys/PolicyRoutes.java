package io.arcanum.api.sys;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.arcanum.api.auth.Caller;
import io.arcanum.api.auth.PolicyCache;
import io.arcanum.api.auth.TokenService;
import io.arcanum.api.http.Json;
import io.arcanum.api.http.Replies;
import io.arcanum.api.http.VaultException;
import io.arcanum.api.http.VaultRequest;
import io.arcanum.api.http.VaultRequest.Operation;
import io.arcanum.api.http.VaultResponse;
import io.arcanum.domain.policy.Acl;
import io.arcanum.domain.policy.Capability;
import io.arcanum.domain.policy.Policy;
import io.arcanum.domain.policy.PolicyStore;
import io.arcanum.domain.token.Tokens;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

/**
 * ACL policy routes: {@code sys/policies/acl[/<name>]}, the legacy {@code sys/policy[/<name>]} that
 * Spring Vault and node-vault use, and {@code sys/capabilities}, {@code sys/capabilities-self}. A
 * write is parsed (HCL or JSON, plain or base64) before it reaches the policy actor, then every node
 * is told to recompile.
 */
public final class PolicyRoutes {

  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_.@\\-]{0,127}");

  private final PolicyCache cache;
  private final TokenService tokens;
  private final Duration timeout;

  /**
   * @param cache the node's compiled ACLs (and the policy actor behind them)
   * @param tokens to look up the token of {@code sys/capabilities}
   * @param timeout ask timeout
   */
  public PolicyRoutes(PolicyCache cache, TokenService tokens, Duration timeout) {
    this.cache = cache;
    this.tokens = tokens;
    this.timeout = timeout;
  }

  /**
   * @param req the request (authenticated and authorized)
   * @param caller the caller
   * @return the response
   */
  public CompletionStage<VaultResponse> handle(VaultRequest req, Caller caller) {
    String path = req.path();
    Operation op = req.operation();
    if (path.equals("sys/capabilities-self") || path.equals("sys/capabilities")) {
      if (op != Operation.WRITE) {
        throw VaultException.unsupportedOperation();
      }
      return capabilities(req, caller, path.equals("sys/capabilities-self"));
    }
    boolean legacy = path.startsWith("sys/policy");
    String base = legacy ? "sys/policy" : "sys/policies/acl";
    String rest = path.length() > base.length() ? path.substring(base.length()) : "";
    if (rest.isEmpty() || rest.equals("/")) {
      if (op != Operation.LIST && op != Operation.READ) {
        throw VaultException.unsupportedOperation();
      }
      return cache.policies().thenApply(all -> {
        ObjectNode d = Json.object();
        ArrayNode keys = d.putArray("keys");
        new TreeSet<>(all.keySet()).forEach(keys::add);
        keys.add(Policy.ROOT);
        if (legacy) {
          d.set("policies", keys.deepCopy());
        }
        return VaultResponse.sys(req.requestId(), d);
      });
    }
    String name = rest.substring(1).toLowerCase(Locale.ROOT);
    if (!NAME.matcher(name).matches()) {
      throw VaultException.badRequest("invalid policy name \"" + name + "\"");
    }
    switch (op) {
      case READ:
        return read(req, name, legacy);
      case WRITE:
        return write(req, name, legacy);
      case DELETE:
        CompletionStage<PolicyStore.Done> deleted = cache.store().askWithStatus(r -> new PolicyStore.Delete(name, r), timeout);
        return Replies.mapped(deleted).thenApply(d -> {
          cache.announceChange(name);
          return VaultResponse.noContent();
        });
      default:
        throw VaultException.unsupportedOperation();
    }
  }

  private CompletionStage<VaultResponse> read(VaultRequest req, String name, boolean legacy) {
    return cache.policies().thenApply(all -> {
      String text;
      if (name.equals(Policy.ROOT)) {
        text = "";
      } else if (all.containsKey(name)) {
        text = all.get(name).text();
      } else {
        throw VaultException.notFound();
      }
      ObjectNode d = Json.object();
      d.put("name", name);
      d.put(legacy ? "rules" : "policy", text);
      return VaultResponse.sys(req.requestId(), d);
    });
  }

  private CompletionStage<VaultResponse> write(VaultRequest req, String name, boolean legacy) {
    JsonNode body = Json.objectOrNull(req.body());
    String text = Json.stringField(body, "policy", null);
    if (text == null && legacy) {
      text = Json.stringField(body, "rules", null);
    }
    if (text == null) {
      throw VaultException.badRequest("'policy' parameter not supplied or empty");
    }
    if (name.equals(Policy.ROOT)) {
      throw VaultException.badRequest("cannot update \"root\" policy");
    }
    Policy parsed;
    try {
      parsed = Policy.parse(name, text);
    } catch (IllegalArgumentException e) {
      throw VaultException.badRequest(e.getMessage());
    }
    CompletionStage<PolicyStore.Done> put =
        cache.store().askWithStatus(r -> new PolicyStore.Put(name, parsed.text(), r), timeout);
    return Replies.mapped(put).thenApply(d -> {
      cache.announceChange(name);
      return VaultResponse.noContent();
    });
  }

  private CompletionStage<VaultResponse> capabilities(VaultRequest req, Caller caller, boolean self) {
    JsonNode body = Json.objectOrNull(req.body());
    List<String> paths = new ArrayList<>();
    JsonNode ps = body == null ? null : body.get("paths");
    if (ps != null && ps.isArray()) {
      ps.forEach(p -> paths.add(p.asText()));
    } else if (ps != null && ps.isTextual()) {
      for (String p : ps.textValue().split(",")) {
        paths.add(p.trim());
      }
    }
    String single = Json.stringField(body, "path", null);
    if (single != null) {
      paths.add(single);
    }
    if (paths.isEmpty()) {
      throw VaultException.badRequest("missing paths");
    }
    CompletionStage<List<String>> policies;
    if (self) {
      policies = java.util.concurrent.CompletableFuture.completedFuture(caller.view().info().policies());
    } else {
      String token = Json.stringField(body, "token", null);
      if (token == null || token.isEmpty()) {
        throw VaultException.badRequest("missing token");
      }
      policies = tokens.lookup(Tokens.hash(token)).exceptionally(e -> {
        throw VaultException.badRequest("invalid token");
      }).thenApply(v -> v.info().policies());
    }
    return policies.thenCompose(cache::acl).thenApply(acl -> {
      ObjectNode d = Json.object();
      List<String> all = new ArrayList<>();
      for (String p : paths) {
        String path = p.startsWith("/") ? p.substring(1) : p;
        List<String> caps = names(acl, path);
        ArrayNode arr = d.putArray(p);
        caps.forEach(arr::add);
        all.addAll(caps);
      }
      ArrayNode combined = d.putArray("capabilities");
      new TreeSet<>(all).forEach(combined::add);
      return VaultResponse.sys(req.requestId(), d);
    });
  }

  private static List<String> names(Acl acl, String path) {
    if (acl.isRoot()) {
      return List.of("root");
    }
    Set<Capability> caps = acl.capabilities(path);
    if (caps.isEmpty()) {
      return List.of("deny");
    }
    List<String> out = new ArrayList<>();
    caps.forEach(c -> out.add(c.wireName()));
    out.sort(null);
    return out;
  }
}
