package io.arcanum.api.kv;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.arcanum.api.http.Json;
import io.arcanum.api.http.Replies;
import io.arcanum.api.http.VaultException;
import io.arcanum.api.http.VaultRequest;
import io.arcanum.api.http.VaultResponse;
import io.arcanum.domain.kv.KvSecret;
import io.arcanum.domain.mount.MountTable;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * KV version 2 routes of one mount, in Vault's wire format (VAULT-API.md, "KV version 2"): a request
 * for {@code <mount>/data/<path>} becomes a command to the secret's entity, whose id is the mount's
 * uuid and the path.
 */
public final class KvRoutes {

  private final ClusterSharding sharding;
  private final Duration timeout;

  /**
   * @param sharding where secret entities live
   * @param timeout ask timeout
   */
  public KvRoutes(ClusterSharding sharding, Duration timeout) {
    this.sharding = sharding;
    this.timeout = timeout;
  }

  /**
   * @param req the request (authenticated and authorized)
   * @param mount the KV v2 mount holding it
   * @param rel the path relative to the mount, e.g. {@code data/app/db}
   * @return the response
   */
  public CompletionStage<VaultResponse> handle(VaultRequest req, MountTable.Mount mount, String rel) {
    int slash = rel.indexOf('/');
    String area = slash < 0 ? rel : rel.substring(0, slash);
    String path = slash < 0 ? "" : rel.substring(slash + 1);
    if (!area.equals("data")) {
      throw VaultException.notFound("unsupported path");
    }
    if (path.isEmpty() || path.endsWith("/")) {
      throw VaultException.notFound("unsupported path");
    }
    checkPath(path);
    EntityRef<KvSecret.Command> secret = sharding.entityRefFor(KvSecret.TYPE_KEY, mount.uuid() + "/" + path);
    switch (req.operation()) {
      case READ:
        return read(req, secret);
      case WRITE:
        return write(req, secret);
      default:
        throw VaultException.unsupportedOperation();
    }
  }

  private CompletionStage<VaultResponse> read(VaultRequest req, EntityRef<KvSecret.Command> secret) {
    Integer version = null;
    String v = req.query().get("version");
    if (v != null && !v.isEmpty()) {
      try {
        version = Integer.parseInt(v);
      } catch (NumberFormatException e) {
        throw VaultException.badRequest("error converting input for field \"version\": expected an integer");
      }
      if (version < 0) {
        throw VaultException.badRequest("version must be a non-negative integer");
      }
    }
    final Integer wanted = version;
    CompletionStage<KvSecret.ReadResult> asked = secret.askWithStatus(r -> new KvSecret.Read(wanted, r), timeout);
    return Replies.mapped(asked).thenApply(result -> {
      if (result.info() == null) {
        throw VaultException.notFound();
      }
      ObjectNode data = Json.object();
      data.set("data", result.data());
      data.set("metadata", metadata(result.info()));
      VaultResponse ok = VaultResponse.ok(req.requestId(), data, "kv");
      // A deleted or destroyed version is a 404 whose body still carries its metadata, as in Vault.
      return result.data() == null ? new VaultResponse(404, ok.body()) : ok;
    });
  }

  private CompletionStage<VaultResponse> write(VaultRequest req, EntityRef<KvSecret.Command> secret) {
    JsonNode body = Json.objectOrNull(req.body());
    JsonNode data = body == null ? null : body.get("data");
    if (data == null || data.isNull()) {
      throw VaultException.badRequest("no data provided");
    }
    if (!data.isObject()) {
      throw VaultException.badRequest("error converting input for field \"data\": expected a JSON object");
    }
    JsonNode options = body.get("options");
    Integer cas = null;
    if (options != null && !options.isNull()) {
      if (!options.isObject()) {
        throw VaultException.badRequest("error converting input for field \"options\": expected a JSON object");
      }
      if (options.has("cas") && !options.get("cas").isNull()) {
        cas = Json.intField(options, "cas", 0);
        if (cas < 0) {
          throw VaultException.badRequest("cas must be a non-negative integer");
        }
      }
    }
    final Integer c = cas;
    CompletionStage<KvSecret.VersionInfo> asked =
        secret.askWithStatus(r -> new KvSecret.Write(data.deepCopy(), c, r), timeout);
    return Replies.mapped(asked).thenApply(info -> VaultResponse.ok(req.requestId(), metadata(info), "kv"));
  }

  static ObjectNode metadata(KvSecret.VersionInfo info) {
    ObjectNode m = Json.object();
    m.put("created_time", info.createdTime().toString());
    m.putNull("custom_metadata");
    m.put("deletion_time", info.deletionTime() == null ? "" : info.deletionTime().toString());
    m.put("destroyed", info.destroyed());
    m.put("version", info.version());
    return m;
  }

  private static void checkPath(String path) {
    for (String seg : path.split("/", -1)) {
      if (seg.equals("..") || seg.equals(".")) {
        throw VaultException.badRequest("invalid path: relative path segments are not allowed");
      }
    }
    if (path.length() > 4096) {
      throw VaultException.badRequest("invalid path: longer than 4096 characters");
    }
  }
}
