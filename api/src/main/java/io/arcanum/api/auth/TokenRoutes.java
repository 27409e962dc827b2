package io.arcanum.api.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.arcanum.api.http.Json;
import io.arcanum.api.http.VaultException;
import io.arcanum.api.http.VaultRequest;
import io.arcanum.api.http.VaultResponse;
import io.arcanum.api.outcome.Asks;
import io.arcanum.domain.policy.Capability;
import io.arcanum.domain.policy.Policy;
import io.arcanum.domain.token.TokenEntry;
import io.arcanum.domain.token.Tokens;
import io.arcanum.domain.util.GoDuration;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The token routes, {@code auth/token/...}, in Vault's wire format (VAULT-API.md, "Tokens"): one
 * public method per endpoint of {@link io.arcanum.api.http.RouteTable} (which states who may call it
 * and with which operations), each validating the body, asking the token store, and shaping Vault's
 * {@code auth} block or lookup {@code data}.
 */
public final class TokenRoutes {

  private final TokenService tokens;
  private final Authorizer authorizer;
  private final PolicyCache policies;
  private final Clock clock;

  /**
   * @param tokens the token store
   * @param authorizer for the extra checks some fields need ({@code id}, {@code no_parent})
   * @param policies to warn about policies that do not exist
   * @param clock the clock
   */
  public TokenRoutes(TokenService tokens, Authorizer authorizer, PolicyCache policies, Clock clock) {
    this.tokens = tokens;
    this.authorizer = authorizer;
    this.policies = policies;
    this.clock = clock;
  }

  /**
   * {@code auth/token/create} and {@code auth/token/create-orphan}.
   *
   * @param req the request (authorized on its path)
   * @param caller the caller (the parent, unless orphan)
   * @param orphanPath whether it is {@code create-orphan}
   * @return the new token's {@code auth} block
   * @throws VaultException 400 for invalid fields or fields that need root or sudo
   */
  public CompletionStage<VaultResponse> create(VaultRequest req, Caller caller, boolean orphanPath) {
    return create(req, caller, Json.objectOrNull(req.body()), orphanPath);
  }

  /**
   * {@code auth/token/lookup-self}.
   *
   * @param req the request
   * @param caller the caller
   * @return the caller's token
   */
  public CompletionStage<VaultResponse> lookupSelf(VaultRequest req, Caller caller) {
    Json.objectOrNull(req.body()); // a body, when there is one, must be a JSON object (as on every token route)
    return CompletableFuture.completedFuture(lookupReply(req, caller.view(), caller.token()));
  }

  /**
   * {@code auth/token/lookup} ({@code token}).
   *
   * @param req the request
   * @return the token; 400 {@code bad token} when it is not live
   */
  public CompletionStage<VaultResponse> lookup(VaultRequest req) {
    String token = requiredString(Json.objectOrNull(req.body()), "token");
    return tokens.lookup(Tokens.hash(token)).exceptionally(e -> {
      throw badToken(e);
    }).thenApply(v -> lookupReply(req, v, token));
  }

  /**
   * {@code auth/token/lookup-accessor} ({@code accessor}).
   *
   * @param req the request
   * @return the token (without its id); 400 {@code invalid accessor} or {@code bad token}
   */
  public CompletionStage<VaultResponse> lookupAccessor(VaultRequest req) {
    String accessor = requiredString(Json.objectOrNull(req.body()), "accessor");
    return tokens.resolveAccessor(accessor).thenCompose(tokens::lookup).exceptionally(e -> {
      throw badToken(e);
    }).thenApply(v -> lookupReply(req, v, ""));
  }

  /**
   * {@code auth/token/renew-self} ({@code increment}).
   *
   * @param req the request
   * @param caller the caller
   * @return the renewed token's {@code auth} block
   */
  public CompletionStage<VaultResponse> renewSelf(VaultRequest req, Caller caller) {
    Duration inc = increment(Json.objectOrNull(req.body()));
    return tokens.renew(caller.tokenHash(), inc).exceptionally(e -> {
      throw TokenService.isUnknownToken(e) ? VaultException.permissionDenied() : Asks.unwrapped(e);
    }).thenApply(v -> authReply(req, caller.token(), v));
  }

  /**
   * {@code auth/token/renew} ({@code token}, {@code increment}).
   *
   * @param req the request
   * @return the renewed token's {@code auth} block; 400 {@code bad token} when it is not live
   */
  public CompletionStage<VaultResponse> renew(VaultRequest req) {
    JsonNode body = Json.objectOrNull(req.body());
    String token = requiredString(body, "token");
    Duration inc = increment(body);
    return tokens.renew(Tokens.hash(token), inc).exceptionally(e -> {
      throw badToken(e);
    }).thenApply(v -> authReply(req, token, v));
  }

  /**
   * {@code auth/token/revoke-self}.
   *
   * @param req the request
   * @param caller the caller
   * @return 204 once the token and its subtree are revoked
   */
  public CompletionStage<VaultResponse> revokeSelf(VaultRequest req, Caller caller) {
    Json.objectOrNull(req.body()); // a body, when there is one, must be a JSON object (as on every token route)
    return tokens.revoke(caller.tokenHash(), false).thenApply(v -> VaultResponse.noContent());
  }

  /**
   * {@code auth/token/revoke} and {@code auth/token/revoke-orphan} ({@code token}).
   *
   * @param req the request
   * @param orphanChildren {@code revoke-orphan}: the token's children survive
   * @return 204 once revoked
   */
  public CompletionStage<VaultResponse> revoke(VaultRequest req, boolean orphanChildren) {
    String token = requiredString(Json.objectOrNull(req.body()), "token");
    return tokens.revoke(Tokens.hash(token), orphanChildren).thenApply(v -> VaultResponse.noContent());
  }

  /**
   * {@code auth/token/revoke-accessor} ({@code accessor}).
   *
   * @param req the request
   * @return 204 once revoked; 400 {@code invalid accessor}
   */
  public CompletionStage<VaultResponse> revokeAccessor(VaultRequest req) {
    String accessor = requiredString(Json.objectOrNull(req.body()), "accessor");
    return tokens.resolveAccessor(accessor).thenCompose(h -> tokens.revoke(h, false))
        .thenApply(v -> VaultResponse.noContent());
  }

  private CompletionStage<VaultResponse> create(VaultRequest req, Caller caller, JsonNode body, boolean orphanPath) {
    String type = Json.stringField(body, "type", "service");
    if (type.equals("batch")) {
      throw VaultException.badRequest("batch tokens are not supported by this server");
    }
    if (!type.equals("service") && !type.equals("default")) {
      throw VaultException.badRequest("unsupported token type \"" + type + "\"");
    }
    String id = Json.stringField(body, "id", null);
    boolean noParent = Json.boolField(body, "no_parent", false);
    boolean noDefault = Json.boolField(body, "no_default_policy", false);
    boolean renewable = Json.boolField(body, "renewable", true);
    int numUses = Json.intField(body, "num_uses", 0);
    if (numUses < 0) {
      throw VaultException.badRequest("number of uses cannot be negative");
    }
    Duration ttl = duration(body, "ttl");
    Duration explicitMax = duration(body, "explicit_max_ttl");
    Duration period = duration(body, "period");
    Map<String, String> meta = meta(body);
    String displayName = displayName(Json.stringField(body, "display_name", ""));
    List<String> requested = policyList(body == null ? null : body.get("policies"));

    TokenEntry.Info parent = caller.view().info();
    boolean parentRoot = caller.isRoot();
    if (parent.numUses() > 0) {
      throw VaultException.badRequest("restricted use token cannot generate child tokens");
    }
    List<String> pols;
    if (requested == null) {
      pols = new ArrayList<>(parent.policies());
    } else {
      pols = requested;
      if (!parentRoot) {
        for (String p : requested) {
          if (!p.equals(Policy.DEFAULT) && !parent.policies().contains(p)) {
            throw VaultException.badRequest("child policies must be subset of parent");
          }
        }
      }
    }
    TreeSet<String> finalPolicies = new TreeSet<>(pols);
    if (noDefault) {
      finalPolicies.remove(Policy.DEFAULT);
    } else if (!finalPolicies.contains(Policy.ROOT)) {
      finalPolicies.add(Policy.DEFAULT);
    }
    if (finalPolicies.isEmpty()) {
      throw VaultException.badRequest("token must have at least one policy");
    }

    CompletionStage<Boolean> sudo = parentRoot ? CompletableFuture.completedFuture(true)
        : authorizer.has(caller, req.path(), Capability.SUDO);
    return sudo.thenCompose(isSudo -> {
      if (id != null && !isSudo) {
        throw VaultException.badRequest("root or sudo privileges required to specify token id");
      }
      if (noParent && !isSudo) {
        throw VaultException.badRequest("root or sudo privileges required to create orphan token");
      }
      if (period != null && !period.isZero() && !isSudo) {
        throw VaultException.badRequest("root or sudo privileges required to create periodic token");
      }
      if (id != null && (id.isEmpty() || id.length() > 256)) {
        throw VaultException.badRequest("token id must be between 1 and 256 characters");
      }
      boolean orphan = orphanPath || (noParent && isSudo);
      Duration effectiveTtl = ttl != null ? ttl
          : finalPolicies.contains(Policy.ROOT) && period == null ? Duration.ZERO : TokenEntry.SYSTEM_MAX_TTL;
      Instant now = clock.instant();
      if (!orphan && caller.view().expireTime() != null) {
        Duration left = Duration.between(now, caller.view().expireTime());
        // a child never outlives its parent
        if (effectiveTtl.isZero() || effectiveTtl.compareTo(left) > 0) {
          effectiveTtl = left.isNegative() ? Duration.ZERO : left;
        }
      }
      String token = id != null ? id : Tokens.newToken();
      TokenEntry.Info info = new TokenEntry.Info(Tokens.newAccessor(), List.copyOf(finalPolicies), displayName, meta,
          now, effectiveTtl, explicitMax == null ? Duration.ZERO : explicitMax,
          period == null ? Duration.ZERO : period, numUses, renewable, orphan ? null : caller.tokenHash(),
          orphanPath ? "auth/token/create-orphan" : "auth/token/create");
      return tokens.create(token, info).thenCompose(view -> policies.policies().thenApply(known -> {
        VaultResponse r = authReply(req, token, view);
        List<String> missing = new ArrayList<>();
        for (String p : finalPolicies) {
          if (!p.equals(Policy.ROOT) && !known.containsKey(p)) {
            missing.add("Policy \"" + p + "\" does not exist");
          }
        }
        if (!missing.isEmpty()) {
          ArrayNode w = ((ObjectNode) r.body()).putArray("warnings");
          missing.forEach(w::add);
        }
        return r;
      }));
    });
  }

  private VaultResponse authReply(VaultRequest req, String token, TokenEntry.View v) {
    ObjectNode env = VaultResponse.envelope(req.requestId(), null, "token");
    ObjectNode auth = env.putObject("auth");
    auth.put("client_token", token);
    auth.put("accessor", v.info().accessor());
    ArrayNode p = auth.putArray("policies");
    v.info().policies().forEach(p::add);
    ArrayNode tp = auth.putArray("token_policies");
    v.info().policies().forEach(tp::add);
    auth.putNull("identity_policies");
    auth.set("metadata", metaJson(v.info().meta()));
    auth.put("lease_duration", v.ttlSeconds(clock.instant()));
    auth.put("renewable", v.info().renewable() && v.expireTime() != null);
    auth.put("entity_id", "");
    auth.put("token_type", "service");
    auth.put("orphan", v.info().orphan());
    auth.putNull("mfa_requirement");
    auth.put("num_uses", v.info().numUses());
    return new VaultResponse(200, env);
  }

  private VaultResponse lookupReply(VaultRequest req, TokenEntry.View v, String id) {
    Instant now = clock.instant();
    TokenEntry.Info i = v.info();
    ObjectNode d = Json.object();
    d.put("accessor", i.accessor());
    d.put("creation_time", i.createdTime().getEpochSecond());
    d.put("creation_ttl", i.creationTtl().getSeconds());
    d.put("display_name", i.displayName());
    d.put("entity_id", "");
    if (v.expireTime() == null) {
      d.putNull("expire_time");
    } else {
      d.put("expire_time", v.expireTime().toString());
    }
    d.put("explicit_max_ttl", i.explicitMaxTtl().getSeconds());
    d.put("id", id);
    d.put("issue_time", i.createdTime().toString());
    d.set("meta", metaJson(i.meta()));
    d.put("num_uses", i.numUses() == 0 ? 0 : v.usesLeft());
    d.put("orphan", i.orphan());
    d.put("path", i.path());
    if (!i.period().isZero()) {
      d.put("period", i.period().getSeconds());
    }
    ArrayNode p = d.putArray("policies");
    i.policies().forEach(p::add);
    d.put("renewable", i.renewable() && v.expireTime() != null);
    d.put("ttl", v.ttlSeconds(now));
    d.put("type", "service");
    return VaultResponse.ok(req.requestId(), d, "token");
  }

  private static JsonNode metaJson(Map<String, String> meta) {
    if (meta == null || meta.isEmpty()) {
      return Json.MAPPER.getNodeFactory().nullNode();
    }
    ObjectNode o = Json.object();
    new TreeMap<>(meta).forEach(o::put);
    return o;
  }

  /** A token that is not live is Vault's 400 {@code bad token} on these routes; other failures pass. */
  private static RuntimeException badToken(Throwable e) {
    return TokenService.isUnknownToken(e) ? VaultException.badRequest("bad token") : Asks.unwrapped(e);
  }

  private static String requiredString(JsonNode body, String field) {
    String v = Json.stringField(body, field, null);
    if (v == null || v.isEmpty()) {
      throw VaultException.badRequest("missing " + field);
    }
    return v;
  }

  private static Duration increment(JsonNode body) {
    return duration(body, "increment");
  }

  /**
   * Reads a duration field: Go syntax or integer seconds.
   *
   * @param body the body
   * @param field the field
   * @return the duration, or null when absent or empty
   */
  static Duration duration(JsonNode body, String field) {
    JsonNode v = body == null ? null : body.get(field);
    if (v == null || v.isNull() || (v.isTextual() && v.textValue().isEmpty())) {
      return null;
    }
    try {
      if (v.isIntegralNumber()) {
        return GoDuration.ofSeconds(v.canConvertToLong() ? v.longValue() : -1);
      }
      if (v.isTextual()) {
        return GoDuration.parse(v.textValue());
      }
    } catch (IllegalArgumentException e) {
      // falls through
    }
    throw VaultException.badRequest("error converting input for field \"" + field + "\": expected a duration");
  }

  private static Map<String, String> meta(JsonNode body) {
    JsonNode m = body == null ? null : body.get("meta");
    if (m == null || m.isNull()) {
      return Map.of();
    }
    if (!m.isObject()) {
      throw VaultException.badRequest("error converting input for field \"meta\": expected a map of strings");
    }
    Map<String, String> out = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isValueNode() || e.getValue().isNull()) {
        throw VaultException.badRequest("error converting input for field \"meta\": expected a map of strings");
      }
      out.put(e.getKey(), e.getValue().asText());
    }
    return Map.copyOf(out);
  }

  /**
   * Reads a policy list: a JSON array or a comma-separated string; names are trimmed and lower-cased.
   *
   * @param node the field
   * @return the names, or null when absent
   */
  static List<String> policyList(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    List<String> out = new ArrayList<>();
    if (node.isArray()) {
      for (JsonNode n : node) {
        if (!n.isTextual()) {
          throw VaultException.badRequest("error converting input for field \"policies\": expected a list of strings");
        }
        add(out, n.textValue());
      }
    } else if (node.isTextual()) {
      for (String s : node.textValue().split(",")) {
        add(out, s);
      }
    } else {
      throw VaultException.badRequest("error converting input for field \"policies\": expected a list of strings");
    }
    return out;
  }

  private static void add(List<String> out, String name) {
    String n = name.trim().toLowerCase(Locale.ROOT);
    if (!n.isEmpty() && !out.contains(n)) {
      out.add(n);
    }
  }

  private static String displayName(String name) {
    if (name == null || name.isEmpty()) {
      return "token";
    }
    String cleaned = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
    return "token-" + cleaned;
  }
}
