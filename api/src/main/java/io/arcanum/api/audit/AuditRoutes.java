package io.arcanum.api.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.arcanum.api.http.Json;
import io.arcanum.api.http.VaultException;
import io.arcanum.api.http.VaultRequest;
import io.arcanum.api.http.VaultRequest.Operation;
import io.arcanum.api.http.VaultResponse;
import io.arcanum.domain.audit.AuditDevices;
import io.arcanum.domain.barrier.AesGcm;
import io.arcanum.projections.audit.AuditDelivery;
import java.time.Clock;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

/**
 * The audit device routes ({@code sys/audit}, {@code sys/audit/<path>}, {@code sys/audit-hash/<path>}),
 * sudo-protected as in Vault ({@link io.arcanum.api.http.RouteTable}). Devices are of type {@code file} ({@code file_path} a path or
 * {@code stdout}); their records come from the journal through one projection per device.
 */
public final class AuditRoutes {

  private static final Pattern PATH = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]{0,63}/?");

  private final AuditDeviceRunner runner;
  private final AuditService audit;
  private final Clock clock;

  /**
   * @param runner the device table and projections
   * @param audit the audit service (for the audit key behind {@code sys/audit-hash})
   * @param clock the clock
   */
  public AuditRoutes(AuditDeviceRunner runner, AuditService audit, Clock clock) {
    this.runner = runner;
    this.audit = audit;
    this.clock = clock;
  }

  /**
   * {@code sys/audit}: the enabled devices.
   *
   * @param req the request (authorized with sudo)
   * @return the response
   */
  public CompletionStage<VaultResponse> devices(VaultRequest req) {
    return runner.devices().thenApply(devices -> {
      ObjectNode d = Json.object();
      new TreeMap<>(devices).forEach((p, dev) -> d.set(p, describe(dev, runner.delivery())));
      return VaultResponse.sys(req.requestId(), d);
    });
  }

  /**
   * {@code sys/audit-hash/<path>}: what a device writes for a string.
   *
   * @param req the request (authorized with sudo)
   * @return the response
   * @throws VaultException 400 for a bad path, a missing {@code input} or an unknown device
   */
  public CompletionStage<VaultResponse> hash(VaultRequest req) {
    String devicePath = devicePath(req.path().substring("sys/audit-hash/".length()));
    String input = Json.stringField(Json.objectOrNull(req.body()), "input", null);
    if (input == null) {
      throw VaultException.badRequest("the \"input\" parameter is required");
    }
    return runner.devices().thenApply(devices -> {
      AuditDevices.Device dev = devices.get(devicePath);
      if (dev == null) {
        throw VaultException.badRequest("unknown audit backend " + devicePath);
      }
      ObjectNode d = Json.object();
      d.put("hash", audit.hasher().deviceHash(input, dev.salt()));
      return VaultResponse.sys(req.requestId(), d);
    });
  }

  /**
   * {@code sys/audit/<path>}: PUT enables, DELETE disables a device.
   *
   * @param req the request (WRITE or DELETE, authorized with sudo)
   * @return 204 once the table changed and this node's projections follow it
   * @throws VaultException 400 for a bad path or bad options
   */
  public CompletionStage<VaultResponse> device(VaultRequest req) {
    String devicePath = devicePath(req.path().substring("sys/audit/".length()));
    if (req.operation() == Operation.DELETE) {
      return runner.disable(devicePath).thenApply(v -> VaultResponse.noContent());
    }
    return enable(req, devicePath);
  }

  private CompletionStage<VaultResponse> enable(VaultRequest req, String devicePath) {
    JsonNode body = Json.objectOrNull(req.body());
    String type = Json.stringField(body, "type", "");
    if (!type.equals("file")) {
      throw VaultException.badRequest(type.isEmpty() ? "type is required"
          : "unknown backend type: \"" + type + "\" (this server has file devices)");
    }
    Map<String, String> options = new TreeMap<>();
    JsonNode o = body.get("options");
    if (o != null && !o.isNull()) {
      if (!o.isObject()) {
        throw VaultException.badRequest("error converting input for field \"options\": expected a map of strings");
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!e.getValue().isValueNode() || e.getValue().isNull()) {
          throw VaultException.badRequest("error converting input for field \"options\": expected a map of strings");
        }
        options.put(e.getKey(), e.getValue().asText());
      }
    }
    String filePath = options.getOrDefault("file_path", options.get("path"));
    if (filePath == null || filePath.isBlank()) {
      throw VaultException.badRequest("file_path is required");
    }
    options.put("file_path", filePath);
    options.remove("path");
    if ("true".equalsIgnoreCase(options.get("log_raw"))) {
      throw VaultException.badRequest("log_raw is not supported: the audit journal never holds raw values, only "
          + "HMACs (see docs/audit.md)");
    }
    if ("false".equalsIgnoreCase(options.get("hmac_accessor"))) {
      throw VaultException.badRequest("hmac_accessor=false is not supported: accessors are never kept in clear");
    }
    AuditDevices.Device device = new AuditDevices.Device(devicePath, "file", Json.stringField(body, "description", ""),
        Map.copyOf(options), AesGcm.randomBytes(32), UUID.randomUUID().toString().replace("-", ""), clock.instant());
    return runner.enable(device).thenApply(v -> VaultResponse.noContent());
  }

  private static String devicePath(String raw) {
    if (!PATH.matcher(raw).matches()) {
      throw VaultException.badRequest("invalid audit device path \"" + raw + "\"");
    }
    return raw.endsWith("/") ? raw : raw + "/";
  }

  private static ObjectNode describe(AuditDevices.Device dev, AuditDelivery delivery) {
    ObjectNode o = Json.object();
    o.put("type", dev.type());
    o.put("description", dev.description());
    ObjectNode opts = o.putObject("options");
    dev.options().forEach(opts::put);
    o.put("local", false);
    o.put("path", dev.path());
    ObjectNode d = o.putObject("delivery");
    AuditDelivery.Status s = delivery.status(dev.id());
    if (s.lastDelivered() == null) {
      d.putNull("last_delivered_time");
    } else {
      d.put("last_delivered_time", s.lastDelivered().toString());
    }
    d.put("lag_seconds", delivery.lagSeconds(dev.id()));
    if (s.lastError() == null) {
      d.putNull("last_error");
    } else {
      d.put("last_error", s.lastError());
    }
    return o;
  }
}
