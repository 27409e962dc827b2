package io.arcanum.api.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.arcanum.api.http.Json;
import io.arcanum.api.http.Replies;
import io.arcanum.api.http.VaultException;
import io.arcanum.api.http.VaultRequest;
import io.arcanum.api.http.VaultResponse;
import io.arcanum.api.kv.MountRouter;
import io.arcanum.projections.forensics.Forensics;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.concurrent.CompletionStage;

/**
 * Forensics endpoints (sudo, and audited like any request: {@link io.arcanum.api.http.RouteTable}): {@code GET sys/forensics/timeline/<mount>/<path>},
 * {@code GET sys/forensics/state/<mount>/<path>?at=<RFC3339>}, {@code POST sys/forensics/verify}
 * with {@code from} / {@code to}. See docs/audit.md.
 */
public final class ForensicsRoutes {

  private final Forensics forensics;
  private final MountRouter mounts;
  private final Clock clock;

  /**
   * @param forensics journal replay
   * @param mounts to turn {@code <mount>/<path>} into the path's entity
   * @param clock the clock (default end of a verification window)
   */
  public ForensicsRoutes(Forensics forensics, MountRouter mounts, Clock clock) {
    this.forensics = forensics;
    this.mounts = mounts;
    this.clock = clock;
  }

  /**
   * {@code sys/forensics/verify}: checks the audit chains and that every change has its request record.
   *
   * @param req the request (authorized with sudo)
   * @return the report
   * @throws VaultException 400 for a bad time window
   */
  public CompletionStage<VaultResponse> verify(VaultRequest req) {
    JsonNode body = Json.objectOrNull(req.body());
    Instant from = time(Json.stringField(body, "from", null), Instant.EPOCH, "from");
    Instant to = time(Json.stringField(body, "to", null), clock.instant(), "to");
    if (to.isBefore(from)) {
      throw VaultException.badRequest("\"to\" is before \"from\"");
    }
    return Replies.mapped(forensics.verify(from, to)).thenApply(v -> {
      ObjectNode d = Json.object();
      d.put("ok", v.problems().isEmpty());
      d.put("records_checked", v.recordsChecked());
      d.put("events_checked", v.eventsChecked());
      ArrayNode p = d.putArray("problems");
      v.problems().forEach(p::add);
      return VaultResponse.ok(req.requestId(), d, "system");
    });
  }

  /**
   * {@code sys/forensics/timeline/<mount>/<path>}: a secret's history.
   *
   * @param req the request (authorized with sudo)
   * @return the events, or 404 when the path has none
   * @throws VaultException 400 when the path names no KV secret
   */
  public CompletionStage<VaultResponse> timeline(VaultRequest req) {
    String target = req.path().substring("sys/forensics/timeline/".length());
    return entityId(target).thenCompose(entityId -> Replies.mapped(forensics.timeline(entityId)).thenApply(entries -> {
      if (entries.isEmpty()) {
        throw VaultException.notFound();
      }
      ObjectNode d = Json.object();
      d.put("path", target);
      ArrayNode events = d.putArray("events");
      for (Forensics.TimelineEntry e : entries) {
        ObjectNode o = events.addObject();
        o.put("seq", e.seq());
        o.put("operation", e.operation());
        ArrayNode vs = o.putArray("versions");
        e.versions().forEach(vs::add);
        o.put("time", e.time() == null ? "" : e.time().toString());
        o.put("request_id", e.requestId());
        o.put("accessor", e.accessor());
      }
      return VaultResponse.ok(req.requestId(), d, "system");
    }));
  }

  /**
   * {@code sys/forensics/state/<mount>/<path>?at=<RFC 3339>}: a secret's current version as it was then.
   *
   * @param req the request (authorized with sudo)
   * @return the version, or 404 when there was none
   * @throws VaultException 400 without a valid {@code at}, or when the path names no KV secret
   */
  public CompletionStage<VaultResponse> state(VaultRequest req) {
    String target = req.path().substring("sys/forensics/state/".length());
    Instant at = time(req.query().get("at"), null, "at");
    if (at == null) {
      throw VaultException.badRequest("the \"at\" parameter (an RFC 3339 time) is required");
    }
    return entityId(target).thenCompose(entityId -> Replies.mapped(forensics.stateAt(entityId, at)).thenApply(r -> {
      if (r.info() == null) {
        throw VaultException.notFound();
      }
      ObjectNode d = Json.object();
      d.set("data", r.data() == null ? Json.MAPPER.getNodeFactory().nullNode() : r.data());
      ObjectNode m = d.putObject("metadata");
      m.put("created_time", r.info().createdTime().toString());
      m.put("deletion_time", r.info().deletionTime() == null ? "" : r.info().deletionTime().toString());
      m.put("destroyed", r.info().destroyed());
      m.put("version", r.info().version());
      d.put("at", at.toString());
      return VaultResponse.ok(req.requestId(), d, "kv");
    }));
  }

  /** The entity id of a KV secret named {@code <mount>/<path>}. */
  private CompletionStage<String> entityId(String target) {
    return mounts.resolve(target).thenApply(resolved -> {
      if (resolved.isEmpty() || resolved.get().relativePath().isEmpty() || resolved.get().relativePath().endsWith("/")) {
        throw VaultException.badRequest("expected <mount>/<path> of a KV secret, got \"" + target + "\"");
      }
      return resolved.get().mount().uuid() + "/" + resolved.get().relativePath();
    });
  }

  private static Instant time(String text, Instant dflt, String field) {
    if (text == null || text.isEmpty()) {
      return dflt;
    }
    try {
      return OffsetDateTime.parse(text).toInstant();
    } catch (DateTimeParseException e) {
      throw VaultException.badRequest("\"" + field + "\" must be an RFC 3339 time such as 2026-11-30T10:00:00Z");
    }
  }
}
