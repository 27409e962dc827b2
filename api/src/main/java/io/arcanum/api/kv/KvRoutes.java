package io.arcanum.api.kv;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.arcanum.api.auth.Caller;
import io.arcanum.api.http.Json;
import io.arcanum.api.http.Served;
import io.arcanum.api.http.VaultException;
import io.arcanum.api.http.VaultRequest;
import io.arcanum.api.http.VaultRequest.Operation;
import io.arcanum.api.http.VaultResponse;
import io.arcanum.api.kv.KvService.Settled;
import io.arcanum.api.kv.KvService.Target;
import io.arcanum.domain.kv.CustomMetadata;
import io.arcanum.domain.kv.KvProtocol;
import io.arcanum.domain.kv.KvProtocol.Origin;
import io.arcanum.domain.kv.KvProtocol.VersionInfo;
import io.arcanum.domain.mount.MountTable;
import io.arcanum.domain.util.GoDuration;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * KV version 2 routes of one mount, in Vault's wire format (VAULT-API.md, "KV version 2"): they
 * parse the request and render the answer; {@link KvService} decides. The area after the mount path
 * ({@code data}, {@code metadata}, {@code delete}, {@code undelete}, {@code destroy}, {@code subkeys},
 * {@code config}) and the operation pick a handler.
 *
 * <p>A handler that changes something receives {@code recorded}, which completes once the request's
 * audit record is durable: the service makes no change before it (it only prepares what no client can
 * see). Its answer is a {@link Served} whose reply waits for what must come with the change (the
 * listing, shredding). A change's reply carries no secret material (a version's metadata, or no
 * content), so it does not wait for its response record; reads do.
 */
public final class KvRoutes {

  /** The media type a data PATCH must use, as Vault requires. */
  public static final String MERGE_PATCH = "application/merge-patch+json";

  private final KvService kv;
  private final MountRouter mounts;

  /**
   * @param kv the KV service
   * @param mounts the mount table (for the mount's {@code config})
   */
  public KvRoutes(KvService kv, MountRouter mounts) {
    this.kv = kv;
    this.mounts = mounts;
  }

  /**
   * @param req the request (authenticated and authorized)
   * @param caller the caller (its accessor goes into the events, for forensics)
   * @param mount the KV v2 mount holding it
   * @param rel the path relative to the mount, e.g. {@code data/app/db}
   * @param recorded completes once the request's audit record is durable (already complete for reads)
   * @return the response
   * @throws VaultException for a malformed request
   */
  public CompletionStage<Served> handle(VaultRequest req, Caller caller, MountTable.Mount mount, String rel,
      CompletionStage<Void> recorded) {
    Operation op = req.operation();
    Origin origin = new Origin(req.requestId(), caller.view().info().accessor());
    if (rel.equals("config")) {
      return recorded.thenCompose(v -> Served.of(config(req, op, mount)));
    }
    int slash = rel.indexOf('/');
    String area = slash < 0 ? rel : rel.substring(0, slash);
    String path = slash < 0 ? "" : rel.substring(slash + 1);
    if (area.equals("metadata") && op == Operation.LIST) {
      return Served.of(list(req, mount, path));
    }
    if (!List.of("data", "metadata", "delete", "undelete", "destroy", "subkeys").contains(area)
        || path.isEmpty() || path.endsWith("/")) {
      throw VaultException.notFound("unsupported path");
    }
    checkPath(path);
    Target t = new Target(mount.uuid(), path, mount.path() + "data/" + path);
    KvProtocol.MountConfig config = mount.kvConfig();
    switch (area) {
      case "data":
        switch (op) {
          case READ:
            return Served.of(read(req, t));
          case WRITE: {
            JsonNode body = Json.objectOrNull(req.body());
            return versionWritten(req, kv.write(t, dataField(body), cas(body), config, origin, recorded));
          }
          case PATCH: {
            requireMergePatch(req);
            JsonNode body = Json.objectOrNull(req.body());
            return versionWritten(req, kv.patch(t, dataField(body), cas(body), config, origin, recorded));
          }
          case DELETE:
            return noContent(kv.deleteVersions(t, List.of(), origin, recorded));
          default:
            throw VaultException.unsupportedOperation();
        }
      case "metadata":
        switch (op) {
          case READ:
            return Served.of(readMetadata(req, t));
          case WRITE:
            return noContent(kv.writeMetadata(t, metadataChange(req, false), config, origin, recorded));
          case PATCH:
            requireMergePatch(req);
            return noContent(kv.writeMetadata(t, metadataChange(req, true), config, origin, recorded));
          case DELETE:
            return noContent(kv.deleteMetadata(t, origin, recorded));
          default:
            throw VaultException.unsupportedOperation();
        }
      case "delete":
        requireWrite(op);
        return noContent(kv.deleteVersions(t, versions(req.body()), origin, recorded));
      case "undelete":
        requireWrite(op);
        return noContent(kv.undeleteVersions(t, versions(req.body()), origin, recorded));
      case "destroy":
        requireWrite(op);
        return noContent(kv.destroyVersions(t, versions(req.body()), origin, recorded));
      default: // subkeys
        if (op != Operation.READ) {
          throw VaultException.unsupportedOperation();
        }
        return Served.of(subkeys(req, t));
    }
  }

  /**
   * Whether something exists at a KV path, for the create/update distinction of ACLs: a data or
   * metadata path exists when the key has metadata; other paths always count as existing.
   *
   * @param mount the mount
   * @param rel the path relative to the mount
   * @return whether it exists
   */
  public CompletionStage<Boolean> exists(MountTable.Mount mount, String rel) {
    int slash = rel.indexOf('/');
    String area = slash < 0 ? rel : rel.substring(0, slash);
    String path = slash < 0 ? "" : rel.substring(slash + 1);
    if (!(area.equals("data") || area.equals("metadata")) || path.isEmpty() || path.endsWith("/")) {
      return CompletableFuture.completedFuture(true);
    }
    return kv.exists(new Target(mount.uuid(), path, mount.path() + area + "/" + path));
  }

  /** A change's reply: the new version's metadata, no secret material (its response record is not awaited). */
  private static CompletionStage<Served> versionWritten(VaultRequest req, CompletionStage<Settled<VersionInfo>> written) {
    return written.thenApply(w -> Served.withoutSecret(
        VaultResponse.ok(req.requestId(), versionMetadata(w.value(), null), "kv"), w.settled()));
  }

  /** A change's reply without content: no secret material. */
  private static CompletionStage<Served> noContent(CompletionStage<Settled<Void>> done) {
    return done.thenApply(d -> Served.withoutSecret(VaultResponse.noContent(), d.settled()));
  }

  private static void requireMergePatch(VaultRequest req) {
    if (!MERGE_PATCH.equalsIgnoreCase(req.contentType())) {
      throw new VaultException(415, List.of("PATCH requires Content-Type: " + MERGE_PATCH));
    }
  }

  // ---- data ----

  private CompletionStage<VaultResponse> read(VaultRequest req, Target t) {
    Integer version = queryInt(req, "version");
    return kv.read(t, version).thenApply(result -> {
      if (result.info() == null) {
        throw VaultException.notFound();
      }
      ObjectNode data = Json.object();
      data.set("data", result.data());
      data.set("metadata", versionMetadata(result.info(), result.customMetadata()));
      VaultResponse ok = VaultResponse.ok(req.requestId(), data, "kv");
      // A deleted or destroyed version is a 404 whose body still carries its metadata, as in Vault.
      return result.data() == null ? new VaultResponse(404, ok.body()) : ok;
    });
  }

  private static JsonNode dataField(JsonNode body) {
    JsonNode data = body == null ? null : body.get("data");
    if (data == null || data.isNull()) {
      throw VaultException.badRequest("no data provided");
    }
    if (!data.isObject()) {
      throw VaultException.badRequest("error converting input for field \"data\": expected a JSON object");
    }
    return data;
  }

  private static Integer cas(JsonNode body) {
    JsonNode options = body.get("options");
    if (options == null || options.isNull()) {
      return null;
    }
    if (!options.isObject()) {
      throw VaultException.badRequest("error converting input for field \"options\": expected a JSON object");
    }
    if (!options.has("cas") || options.get("cas").isNull()) {
      return null;
    }
    int cas = Json.intField(options, "cas", 0);
    if (cas < 0) {
      throw VaultException.badRequest("error converting input for field \"cas\": must not be negative");
    }
    return cas;
  }

  // ---- metadata ----

  private CompletionStage<VaultResponse> readMetadata(VaultRequest req, Target t) {
    return kv.metadata(t).thenApply(m -> {
      if (!m.exists()) {
        throw VaultException.notFound();
      }
      ObjectNode d = Json.object();
      d.put("cas_required", m.casRequired());
      d.put("created_time", time(m.createdTime()));
      d.put("current_version", m.currentVersion());
      d.set("custom_metadata", customMetadata(m.customMetadata()));
      d.put("delete_version_after", GoDuration.format(m.deleteVersionAfter()));
      d.put("max_versions", m.maxVersions());
      d.put("oldest_version", m.oldestVersion());
      d.put("updated_time", time(m.updatedTime()));
      ObjectNode versions = d.putObject("versions");
      for (VersionInfo v : m.versions()) {
        ObjectNode o = versions.putObject(Integer.toString(v.version()));
        o.put("created_time", time(v.createdTime()));
        o.put("deletion_time", v.deletionTime() == null ? "" : time(v.deletionTime()));
        o.put("destroyed", v.destroyed());
      }
      return VaultResponse.ok(req.requestId(), d, "kv");
    });
  }

  private static KvService.MetadataChange metadataChange(VaultRequest req, boolean patch) {
    JsonNode body = Json.objectOrNull(req.body());
    Integer maxVersions = body != null && body.hasNonNull("max_versions") ? Json.intField(body, "max_versions", 0) : null;
    if (maxVersions != null && maxVersions < 0) {
      throw VaultException.badRequest("max_versions must not be negative");
    }
    Boolean casRequired = body != null && body.hasNonNull("cas_required") ? Json.boolField(body, "cas_required", false) : null;
    Duration dva = body != null && body.hasNonNull("delete_version_after") ? duration(body.get("delete_version_after"),
        "delete_version_after") : null;
    Map<String, String> custom = body != null && body.has("custom_metadata")
        ? customMetadataInput(body.get("custom_metadata"), patch) : null;
    if (custom != null && !patch) {
      String violation = CustomMetadata.violation(custom);
      if (violation != null) {
        throw VaultException.badRequest(violation);
      }
    }
    return new KvService.MetadataChange(maxVersions, casRequired, dva, custom, patch);
  }

  private static Map<String, String> customMetadataInput(JsonNode node, boolean patch) {
    if (node == null || node.isNull()) {
      return patch ? null : Map.of();
    }
    if (!node.isObject()) {
      throw VaultException.badRequest("error converting input for field \"custom_metadata\": expected a JSON object");
    }
    Map<String, String> out = new HashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getValue().isNull() && patch) {
        out.put(e.getKey(), null);
      } else if (e.getValue().isTextual()) {
        out.put(e.getKey(), e.getValue().textValue());
      } else {
        throw VaultException.badRequest("error converting input for field \"custom_metadata\": values must be strings");
      }
    }
    return out;
  }

  // ---- list ----

  private CompletionStage<VaultResponse> list(VaultRequest req, MountTable.Mount mount, String folder) {
    String f = folder.isEmpty() || folder.endsWith("/") ? folder : folder + "/";
    if (f.startsWith("/") || f.contains("//")) {
      throw VaultException.badRequest("invalid path");
    }
    if (!f.isEmpty()) {
      checkPath(f.substring(0, f.length() - 1));
    }
    String after = req.query().get("after");
    Integer limit = queryInt(req, "limit");
    if (limit != null && limit < 0) {
      throw VaultException.badRequest("limit must not be negative");
    }
    return kv.list(mount.uuid(), f, after == null || after.isEmpty() ? null : after, limit == null ? 0 : limit)
        .thenApply(keys -> {
          if (keys.isEmpty()) {
            throw VaultException.notFound();
          }
          ObjectNode d = Json.object();
          ArrayNode arr = d.putArray("keys");
          keys.forEach(arr::add);
          return VaultResponse.ok(req.requestId(), d, "kv");
        });
  }

  // ---- subkeys ----

  private CompletionStage<VaultResponse> subkeys(VaultRequest req, Target t) {
    Integer version = queryInt(req, "version");
    Integer depth = queryInt(req, "depth");
    if (depth != null && depth < 0) {
      throw VaultException.badRequest("depth must not be negative");
    }
    return kv.read(t, version).thenApply(result -> {
      if (result.info() == null) {
        throw VaultException.notFound();
      }
      ObjectNode d = Json.object();
      d.set("subkeys", result.data() == null ? null : structure(result.data(), depth == null ? 0 : depth, 1));
      d.set("metadata", versionMetadata(result.info(), result.customMetadata()));
      VaultResponse ok = VaultResponse.ok(req.requestId(), d, "kv");
      return result.data() == null ? new VaultResponse(404, ok.body()) : ok;
    });
  }

  private static JsonNode structure(JsonNode node, int maxDepth, int level) {
    ObjectNode out = Json.object();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getValue().isObject() && !e.getValue().isEmpty() && (maxDepth == 0 || level < maxDepth)) {
        out.set(e.getKey(), structure(e.getValue(), maxDepth, level + 1));
      } else {
        out.putNull(e.getKey());
      }
    }
    return out;
  }

  // ---- config ----

  private CompletionStage<VaultResponse> config(VaultRequest req, Operation op, MountTable.Mount mount) {
    if (op == Operation.READ) {
      return mounts.refresh().thenApply(all -> {
        MountTable.Mount m = all.getOrDefault(mount.path(), mount);
        ObjectNode d = Json.object();
        d.put("cas_required", m.kvConfig().casRequired());
        d.put("delete_version_after", GoDuration.format(m.kvConfig().deleteVersionAfter()));
        d.put("max_versions", m.kvConfig().maxVersions());
        return VaultResponse.ok(req.requestId(), d, "kv");
      });
    }
    requireWrite(op);
    JsonNode body = Json.objectOrNull(req.body());
    KvProtocol.MountConfig old = mount.kvConfig();
    int max = body != null && body.hasNonNull("max_versions") ? Json.intField(body, "max_versions", 0) : old.maxVersions();
    if (max < 0) {
      throw VaultException.badRequest("max_versions must not be negative");
    }
    boolean cas = body != null && body.hasNonNull("cas_required") ? Json.boolField(body, "cas_required", false)
        : old.casRequired();
    Duration dva = body != null && body.hasNonNull("delete_version_after")
        ? duration(body.get("delete_version_after"), "delete_version_after") : old.deleteVersionAfter();
    KvProtocol.MountConfig config = new KvProtocol.MountConfig(max, cas, dva);
    return mounts.configureKv(mount.path(), config).thenCompose(m -> mounts.refresh())
        .thenApply(m -> VaultResponse.noContent());
  }

  // ---- helpers ----

  private static void requireWrite(Operation op) {
    if (op != Operation.WRITE) {
      throw VaultException.unsupportedOperation();
    }
  }

  private static List<Integer> versions(JsonNode body) {
    JsonNode v = Json.objectOrNull(body) == null ? null : body.get("versions");
    if (v == null || v.isNull() || (v.isArray() && v.isEmpty())) {
      throw VaultException.badRequest("no version number provided");
    }
    List<Integer> out = new ArrayList<>();
    if (v.isArray()) {
      for (JsonNode n : v) {
        out.add(version(n));
      }
    } else if (v.isTextual() && v.textValue().contains(",")) {
      for (String part : v.textValue().split(",")) {
        out.add(version(Json.MAPPER.getNodeFactory().textNode(part.trim())));
      }
    } else {
      out.add(version(v));
    }
    return out;
  }

  private static int version(JsonNode n) {
    if (n.isIntegralNumber() && n.canConvertToInt() && n.intValue() >= 0) {
      return n.intValue();
    }
    if (n.isTextual() && n.textValue().matches("\\d{1,9}")) {
      return Integer.parseInt(n.textValue());
    }
    throw VaultException.badRequest("error converting input for field \"versions\": expected a list of version numbers");
  }

  private static Duration duration(JsonNode n, String field) {
    try {
      if (n.isIntegralNumber()) {
        return GoDuration.ofSeconds(n.canConvertToLong() ? n.longValue() : -1);
      }
      if (n.isTextual()) {
        return GoDuration.parse(n.textValue());
      }
    } catch (IllegalArgumentException e) {
      // falls through
    }
    throw VaultException.badRequest("error converting input for field \"" + field + "\": expected a duration");
  }

  private static Integer queryInt(VaultRequest req, String name) {
    String v = req.query().get(name);
    if (v == null || v.isEmpty()) {
      return null;
    }
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw VaultException.badRequest("error converting input for field \"" + name + "\": expected an integer");
    }
  }

  static ObjectNode versionMetadata(VersionInfo info, Map<String, String> custom) {
    ObjectNode m = Json.object();
    m.put("created_time", time(info.createdTime()));
    m.set("custom_metadata", customMetadata(custom));
    m.put("deletion_time", info.deletionTime() == null ? "" : time(info.deletionTime()));
    m.put("destroyed", info.destroyed());
    m.put("version", info.version());
    return m;
  }

  private static JsonNode customMetadata(Map<String, String> custom) {
    if (custom == null || custom.isEmpty()) {
      return Json.MAPPER.getNodeFactory().nullNode();
    }
    ObjectNode o = Json.object();
    new java.util.TreeMap<>(custom).forEach(o::put);
    return o;
  }

  private static String time(Instant t) {
    return t == null ? "" : t.toString();
  }

  private static void checkPath(String path) {
    for (String seg : path.split("/", -1)) {
      if (seg.equals("..") || seg.equals(".") || seg.isEmpty()) {
        throw VaultException.badRequest("invalid path: empty or relative path segments are not allowed");
      }
    }
    if (path.length() > 4096) {
      throw VaultException.badRequest("invalid path: longer than 4096 characters");
    }
  }
}
