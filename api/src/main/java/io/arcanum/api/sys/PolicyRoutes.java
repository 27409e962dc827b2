package io.arcanum.api.sys;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.arcanum.api.auth.Caller;
import io.arcanum.api.auth.PolicyCache;
import io.arcanum.api.auth.TokenService;
import io.arcanum.api.http.Json;
import io.arcanum.api.http.VaultException;
import io.arcanum.api.http.VaultRequest;
import io.arcanum.api.http.VaultResponse;
import io.arcanum.api.outcome.Asks;
import io.arcanum.domain.policy.Acl;
import io.arcanum.domain.policy.Capability;
import io.arcanum.domain.policy.Policy;
import io.arcanum.domain.token.Tokens;
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
 * is told to recompile. Who may call each, and with which operations, is in
 * {@link io.arcanum.api.http.RouteTable}; a method is only called with those.
 */
public final class PolicyRoutes {

  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_.@\\-]{0,127}");

  private final PolicyCache cache;
  private final TokenService tokens;

  /**
   * @param cache the node's compiled ACLs (and the policy actor behind them)
   * @param tokens to look up the token of {@code sys/capabilities}
   */
  public PolicyRoutes(PolicyCache cache, TokenService tokens) {
    this.cache = cache;
    this.tokens = tokens;
  }

  /**
   * {@code sys/policies/acl} or the legacy {@code sys/policy}: every policy name, {@code root} included.
   *
   * @param req the request (READ or LIST, authorized)
   * @param legacy the legacy form (also answers {@code policies})
   * @return the response
   */
  public CompletionStage<VaultResponse> list(VaultRequest req, boolean legacy) {
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

  /**
   * {@code sys/policies/acl/<name>} or the legacy {@code sys/policy/<name>}: GET reads, PUT writes,
   * DELETE deletes a policy.
   *
   * @param req the request (READ, WRITE or DELETE, authorized)
   * @param legacy the legacy form ({@code rules} instead of {@code policy})
   * @return the response
   * @throws VaultException 400 for an invalid name or policy text
   */
  public CompletionStage<VaultResponse> policy(VaultRequest req, boolean legacy) {
    String base = legacy ? "sys/policy/" : "sys/policies/acl/";
    String name = req.path().substring(base.length()).toLowerCase(Locale.ROOT);
    if (!NAME.matcher(name).matches()) {
      throw VaultException.badRequest("invalid policy name \"" + name + "\"");
    }
    switch (req.operation()) {
      case READ:
        return read(req, name, legacy);
      case WRITE:
        return write(req, name, legacy);
      default:
        return cache.delete(name).thenApply(d -> VaultResponse.noContent());
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
    return cache.write(name, parsed.text()).thenApply(d -> VaultResponse.noContent());
  }

  /**
   * {@code sys/capabilities} (of a given token) and {@code sys/capabilities-self}.
   *
   * @param req the request (authorized)
   * @param caller the caller
   * @param self whether the caller's own token is meant
   * @return the capabilities on each path asked for
   * @throws VaultException 400 without paths, or (not self) without a valid token
   */
  public CompletionStage<VaultResponse> capabilities(VaultRequest req, Caller caller, boolean self) {
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
        throw TokenService.isUnknownToken(e) ? VaultException.badRequest("invalid token") : Asks.unwrapped(e);
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
