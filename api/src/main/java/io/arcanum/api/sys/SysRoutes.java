package io.arcanum.api.sys;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.arcanum.api.http.Json;
import io.arcanum.api.http.VaultException;
import io.arcanum.api.http.VaultRequest;
import io.arcanum.api.http.VaultRequest.Operation;
import io.arcanum.api.http.VaultResponse;
import io.arcanum.api.kv.MountRouter;
import io.arcanum.api.outcome.Asks;
import io.arcanum.api.outcome.Failure;
import io.arcanum.domain.Refusal;
import io.arcanum.domain.Rejected;
import io.arcanum.domain.mount.MountTable;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

/**
 * The {@code sys/} routes of the seal lifecycle, metrics and mounts, in Vault's wire format
 * (VAULT-API.md, "sys"): each public method serves one endpoint of {@link io.arcanum.api.http.RouteTable},
 * which states who may call it and with which operations (a method is only called with those).
 * Init, unseal, seal-status and health need no token and work while sealed; the rest is authorized
 * first.
 */
public final class SysRoutes {

  private static final Pattern HEX = Pattern.compile("(?:[0-9a-fA-F]{2})+");
  private static final Set<String> RESERVED_MOUNTS = Set.of("sys/", "auth/", "cubbyhole/", "identity/");

  private final SealService seal;
  private final MountRouter mounts;
  private final io.arcanum.api.kv.MountPurger purger;
  private io.arcanum.api.metrics.Metrics metrics;
  private volatile StorageHealth storage;
  private final ServerInfo info;
  private final Clock clock;

  /**
   * @param seal the seal lifecycle
   * @param mounts the mount table access
   * @param purger deletes a disabled mount's data
   * @param info identity strings
   * @param clock the clock (for server_time_utc and mount times)
   */
  public SysRoutes(SealService seal, MountRouter mounts, io.arcanum.api.kv.MountPurger purger, ServerInfo info,
      Clock clock) {
    this.seal = seal;
    this.mounts = mounts;
    this.purger = purger;
    this.info = info;
    this.clock = clock;
  }

  /**
   * {@code sys/init}: GET whether initialized, PUT initialize.
   *
   * @param req the request (READ or WRITE)
   * @return the response
   */
  public CompletionStage<VaultResponse> init(VaultRequest req) {
    if (req.operation() == Operation.READ) {
      return seal.stored().thenApply(st -> VaultResponse.raw(Json.object().put("initialized", st.initialized())));
    }
    return initialize(req);
  }

  /**
   * {@code sys/seal-status}.
   *
   * @param req the request
   * @return the response
   */
  public CompletionStage<VaultResponse> sealStatus(VaultRequest req) {
    return seal.status().thenApply(s -> VaultResponse.raw(sealStatus(s)));
  }

  /**
   * {@code sys/seal}: seals this node.
   *
   * @param req the request
   * @return 204 once the node sealed
   */
  public CompletionStage<VaultResponse> seal(VaultRequest req) {
    return seal.seal().thenApply(v -> VaultResponse.noContent());
  }

  /**
   * {@code sys/metrics?format=prometheus}.
   *
   * @param req the request
   * @return the Prometheus text
   * @throws VaultException 400 for another format
   */
  public CompletionStage<VaultResponse> metrics(VaultRequest req) {
    if (!"prometheus".equals(req.query().get("format"))) {
      throw VaultException.badRequest("only format=prometheus is supported");
    }
    return java.util.concurrent.CompletableFuture.completedFuture(VaultResponse.prometheus(metrics.scrape()));
  }

  /**
   * {@code sys/mounts}: the mount table.
   *
   * @param req the request
   * @return the response
   */
  public CompletionStage<VaultResponse> mounts(VaultRequest req) {
    return mounts.refresh().thenApply(m -> VaultResponse.sys(req.requestId(), mountList(m)));
  }

  /**
   * {@code sys/mounts/<path>}: GET reads, POST enables, DELETE disables a mount.
   *
   * @param req the request (READ, WRITE or DELETE)
   * @return the response
   */
  public CompletionStage<VaultResponse> mount(VaultRequest req) {
    String rest = req.path().substring("sys/mounts/".length());
    switch (req.operation()) {
      case WRITE:
        return enableMount(req, rest);
      case DELETE:
        return disableMount(normalizeMountPath(rest));
      default:
        return withMount(normalizeMountPath(rest), m -> VaultResponse.sys(req.requestId(), mountJson(m)));
    }
  }

  /**
   * {@code sys/mounts/<path>/tune}: GET reads, POST changes a mount's settings.
   *
   * @param req the request (READ or WRITE)
   * @return the response
   */
  public CompletionStage<VaultResponse> tune(VaultRequest req) {
    String rest = req.path().substring("sys/mounts/".length());
    return tune(req, req.operation(), normalizeMountPath(rest.substring(0, rest.length() - "/tune".length())));
  }

  /**
   * @param m the node's metrics, served by {@code sys/metrics?format=prometheus}
   * @return this
   */
  public SysRoutes withMetrics(io.arcanum.api.metrics.Metrics m) {
    this.metrics = m;
    return this;
  }

  /**
   * @param h the storage probe {@code sys/health} reports (without one, storage counts as available)
   * @return this
   */
  public SysRoutes withStorageHealth(StorageHealth h) {
    this.storage = h;
    return this;
  }

  /**
   * {@code sys/internal/ui/mounts[/<path>]}: the mounts the caller's ACL reaches; a path under no
   * mount, or under a mount the ACL does not reach, is 403 (so it cannot be used to discover mounts).
   *
   * @param req the request
   * @param acl the caller's ACL
   * @return the response
   */
  public CompletionStage<VaultResponse> internalUiMounts(VaultRequest req, io.arcanum.domain.policy.Acl acl) {
    String path = req.path();
    if (path.equals("sys/internal/ui/mounts") || path.equals("sys/internal/ui/mounts/")) {
      return mounts.refresh().thenApply(m -> {
        java.util.Map<String, MountTable.Mount> visible = new TreeMap<>();
        m.forEach((p, mount) -> {
          if (acl.reaches(p)) {
            visible.put(p, mount);
          }
        });
        ObjectNode d = Json.object();
        d.set("secret", mountList(visible));
        d.putObject("auth");
        return VaultResponse.ok(req.requestId(), d, "system");
      });
    }
    String target = path.substring("sys/internal/ui/mounts/".length());
    return mounts.resolve(target).thenApply(r -> {
      if (r.isEmpty() || !acl.reaches(r.get().mount().path())) {
        throw VaultException.permissionDenied();
      }
      ObjectNode d = mountJson(r.get().mount());
      d.put("path", r.get().mount().path());
      return VaultResponse.ok(req.requestId(), d, "system");
    });
  }

  private CompletionStage<VaultResponse> initialize(VaultRequest req) {
    JsonNode body = Json.objectOrNull(req.body());
    JsonNode pgp = body == null ? null : body.get("pgp_keys");
    if (pgp != null && !pgp.isNull() && !(pgp.isArray() && pgp.isEmpty())) {
      throw VaultException.badRequest("pgp_keys are not supported by this server");
    }
    int shares = Json.intField(body, "secret_shares", 5);
    int threshold = Json.intField(body, "secret_threshold", 3);
    refuseUnsupportedInitFields(body);
    validateShares(shares, threshold);
    return seal.initialize(shares, threshold).thenApply(init -> {
      ObjectNode out = Json.object();
      ArrayNode hex = out.putArray("keys");
      ArrayNode b64 = out.putArray("keys_base64");
      for (byte[] s : init.unsealShares()) {
        hex.add(HexFormat.of().formatHex(s));
        b64.add(Base64.getEncoder().encodeToString(s));
      }
      out.put("root_token", init.rootToken());
      return VaultResponse.raw(out);
    });
  }

  /**
   * Refuses what a Shamir-sealed server cannot honour in an init body, as Vault does for its Shamir seal.
   *
   * @param body the init body, or null
   * @throws VaultException 400 naming the field
   */
  private static void refuseUnsupportedInitFields(JsonNode body) {
    if (body == null) {
      return;
    }
    JsonNode rootPgp = body.get("root_token_pgp_key");
    if (rootPgp != null && !rootPgp.isNull() && !(rootPgp.isTextual() && rootPgp.textValue().isEmpty())) {
      throw VaultException.badRequest("root_token_pgp_key is not supported by this server");
    }
    if (Json.intField(body, "stored_shares", 0) != 0) {
      throw VaultException.badRequest("stored keys are not supported by the current seal type");
    }
    if (Json.intField(body, "recovery_shares", 0) != 0 || Json.intField(body, "recovery_threshold", 0) != 0) {
      throw VaultException.badRequest("parameters recovery_shares,recovery_threshold not applicable to seal type shamir");
    }
    JsonNode recoveryPgp = body.get("recovery_pgp_keys");
    if (recoveryPgp != null && !recoveryPgp.isNull() && !(recoveryPgp.isArray() && recoveryPgp.isEmpty())) {
      throw VaultException.badRequest("parameters recovery_pgp_keys not applicable to seal type shamir");
    }
  }

  /**
   * Checks a share configuration as Vault does: {@code 1 <= threshold <= shares <= 255}, and a
   * threshold of at least 2 when there are several shares.
   *
   * @param shares number of shares
   * @param threshold shares needed
   * @throws VaultException 400 with Vault's message
   */
  static void validateShares(int shares, int threshold) {
    if (shares < 1) {
      throw VaultException.badRequest("invalid seal configuration: shares must be at least one");
    }
    if (threshold < 1) {
      throw VaultException.badRequest("invalid seal configuration: threshold must be at least one");
    }
    if (shares > 1 && threshold == 1) {
      throw VaultException.badRequest("invalid seal configuration: threshold must be greater than one for multiple shares");
    }
    if (shares > 255) {
      throw VaultException.badRequest("invalid seal configuration: shares must be less than 256");
    }
    if (threshold > shares) {
      throw VaultException.badRequest("invalid seal configuration: threshold cannot be larger than shares");
    }
  }

  /**
   * {@code sys/unseal}: one key share, or {@code reset}.
   *
   * @param req the request
   * @return the seal status after it
   * @throws VaultException 400 for a missing or malformed key
   */
  public CompletionStage<VaultResponse> unseal(VaultRequest req) {
    JsonNode body = Json.objectOrNull(req.body());
    if (Json.boolField(body, "reset", false)) {
      seal.resetProgress();
      return seal.status().thenApply(s -> VaultResponse.raw(unsealBody(s)));
    }
    String key = Json.stringField(body, "key", null);
    if (key == null || key.isEmpty()) {
      throw VaultException.badRequest("'key' must be specified in request body as JSON, or 'reset' set to true");
    }
    byte[] share = decodeShare(key.trim());
    return seal.unseal(share).thenApply(s -> VaultResponse.raw(unsealBody(s)));
  }

  /**
   * Decodes an unseal key share given in hex or base64, as Vault accepts both.
   *
   * @param key the share as text
   * @return the share bytes
   * @throws VaultException 400 when it is neither
   */
  static byte[] decodeShare(String key) {
    byte[] share = null;
    if (key.length() <= 200 && HEX.matcher(key).matches()) {
      share = HexFormat.of().parseHex(key);
    } else if (key.length() <= 200) {
      try {
        share = Base64.getDecoder().decode(key);
      } catch (IllegalArgumentException e) {
        // falls through
      }
    }
    if (share == null || share.length == 0) {
      throw VaultException.badRequest("'key' must be a valid hex or base64 string");
    }
    if (share.length != SHARE_BYTES) {
      // Vault refuses a key of the wrong size before it counts towards progress
      throw VaultException.badRequest("invalid key: an unseal key share is " + SHARE_BYTES + " bytes, got " + share.length);
    }
    return share;
  }

  /** Bytes of an unseal key share: the 32-byte share value and its 1-byte x coordinate. */
  static final int SHARE_BYTES = 33;

  /**
   * {@code sys/health}, from memory: Vault's codes and body, plus {@code storage_available}. An
   * initialized, unsealed node whose storage does not answer is {@code storageunavailablecode} (503 by
   * default): it can serve nothing but this and {@code sys/seal-status}, and a load balancer should send
   * clients elsewhere (docs/operations.md). Vault's status code query parameters apply.
   *
   * @param req the request (READ, or HEAD for the status alone)
   * @return the response
   * @throws VaultException 400 for a status parameter that is not an HTTP status
   */
  public CompletionStage<VaultResponse> health(VaultRequest req) {
    boolean head = req.operation() == Operation.HEAD;
    int activeCode = code(req, "activecode", 200);
    int sealedCode = code(req, "sealedcode", 503);
    int uninitCode = code(req, "uninitcode", 501);
    int storageUnavailableCode = code(req, "storageunavailablecode", 503);
    code(req, "standbycode", 429);
    code(req, "perfstandbycode", 473);
    StorageHealth h = storage;
    boolean storageAvailable = h == null || h.available();
    return seal.status().thenApply(s -> {
      int status = !s.initialized() ? uninitCode : s.sealed() ? sealedCode
          : storageAvailable ? activeCode : storageUnavailableCode;
      ObjectNode b = Json.object();
      b.put("initialized", s.initialized());
      b.put("sealed", s.sealed());
      b.put("standby", false);
      b.put("performance_standby", false);
      b.put("replication_performance_mode", "disabled");
      b.put("replication_dr_mode", "disabled");
      b.put("server_time_utc", clock.instant().getEpochSecond());
      b.put("version", info.version());
      if (s.initialized()) {
        b.put("cluster_name", info.clusterName());
        b.put("cluster_id", s.clusterId());
      }
      b.put("storage_available", storageAvailable);
      return new VaultResponse(status, head ? null : b);
    });
  }

  private static int code(VaultRequest req, String param, int dflt) {
    String v = req.query().get(param);
    if (v == null || v.isEmpty()) {
      return dflt;
    }
    try {
      int c = Integer.parseInt(v);
      if (c >= 100 && c <= 599) {
        return c;
      }
    } catch (NumberFormatException e) {
      // falls through
    }
    throw VaultException.badRequest("invalid value for \"" + param + "\": expected an HTTP status code");
  }

  private ObjectNode sealStatus(SealService.Status s) {
    ObjectNode b = Json.object();
    b.put("type", "shamir");
    b.put("initialized", s.initialized());
    b.put("sealed", s.sealed());
    b.put("t", s.threshold());
    b.put("n", s.shares());
    b.put("progress", s.progress());
    b.put("nonce", s.nonce());
    b.put("version", info.version());
    b.put("build_date", info.buildDate());
    b.put("migration", false);
    if (s.initialized()) {
      b.put("cluster_name", info.clusterName());
      b.put("cluster_id", s.clusterId());
    }
    b.put("recovery_seal", false);
    b.put("storage_type", info.storageType());
    return b;
  }

  private ObjectNode unsealBody(SealService.Status s) {
    return sealStatus(s);
  }

  private ObjectNode mountList(Map<String, MountTable.Mount> table) {
    ObjectNode data = Json.object();
    for (MountTable.Mount m : new TreeMap<>(table).values()) {
      data.set(m.path(), mountJson(m));
    }
    return data;
  }

  /**
   * @param m a mount
   * @return its description as {@code sys/mounts} lists it
   */
  public static ObjectNode mountJson(MountTable.Mount m) {
    ObjectNode o = Json.object();
    o.put("accessor", m.accessor());
    ObjectNode config = o.putObject("config");
    config.put("default_lease_ttl", m.defaultLeaseTtl().getSeconds());
    config.put("force_no_cache", false);
    config.put("max_lease_ttl", m.maxLeaseTtl().getSeconds());
    o.put("description", m.description());
    o.put("external_entropy_access", false);
    o.put("local", false);
    o.putObject("options").put("version", m.version());
    o.put("plugin_version", "");
    o.put("running_plugin_version", "");
    o.put("running_sha256", "");
    o.put("seal_wrap", false);
    o.put("type", m.type());
    o.put("uuid", m.uuid());
    return o;
  }

  private static String normalizeMountPath(String raw) {
    return raw.endsWith("/") ? raw : raw + "/";
  }

  private CompletionStage<VaultResponse> withMount(String path,
      java.util.function.Function<MountTable.Mount, VaultResponse> f) {
    return mounts.refresh().thenApply(all -> {
      MountTable.Mount m = all.get(path);
      if (m == null) {
        throw VaultException.badRequest("cannot find mount at \"" + path + "\"");
      }
      return f.apply(m);
    });
  }

  private CompletionStage<VaultResponse> disableMount(String path) {
    return mounts.disable(path).thenCompose(removed -> {
      removed.ifPresent(purger::purge);
      return mounts.refresh();
    }).thenApply(m -> VaultResponse.noContent());
  }

  private CompletionStage<VaultResponse> tune(VaultRequest req, Operation op, String path) {
    if (op == Operation.READ) {
      return withMount(path, m -> {
        ObjectNode d = Json.object();
        d.put("default_lease_ttl", m.defaultLeaseTtl().getSeconds());
        d.put("max_lease_ttl", m.maxLeaseTtl().getSeconds());
        d.put("force_no_cache", false);
        d.put("description", m.description());
        d.putObject("options").put("version", m.version());
        return VaultResponse.sys(req.requestId(), d);
      });
    }
    JsonNode body = Json.objectOrNull(req.body());
    String description = Json.stringField(body, "description", null);
    java.time.Duration dlt = ttl(body, "default_lease_ttl");
    java.time.Duration mlt = ttl(body, "max_lease_ttl");
    JsonNode options = body == null ? null : body.get("options");
    if (options != null && options.isObject() && options.hasNonNull("version")
        && !options.get("version").asText().equals("2")) {
      throw VaultException.badRequest("only KV version 2 is supported: options.version cannot be changed");
    }
    return mounts.tune(path, description, dlt, mlt).exceptionally(e -> {
      if (Asks.refusal(e) == Refusal.NO_MOUNT) {
        throw new Failure.Refused(new Rejected(Refusal.NO_MOUNT, "cannot find mount at \"" + path + "\""));
      }
      throw Asks.unwrapped(e);
    }).thenCompose(m -> mounts.refresh()).thenApply(m -> VaultResponse.noContent());
  }

  private static java.time.Duration ttl(JsonNode body, String field) {
    JsonNode v = body == null ? null : body.get(field);
    if (v == null || v.isNull() || (v.isTextual() && (v.textValue().isEmpty() || v.textValue().equals("system")))) {
      return null;
    }
    try {
      if (v.isIntegralNumber()) {
        return io.arcanum.domain.util.GoDuration.ofSeconds(v.canConvertToLong() ? v.longValue() : -1);
      }
      if (v.isTextual()) {
        return io.arcanum.domain.util.GoDuration.parse(v.textValue());
      }
    } catch (IllegalArgumentException e) {
      // falls through
    }
    throw VaultException.badRequest("error converting input for field \"" + field + "\": expected a duration");
  }

  private CompletionStage<VaultResponse> enableMount(VaultRequest req, String rawPath) {
    String path = rawPath.endsWith("/") ? rawPath : rawPath + "/";
    if (path.equals("/") || path.startsWith("/") || path.contains("//") || path.contains("..")) {
      throw VaultException.badRequest("invalid mount path \"" + rawPath + "\"");
    }
    for (String reserved : RESERVED_MOUNTS) {
      if (path.startsWith(reserved)) {
        throw VaultException.badRequest("cannot mount under reserved path \"" + reserved + "\"");
      }
    }
    JsonNode body = Json.objectOrNull(req.body());
    String type = Json.stringField(body, "type", "");
    String description = Json.stringField(body, "description", "");
    JsonNode options = body == null ? null : body.get("options");
    String version = "1";
    if (options != null && !options.isNull()) {
      if (!options.isObject()) {
        throw VaultException.badRequest("error converting input for field \"options\": expected a JSON object");
      }
      JsonNode v = options.get("version");
      if (v != null && !v.isNull()) {
        version = v.asText();
      }
    }
    if (type.equals("kv-v2")) {
      type = "kv";
      version = "2";
    }
    if (type.isEmpty()) {
      throw VaultException.badRequest("plugin not found in the catalog: ");
    }
    if (!type.equals("kv")) {
      throw VaultException.badRequest("plugin not found in the catalog: " + type);
    }
    if (!version.equals("2")) {
      throw VaultException.badRequest("only KV version 2 is supported: set options.version to \"2\"");
    }
    MountTable.Mount mount = MountTable.Mount.kv2(path, UUID.randomUUID().toString(),
        "kv_" + UUID.randomUUID().toString().substring(0, 8), description, clock.instant());
    return mounts.enable(mount)
        .thenCompose(m -> mounts.refresh())
        .thenApply(m -> VaultResponse.noContent());
  }
}
