package io.arcanum.api.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.arcanum.api.ArcanumNode;
import io.arcanum.api.auth.Caller;
import io.arcanum.api.sys.SealService;
import io.arcanum.domain.token.TokenEntry;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Records that hold a token, a key or secret data never print it. */
class RedactionTest {

  private static final String TOKEN = "hvs.sEcReTtOkEn1234567890";

  @Test
  void aRequestNeverPrintsItsTokenOrBody() throws Exception {
    VaultRequest req = new VaultRequest("req-1", "POST", "secret/data/app", Map.of("version", "3"), TOKEN,
        Json.MAPPER.readTree("{\"data\":{\"password\":\"hunter2-secret\"}}"), "application/json", "127.0.0.1");
    String s = req.toString();
    assertFalse(s.contains(TOKEN), s);
    assertFalse(s.contains("hunter2-secret"), s);
    assertTrue(s.contains("secret/data/app") && s.contains("req-1") && s.contains("<redacted>"), s);
    assertTrue(new VaultRequest("req-2", "GET", "sys/health", Map.of(), null, null, "", "").toString()
        .contains("token none"));
  }

  @Test
  void aCallerNeverPrintsItsToken() {
    TokenEntry.Info info = new TokenEntry.Info("accessor-1", List.of("default"), "token", Map.of(), Instant.now(),
        Duration.ofHours(1), Duration.ZERO, Duration.ZERO, 0, true, null, "auth/token/create");
    Caller caller = new Caller(TOKEN, "hash-of-the-token", new TokenEntry.View(info, null, 0, List.of()));
    String s = caller.toString();
    assertFalse(s.contains(TOKEN), s);
    assertFalse(s.contains("hash-of-the-token"), s);
    assertTrue(s.contains("accessor-1"), s);
  }

  @Test
  void initializationAndDevCredentialsNeverPrintKeysOrTokens() {
    byte[] share = new byte[33];
    java.util.Arrays.fill(share, (byte) 0x42);
    String s = new SealService.Initialization(List.of(share), TOKEN).toString();
    assertFalse(s.contains(TOKEN), s);
    assertFalse(s.contains("[B@"), s);
    assertTrue(s.contains("1 unseal key share"), s);
    String key = Base64.getEncoder().encodeToString(share);
    String dev = new ArcanumNode.DevCredentials(key, TOKEN).toString();
    assertFalse(dev.contains(TOKEN) || dev.contains(key), dev);
  }
}
