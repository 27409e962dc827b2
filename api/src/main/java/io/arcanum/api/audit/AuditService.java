package io.arcanum.api.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.arcanum.api.auth.Caller;
import io.arcanum.api.http.Json;
import io.arcanum.api.http.VaultException;
import io.arcanum.api.http.VaultRequest;
import io.arcanum.api.http.VaultResponse;
import io.arcanum.domain.audit.AuditEntries;
import io.arcanum.domain.audit.AuditHasher;
import io.arcanum.domain.audit.AuditLog;
import io.arcanum.domain.barrier.Barrier;
import io.arcanum.domain.barrier.Keyring;
import io.arcanum.domain.token.TokenEntry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import io.arcanum.projections.audit.AuditDelivery;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * Audit before reply (ARCHITECTURE.md, steps 5 and 7): builds the request and response records of a
 * request in Vault's audit format, every sensitive string hashed under the cluster audit key, and
 * makes them durable in the journal (group-committed per stream) before the request goes on:
 *
 * <ul>
 *   <li>a request that may change state: its request record before it executes, its response record
 *       before the reply leaves;</li>
 *   <li>a read-only request (read, list): one record after it ran, standing for both its request and
 *       response entries ({@link AuditEntries}), durable before the reply leaves.</li>
 * </ul>
 * When records cannot be made durable the request fails closed and no secret leaves. Which paths are
 * audited is stated by {@link io.arcanum.api.http.RouteTable}.
 */
public final class AuditService {

  private record KeyedHasher(Keyring ring, AuditHasher hasher) {}

  private final Barrier barrier;
  private final Clock clock;
  private final AuditDelivery delivery;
  private final AuditWriter[] streams;
  private final AtomicReference<KeyedHasher> hasher = new AtomicReference<>();
  private final boolean enabled;
  private volatile io.arcanum.api.metrics.Metrics metrics;

  /**
   * @param sharding where the audit streams live
   * @param barrier this node's barrier (the audit key derives from its keyring)
   * @param streamCount number of audit streams
   * @param clock the clock for record times
   * @param timeout how long a write may take before the request fails closed
   * @param delivery told the time of every record made durable (device lag is measured against it)
   * @param enabled false only to measure what auditing costs (see application.conf); never in production
   */
  public AuditService(ClusterSharding sharding, Barrier barrier, int streamCount, Clock clock, Duration timeout,
      AuditDelivery delivery, boolean enabled) {
    this.enabled = enabled;
    this.barrier = barrier;
    this.clock = clock;
    this.delivery = delivery;
    this.streams = new AuditWriter[streamCount];
    for (int i = 0; i < streamCount; i++) {
      streams[i] = new AuditWriter(sharding, AuditLog.streamName(i), timeout);
    }
  }

  /** @return whether requests are recorded (always, except in an audit-off benchmark run) */
  public boolean enabled() {
    return enabled;
  }

  /** @return the hasher for the current keyring (the audit key exists only while unsealed) */
  public AuditHasher hasher() {
    Keyring ring = barrier.keyring();
    KeyedHasher k = hasher.get();
    if (k == null || k.ring() != ring) {
      k = new KeyedHasher(ring, new AuditHasher(AuditHasher.deriveAuditKey(ring.term(ring.terms().get(0).term()).key())));
      hasher.set(k);
    }
    return k.hasher();
  }

  /** Forgets the audit key (the node sealed). */
  public void drop() {
    hasher.set(null);
  }

  /**
   * @param op an operation
   * @return whether it only reads
   */
  public static boolean readOnly(VaultRequest.Operation op) {
    return op == VaultRequest.Operation.READ || op == VaultRequest.Operation.LIST || op == VaultRequest.Operation.HEAD;
  }

  /**
   * Records the request record alone (before a state-changing request executes).
   *
   * @param req the request
   * @param caller the caller, or null when authentication failed
   * @return completes when durable
   */
  public CompletionStage<Void> recordRequest(VaultRequest req, Caller caller) {
    AuditWriter stream = stream(req);
    return stream.append(List.of(requestRecord(req, caller))).thenRun(() -> recorded(stream, 1));
  }

  /**
   * Records the response record; for a request whose request record was not written before it ran (a
   * read-only request, or one refused before it could change anything), that one record also stands for
   * the request entry ({@link AuditEntries}), which devices write from it.
   *
   * @param req the request
   * @param caller the caller, or null
   * @param response the response, or null when {@code error} is set
   * @param error the error the client gets, or null
   * @param withRequest the request record was not written: the record stands for it too
   * @return completes when durable
   */
  public CompletionStage<Void> recordResponse(VaultRequest req, Caller caller, VaultResponse response,
      VaultException error, boolean withRequest) {
    // a request recorded only after it ran changed nothing: one record stands for both of its entries
    ObjectNode record = responseRecord(req, caller, response, error);
    List<JsonNode> records = List.of(withRequest ? AuditEntries.withRequest(record) : record);
    AuditWriter stream = stream(req);
    return stream.append(records).thenRun(() -> recorded(stream, records.size()));
  }

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AuditService.class);

  /**
   * A response record whose reply did not wait for it (a reply without secret material) could not be
   * made durable: counted ({@code arcanum_audit_response_records_lost}) and logged. The request's own
   * record is durable (it was before the request ran), so the journal still shows the request.
   *
   * @param req the request
   */
  public void responseNotRecorded(VaultRequest req) {
    LOG.warn("request {}: its response record could not be made durable after its reply (no secret material) left",
        req.requestId());
    if (metrics != null) {
      metrics.auditResponseLost();
    }
  }

  private void recorded(AuditWriter stream, int n) {
    delivery.recorded(stream.name(), clock.instant());
    if (metrics != null) {
      metrics.auditRecords(n);
    }
  }

  /**
   * @param m where made-durable records are counted
   */
  public void useMetrics(io.arcanum.api.metrics.Metrics m) {
    this.metrics = m;
    for (AuditWriter w : streams) {
      w.onWrite(d -> m.journalWrite("audit", d));
    }
  }

  private AuditWriter stream(VaultRequest req) {
    return streams[Math.floorMod(req.requestId().hashCode(), streams.length)];
  }

  private ObjectNode base(String type, VaultRequest req, Caller caller) {
    AuditHasher h = hasher();
    ObjectNode r = Json.object();
    r.put("time", clock.instant().toString());
    r.put("type", type);
    if (caller != null) {
      r.set("auth", auth(h, caller));
    }
    ObjectNode q = r.putObject("request");
    q.put("id", req.requestId());
    q.put("operation", operation(req.operation()));
    q.put("client_token", req.token() == null || req.token().isEmpty() ? "" : h.hash(req.token()));
    q.put("client_token_accessor", caller == null ? "" : h.hash(caller.view().info().accessor()));
    q.putObject("namespace").put("id", "root");
    q.put("path", req.path());
    q.set("data", h.hashTree(req.body()));
    q.put("remote_address", req.remoteAddress());
    return r;
  }

  private JsonNode requestRecord(VaultRequest req, Caller caller) {
    ObjectNode r = base("request", req, caller);
    r.put("error", "");
    return r;
  }

  private ObjectNode responseRecord(VaultRequest req, Caller caller, VaultResponse response, VaultException error) {
    AuditHasher h = hasher();
    ObjectNode r = base("response", req, caller);
    ObjectNode out = r.putObject("response");
    if (response != null && response.body() != null) {
      JsonNode b = response.body();
      if (b.has("mount_type")) {
        out.put("mount_type", b.get("mount_type").asText());
      }
      out.set("data", h.hashTree(b.has("request_id") ? b.get("data") : b));
      if (b.hasNonNull("auth")) {
        out.set("auth", h.hashTree(b.get("auth")));
      }
      if (b.hasNonNull("warnings")) {
        out.set("warnings", b.get("warnings"));
      }
    }
    r.put("error", error == null ? "" : String.join("; ", error.errors()));
    return r;
  }

  private static ObjectNode auth(AuditHasher h, Caller caller) {
    TokenEntry.Info i = caller.view().info();
    ObjectNode a = Json.object();
    a.put("client_token", h.hash(caller.token()));
    a.put("accessor", h.hash(i.accessor()));
    a.put("display_name", i.displayName());
    ArrayNode p = a.putArray("policies");
    i.policies().forEach(p::add);
    ArrayNode tp = a.putArray("token_policies");
    i.policies().forEach(tp::add);
    ObjectNode meta = Json.object();
    i.meta().forEach((k, v) -> meta.put(k, h.hash(v)));
    a.set("metadata", i.meta().isEmpty() ? null : meta);
    a.put("entity_id", "");
    a.put("token_type", "service");
    a.put("token_issue_time", i.createdTime().toString());
    return a;
  }

  private static String operation(VaultRequest.Operation op) {
    switch (op) {
      case WRITE:
        return "update";
      case HEAD:
        return "read";
      default:
        return op.name().toLowerCase(java.util.Locale.ROOT);
    }
  }
}
