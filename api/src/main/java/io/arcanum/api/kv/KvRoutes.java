package io.arcanum.api.kv;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.arcanum.api.http.Json;
import io.arcanum.api.http.Replies;
import io.arcanum.api.http.VaultException;
import io.arcanum.api.http.VaultRequest;
import io.arcanum.api.http.VaultRequest.Operation;
import io.arcanum.api.http.VaultResponse;
import io.arcanum.domain.kv.CustomMetadata;
import io.arcanum.domain.kv.KvSecret;
import io.arcanum.domain.kv.MergePatch;
import io.arcanum.domain.kv.SealedData;
import io.arcanum.domain.mount.MountTable;
import io.arcanum.domain.util.GoDuration;
import io.arcanum.persistence.kv.DataKeyStore;
import io.arcanum.projections.kvindex.KvIndex;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.persistence.typed.PersistenceId;

/**
 * KV version 2 routes of one mount, in Vault's wire format (VAULT-API.md, "KV version 2"), read top
 * to bottom: the area after the mount path ({@code data}, {@code metadata}, {@code delete},
 * {@code undelete}, {@code destroy}, {@code subkeys}, {@code config}) picks a handler; each handler
 * validates the request, then asks the secret's entity (id: mount uuid and path) or the mount table,
 * and shapes the answer. {@code LIST metadata/...} is served by the listing projection's table.
 *
 * <p>Secret data never reaches an entity in clear: a write gets a new data key from the
 * {@link DataKeyStore} (durable before the entity sees the write), seals the data under it, and
 * sends the sealed data; a read opens what the entity returns. A destroy, a metadata delete and
 * pruning forget the data keys involved (crypto-shredding) before the reply; a version whose key is
 * gone reads as destroyed. PATCH reads the latest version, merges (RFC 7396), and writes based on
 * that version, retrying when a concurrent write got there first.
 */
public final class KvRoutes {

  /** The media type a data PATCH must use, as Vault requires. */
  public static final String MERGE_PATCH = "application/merge-patch+json";

  private final ClusterSharding sharding;
  private final MountRouter mounts;
  private final KvIndex index;
  private final DataKeyStore keys;
  private final Duration timeout;
  private volatile io.arcanum.api.metrics.Metrics metrics;

  /**
   * @param m where KV journal write latency is recorded
   * @return this
   */
  public KvRoutes withMetrics(io.arcanum.api.metrics.Metrics m) {
    this.metrics = m;
    return this;
  }

  /**
   * The largest version a write may make, in bytes of JSON: Vault's integrated storage default entry
   * size (1 MiB), well under Cassandra's 16 MiB frame, so that versions and snapshots always fit.
   */
  public static final int MAX_VALUE_BYTES = 1024 * 1024;

  /** How often a PATCH is retried when concurrent writes keep changing the latest version. */
  static final int PATCH_ATTEMPTS = 16;

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(KvRoutes.class);

  /**
   * @param sharding where secret entities live
   * @param mounts the mount table (for the mount's {@code config})
   * @param index the listing table
   * @param keys the versions' data keys
   * @param timeout ask timeout
   */
  public KvRoutes(ClusterSharding sharding, MountRouter mounts, KvIndex index, DataKeyStore keys, Duration timeout) {
    this.sharding = sharding;
    this.mounts = mounts;
    this.index = index;
    this.keys = keys;
    this.timeout = timeout;
  }

  /**
   * @param req the request (authenticated and authorized)
   * @param caller the caller (its accessor goes into the events, for forensics)
   * @param mount the KV v2 mount holding it
   * @param rel the path relative to the mount, e.g. {@code data/app/db}
   * @return the response
   */
  public CompletionStage<VaultResponse> handle(VaultRequest req, io.arcanum.api.auth.Caller caller,
      MountTable.Mount mount, String rel) {
    Operation op = req.operation();
    KvSecret.Origin origin = new KvSecret.Origin(req.requestId(), caller.view().info().accessor());
    if (rel.equals("config")) {
      return config(req, op, mount);
    }
    int slash = rel.indexOf('/');
    String area = slash < 0 ? rel : rel.substring(0, slash);
    String path = slash < 0 ? "" : rel.substring(slash + 1);
    if (area.equals("metadata") && op == Operation.LIST) {
      return list(req, mount, path);
    }
    if (!List.of("data", "metadata", "delete", "undelete", "destroy", "subkeys").contains(area)
        || path.isEmpty() || path.endsWith("/")) {
      throw VaultException.notFound("unsupported path");
    }
    checkPath(path);
    String entityId = mount.uuid() + "/" + path;
    String pid = PersistenceId.of(KvSecret.TYPE_KEY.name(), entityId).id();
    EntityRef<KvSecret.Command> secret = sharding.entityRefFor(KvSecret.TYPE_KEY, entityId);
    switch (area) {
      case "data":
        switch (op) {
          case READ:
            return read(req, pid, secret);
          case WRITE:
            return write(req, pid, secret, mount, origin);
          case PATCH:
            return patch(req, pid, secret, mount, origin);
          case DELETE:
            return done(secret.askWithStatus(r -> new KvSecret.DeleteVersions(List.of(), origin, r), timeout));
          default:
            throw VaultException.unsupportedOperation();
        }
      case "metadata":
        switch (op) {
          case READ:
            return readMetadata(req, secret);
          case WRITE:
            return writeMetadata(req, pid, secret, mount, false, origin);
          case PATCH:
            return writeMetadata(req, pid, secret, mount, true, origin);
          case DELETE:
            CompletionStage<KvSecret.ToShred> deleted =
                secret.askWithStatus(r -> new KvSecret.DeleteMetadata(origin, r), timeout);
            return Replies.mapped(deleted).thenCompose(shred -> keys.forget(pid, shred.keyIds()))
                .thenApply(d -> VaultResponse.noContent());
          default:
            throw VaultException.unsupportedOperation();
        }
      case "delete":
        requireWrite(op);
        List<Integer> toDelete = versions(req.body());
        return done(secret.askWithStatus(r -> new KvSecret.DeleteVersions(toDelete, origin, r), timeout));
      case "undelete":
        requireWrite(op);
        List<Integer> toUndelete = versions(req.body());
        return done(secret.askWithStatus(r -> new KvSecret.UndeleteVersions(toUndelete, origin, r), timeout));
      case "destroy":
        requireWrite(op);
        List<Integer> toDestroy = versions(req.body());
        CompletionStage<KvSecret.ToShred> destroyed =
            secret.askWithStatus(r -> new KvSecret.DestroyVersions(toDestroy, origin, r), timeout);
        return Replies.mapped(destroyed).thenCompose(shred -> keys.forget(pid, shred.keyIds()))
            .thenApply(d -> VaultResponse.noContent());
      default: // subkeys
        if (op != Operation.READ) {
          throw VaultException.unsupportedOperation();
        }
        return subkeys(req, pid, secret);
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
    if (!(area.equals("data") || area.equals("metadata")) || path.isEmpty()) {
      return java.util.concurrent.CompletableFuture.completedFuture(true);
    }
    CompletionStage<KvSecret.Metadata> asked = sharding.entityRefFor(KvSecret.TYPE_KEY, mount.uuid() + "/" + path)
        .askWithStatus(KvSecret.ReadMetadata::new, timeout);
    return Replies.mapped(asked).thenApply(KvSecret.Metadata::exists);
  }

  // ---- data ----

  /**
   * A read with its data opened.
   *
   * @param data the data, or null when the version does not exist, is deleted, destroyed, or its key is gone
   * @param info the version's metadata (destroyed when its key is gone), or null when it does not exist
   * @param customMetadata the key's custom metadata
   */
  private record Opened(JsonNode data, KvSecret.VersionInfo info, Map<String, String> customMetadata) {}

  private CompletionStage<Opened> readOpened(String pid, EntityRef<KvSecret.Command> secret, Integer version) {
    CompletionStage<KvSecret.ReadResult> asked = secret.askWithStatus(r -> new KvSecret.Read(version, r), timeout);
    return Replies.mapped(asked).thenCompose(result -> (result.data() == null
            ? CompletableFuture.<JsonNode>completedFuture(null) : keys.open(pid, result.data()))
        .thenApply(data -> new Opened(data, data == null && result.data() != null ? destroyed(result.info()) : result.info(),
            result.customMetadata())));
  }

  private static KvSecret.VersionInfo destroyed(KvSecret.VersionInfo info) {
    return new KvSecret.VersionInfo(info.version(), info.createdTime(), info.deletionTime(), true);
  }

  private CompletionStage<VaultResponse> read(VaultRequest req, String pid, EntityRef<KvSecret.Command> secret) {
    Integer version = queryInt(req, "version");
    return readOpened(pid, secret, version).thenApply(result -> {
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

  private CompletionStage<VaultResponse> write(VaultRequest req, String pid, EntityRef<KvSecret.Command> secret,
      MountTable.Mount mount, KvSecret.Origin origin) {
    JsonNode body = Json.objectOrNull(req.body());
    JsonNode data = dataField(body);
    Integer cas = cas(body);
    return writeSealed(pid, secret, mount, origin, data, cas, null)
        .thenApply(info -> VaultResponse.ok(req.requestId(), versionMetadata(info, null), "kv"));
  }

  /** Gets a new data key, seals the data, writes; forgets pruned keys, or the new key when the write fails. */
  private CompletionStage<KvSecret.VersionInfo> writeSealed(String pid, EntityRef<KvSecret.Command> secret,
      MountTable.Mount mount, KvSecret.Origin origin, JsonNode data, Integer cas, Integer basedOn) {
    int size = Json.bytes(data).length;
    if (size > MAX_VALUE_BYTES) {
      return CompletableFuture.failedFuture(new VaultException(413, List.of(
          "put failed due to value being too large; got " + size + " bytes, max: " + MAX_VALUE_BYTES + " bytes")));
    }
    return Replies.mapped(keys.create(pid)).thenCompose(key -> {
      SealedData sealed = SealedData.seal(pid, key, data);
      java.util.Arrays.fill(key.key(), (byte) 0);
      long started = System.nanoTime();
      CompletionStage<KvSecret.Written> asked = secret.askWithStatus(
          r -> new KvSecret.Write(sealed, cas, basedOn, mount.kvConfig(), origin, r), timeout);
      io.arcanum.api.metrics.Metrics m = metrics;
      if (m != null) {
        asked.thenRun(() -> m.journalWrite("kv", java.time.Duration.ofNanos(System.nanoTime() - started)));
      }
      return Replies.mapped(asked.whenComplete((written, failure) -> {
        if (failure != null) {
          forgetLater(pid, List.of(key.keyId()), origin.requestId());
        }
      })).thenCompose(w -> keys.forget(pid, w.pruned()).thenApply(d -> w.info()));
    });
  }

  private void forgetLater(String pid, List<String> keyIds, String requestId) {
    keys.forget(pid, keyIds).whenComplete((d, e) -> {
      if (e != null) {
        LOG.warn("request {}: an unused data key could not be forgotten: {}", requestId, e.toString());
      }
    });
  }

  private CompletionStage<VaultResponse> patch(VaultRequest req, String pid, EntityRef<KvSecret.Command> secret,
      MountTable.Mount mount, KvSecret.Origin origin) {
    if (!MERGE_PATCH.equalsIgnoreCase(req.contentType())) {
      throw new VaultException(415, List.of("PATCH requires Content-Type: " + MERGE_PATCH));
    }
    JsonNode body = Json.objectOrNull(req.body());
    JsonNode patch = dataField(body);
    Integer cas = cas(body);
    return onePatchAtATime(pid, () -> patchAttempt(pid, secret, mount, origin, patch, cas, 1))
        .thenApply(info -> VaultResponse.ok(req.requestId(), versionMetadata(info, null), "kv"));
  }

  /** The last PATCH queued per secret on this node: patches of one secret run one after another. */
  private final java.util.concurrent.ConcurrentHashMap<String, CompletableFuture<Void>> patchTails =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Runs PATCHes of one secret on this node one at a time (as Vault's per-key lock does), so that they
   * do not make each other stale; patches arriving through other nodes are still reconciled by the
   * {@code basedOn} check and a retry.
   */
  private <T> CompletionStage<T> onePatchAtATime(String pid, java.util.function.Supplier<CompletionStage<T>> work) {
    CompletableFuture<T> result = new CompletableFuture<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    CompletableFuture<Void> previous = patchTails.put(pid, done);
    (previous == null ? CompletableFuture.<Void>completedFuture(null) : previous).whenComplete((v, e) -> {
      CompletionStage<T> running;
      try {
        running = work.get();
      } catch (RuntimeException t) {
        running = CompletableFuture.failedFuture(t);
      }
      running.whenComplete((r, err) -> {
        patchTails.remove(pid, done);
        done.complete(null);
        if (err != null) {
          result.completeExceptionally(err);
        } else {
          result.complete(r);
        }
      });
    });
    return result;
  }

  private CompletionStage<KvSecret.VersionInfo> patchAttempt(String pid, EntityRef<KvSecret.Command> secret,
      MountTable.Mount mount, KvSecret.Origin origin, JsonNode patch, Integer cas, int attempt) {
    return readOpened(pid, secret, null).thenCompose(latest -> {
      if (latest.data() == null) {
        throw VaultException.notFound(); // no live latest version to patch, as in Vault
      }
      JsonNode merged = MergePatch.apply(latest.data(), patch);
      return writeSealed(pid, secret, mount, origin, merged, cas, latest.info().version())
          .handle((info, failure) -> {
            if (failure == null) {
              return CompletableFuture.completedFuture(info);
            }
            if (attempt < PATCH_ATTEMPTS
                && Replies.toVaultOrInternal(failure).errors().contains(KvSecret.STALE_PATCH)) {
              return patchAttempt(pid, secret, mount, origin, patch, cas, attempt + 1);
            }
            return CompletableFuture.<KvSecret.VersionInfo>failedFuture(failure);
          }).thenCompose(x -> x);
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

  private CompletionStage<VaultResponse> readMetadata(VaultRequest req, EntityRef<KvSecret.Command> secret) {
    CompletionStage<KvSecret.Metadata> asked = secret.askWithStatus(KvSecret.ReadMetadata::new, timeout);
    return Replies.mapped(asked).thenApply(m -> {
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
      for (KvSecret.VersionInfo v : m.versions()) {
        ObjectNode o = versions.putObject(Integer.toString(v.version()));
        o.put("created_time", time(v.createdTime()));
        o.put("deletion_time", v.deletionTime() == null ? "" : time(v.deletionTime()));
        o.put("destroyed", v.destroyed());
      }
      return VaultResponse.ok(req.requestId(), d, "kv");
    });
  }

  private CompletionStage<VaultResponse> writeMetadata(VaultRequest req, String pid, EntityRef<KvSecret.Command> secret,
      MountTable.Mount mount, boolean patch, KvSecret.Origin origin) {
    if (patch && !MERGE_PATCH.equalsIgnoreCase(req.contentType())) {
      throw new VaultException(415, List.of("PATCH requires Content-Type: " + MERGE_PATCH));
    }
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
    CompletionStage<KvSecret.ToShred> asked = secret.askWithStatus(
        r -> new KvSecret.WriteMetadata(maxVersions, casRequired, dva, custom, patch, mount.kvConfig(), origin, r), timeout);
    return asked.exceptionally(e -> {
      if (Replies.toVaultOrInternal(e).errors().contains(KvSecret.NO_METADATA)) {
        throw VaultException.notFound();
      }
      return Replies.rethrow(e);
    }).thenCompose(pruned -> keys.forget(pid, pruned.keyIds())).thenApply(m -> VaultResponse.noContent());
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
    return index.list(mount.uuid(), f, after == null || after.isEmpty() ? null : after, limit == null ? 0 : limit)
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

  private CompletionStage<VaultResponse> subkeys(VaultRequest req, String pid, EntityRef<KvSecret.Command> secret) {
    Integer version = queryInt(req, "version");
    Integer depth = queryInt(req, "depth");
    if (depth != null && depth < 0) {
      throw VaultException.badRequest("depth must not be negative");
    }
    return readOpened(pid, secret, version).thenApply(result -> {
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
    KvSecret.MountConfig old = mount.kvConfig();
    int max = body != null && body.hasNonNull("max_versions") ? Json.intField(body, "max_versions", 0) : old.maxVersions();
    if (max < 0) {
      throw VaultException.badRequest("max_versions must not be negative");
    }
    boolean cas = body != null && body.hasNonNull("cas_required") ? Json.boolField(body, "cas_required", false)
        : old.casRequired();
    Duration dva = body != null && body.hasNonNull("delete_version_after")
        ? duration(body.get("delete_version_after"), "delete_version_after") : old.deleteVersionAfter();
    KvSecret.MountConfig config = new KvSecret.MountConfig(max, cas, dva);
    CompletionStage<MountTable.Mount> asked =
        mounts.table().askWithStatus(r -> new MountTable.ConfigureKv(mount.path(), config, r), timeout);
    return Replies.mapped(asked).thenCompose(m -> mounts.refresh()).thenApply(m -> VaultResponse.noContent());
  }

  // ---- helpers ----

  private static CompletionStage<VaultResponse> done(CompletionStage<KvSecret.Done> asked) {
    return Replies.mapped(asked).thenApply(d -> VaultResponse.noContent());
  }

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

  static ObjectNode versionMetadata(KvSecret.VersionInfo info, Map<String, String> custom) {
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
