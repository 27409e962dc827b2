package io.arcanum.api.sys;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.arcanum.api.http.Json;
import io.arcanum.api.http.VaultException;
import io.arcanum.api.http.VaultRequest;
import io.arcanum.api.http.VaultRequest.Operation;
import io.arcanum.api.http.VaultResponse;
import io.arcanum.domain.seal.KeyringStore;
import io.arcanum.domain.util.GoDuration;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.CompletionStage;

/**
 * Key routes in Vault's wire format: {@code sys/rotate}, {@code sys/rotate/config},
 * {@code sys/key-status}, and the unauthenticated {@code sys/rekey/init} (GET status, PUT/POST
 * start, DELETE cancel) and {@code sys/rekey/update}, which need a threshold of unseal key shares
 * instead of a token, as in Vault. Who may call each, and with which operations, is in
 * {@link io.arcanum.api.http.RouteTable}; a method is only called with those.
 */
public final class KeyRoutes {

  private final KeyringService keyring;
  private final RekeyService rekey;
  private final long minRotationOperations;
  private final Duration minRotationInterval;

  /**
   * @param keyring rotation
   * @param rekey rekeying
   * @param minRotationOperations the lowest {@code max_operations} accepted (Vault: 1,000,000)
   * @param minRotationInterval the shortest non-zero {@code interval} accepted (Vault: 24 hours)
   */
  public KeyRoutes(KeyringService keyring, RekeyService rekey, long minRotationOperations, Duration minRotationInterval) {
    this.keyring = keyring;
    this.rekey = rekey;
    this.minRotationOperations = minRotationOperations;
    this.minRotationInterval = minRotationInterval;
  }

  /**
   * {@code sys/rotate}: adds a key term.
   *
   * @param req the request (authorized with sudo)
   * @return 204 once the new term is stored and active here
   */
  public CompletionStage<VaultResponse> rotate(VaultRequest req) {
    return keyring.rotate().thenApply(term -> VaultResponse.noContent());
  }

  /**
   * {@code sys/key-status}: the active key term.
   *
   * @param req the request (authorized with sudo)
   * @return the response
   */
  public CompletionStage<VaultResponse> keyStatus(VaultRequest req) {
    KeyringService.KeyStatus s = keyring.keyStatus();
    ObjectNode d = Json.object();
    d.put("term", s.term());
    d.put("install_time", s.installTime().toString());
    d.put("encryptions", s.encryptions());
    return java.util.concurrent.CompletableFuture.completedFuture(VaultResponse.sys(req.requestId(), d));
  }

  /**
   * {@code sys/rotate/config}: GET reads, POST changes automatic rotation.
   *
   * @param req the request (READ or WRITE, authorized with sudo)
   * @return the response
   * @throws VaultException 400 for settings out of range
   */
  public CompletionStage<VaultResponse> rotationConfig(VaultRequest req) {
    if (req.operation() == Operation.READ) {
      return keyring.rotationConfig().thenApply(c -> VaultResponse.sys(req.requestId(), rotationJson(c)));
    }
    return keyring.rotationConfig().thenCompose(old -> keyring.configureRotation(rotationInput(req.body(), old)))
        .thenApply(v -> VaultResponse.noContent());
  }

  private static ObjectNode rotationJson(KeyringStore.RotationConfig c) {
    ObjectNode d = Json.object();
    d.put("max_operations", c.maxOperations());
    d.put("interval", GoDuration.format(Duration.ofMillis(c.intervalMillis())));
    d.put("enabled", c.enabled());
    return d;
  }

  private KeyringStore.RotationConfig rotationInput(JsonNode raw, KeyringStore.RotationConfig old) {
    JsonNode body = Json.objectOrNull(raw);
    long max = old.maxOperations();
    if (body != null && body.hasNonNull("max_operations")) {
      JsonNode n = body.get("max_operations");
      if (n.isIntegralNumber() && n.canConvertToLong()) {
        max = n.longValue();
      } else if (n.isTextual() && n.textValue().matches("\\d{1,18}")) {
        max = Long.parseLong(n.textValue());
      } else {
        throw VaultException.badRequest("error converting input for field \"max_operations\": expected an integer");
      }
      if (max < minRotationOperations) {
        throw VaultException.badRequest("max_operations too low");
      }
      if (max > KeyringStore.RotationConfig.DEFAULT.maxOperations()) {
        throw VaultException.badRequest("max_operations too high");
      }
    }
    long interval = old.intervalMillis();
    if (body != null && body.hasNonNull("interval")) {
      Duration d;
      try {
        JsonNode n = body.get("interval");
        if (n.isIntegralNumber() && !n.canConvertToLong()) {
          throw new IllegalArgumentException("out of range");
        }
        d = n.isIntegralNumber() ? GoDuration.ofSeconds(n.longValue()) : GoDuration.parse(n.asText());
      } catch (IllegalArgumentException e) {
        throw VaultException.badRequest("error converting input for field \"interval\": expected a duration");
      }
      if (!d.isZero() && d.compareTo(minRotationInterval) < 0) {
        throw VaultException.badRequest("interval must be 0 or at least " + GoDuration.format(minRotationInterval));
      }
      interval = d.toMillis();
    }
    boolean enabled = Json.boolField(body, "enabled", old.enabled());
    return new KeyringStore.RotationConfig(max, interval, enabled);
  }

  /**
   * {@code sys/rekey/init} (unauthenticated; the node is unsealed): GET status, PUT/POST start,
   * DELETE cancel.
   *
   * @param req the request (READ, WRITE or DELETE)
   * @return the response
   * @throws VaultException 400 for unsupported or invalid settings
   */
  public CompletionStage<VaultResponse> rekeyInit(VaultRequest req) {
    JsonNode body = Json.objectOrNull(req.body());
    switch (req.operation()) {
      case READ:
        return rekey.status().thenApply(s -> VaultResponse.raw(statusJson(s)));
      case DELETE:
        rekey.cancel();
        return java.util.concurrent.CompletableFuture.completedFuture(VaultResponse.noContent());
      default:
        JsonNode pgp = body == null ? null : body.get("pgp_keys");
        if (pgp != null && !pgp.isNull() && !(pgp.isArray() && pgp.isEmpty())) {
          throw VaultException.badRequest("pgp_keys are not supported by this server");
        }
        if (Json.boolField(body, "backup", false)) {
          throw VaultException.badRequest("cannot request a backup of the new keys without PGP keys");
        }
        if (Json.boolField(body, "require_verification", false)) {
          throw VaultException.badRequest("require_verification is not supported by this server");
        }
        int shares = Json.intField(body, "secret_shares", 5);
        int threshold = Json.intField(body, "secret_threshold", 3);
        SysRoutes.validateShares(shares, threshold);
        return rekey.start(shares, threshold).thenApply(s -> VaultResponse.raw(statusJson(s)));
    }
  }

  /**
   * {@code sys/rekey/update} (unauthenticated; the node is unsealed): one current key share.
   *
   * @param req the request
   * @return the attempt's status, or the new shares once complete
   * @throws VaultException 400 for a missing or malformed key
   */
  public CompletionStage<VaultResponse> rekeyUpdate(VaultRequest req) {
    JsonNode body = Json.objectOrNull(req.body());
    String key = Json.stringField(body, "key", null);
    if (key == null || key.isEmpty()) {
      throw VaultException.badRequest("'key' must be specified in request body as JSON");
    }
    byte[] share = SysRoutes.decodeShare(key.trim());
    String nonce = Json.stringField(body, "nonce", "");
    return rekey.update(share, nonce).thenApply(u -> {
      if (u.newShares() == null) {
        return VaultResponse.raw(statusJson(u.status()));
      }
      ObjectNode out = Json.object();
      out.put("nonce", u.nonce());
      out.put("complete", true);
      ArrayNode hex = out.putArray("keys");
      ArrayNode b64 = out.putArray("keys_base64");
      for (byte[] s : u.newShares()) {
        hex.add(HexFormat.of().formatHex(s));
        b64.add(Base64.getEncoder().encodeToString(s));
      }
      out.putNull("pgp_fingerprints");
      out.put("backup", false);
      out.put("verification_required", false);
      return VaultResponse.raw(out);
    });
  }

  private static ObjectNode statusJson(RekeyService.Status s) {
    ObjectNode o = Json.object();
    boolean started = s.attempt() != null;
    o.put("nonce", started ? s.attempt().nonce() : "");
    o.put("started", started);
    o.put("t", started ? s.attempt().threshold() : 0);
    o.put("n", started ? s.attempt().shares() : 0);
    o.put("progress", s.progress());
    o.put("required", s.required());
    o.putNull("pgp_fingerprints");
    o.put("backup", false);
    o.put("verification_required", false);
    return o;
  }
}
