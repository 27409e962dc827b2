package io.arcanum.domain.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The two HMAC steps: RFC 4231's known answer, and one keyed HMAC per tree giving each string's own HMAC. */
class AuditHasherTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void hmacMatchesRfc4231TestCase2() {
    assertEquals("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        AuditHasher.hmacHex("Jefe".getBytes(StandardCharsets.US_ASCII),
            "what do ya want for nothing?".getBytes(StandardCharsets.US_ASCII)));
  }

  private static void strings(JsonNode n, List<String> out) {
    if (n.isTextual()) {
      out.add(n.textValue());
    }
    n.forEach(c -> strings(c, out));
  }

  @Test
  void everyStringOfATreeGetsItsOwnHmacUnderOneKeying() throws Exception {
    byte[] auditKey = new byte[32];
    byte[] salt = "device-salt".getBytes(StandardCharsets.US_ASCII);
    AuditHasher hasher = new AuditHasher(auditKey);
    JsonNode body = JSON.readTree("{\"path\":\"secret/data/a\",\"n\":3,\"ok\":true,\"data\":{\"x\":\"same\","
        + "\"y\":\"same\",\"z\":[\"\",\"a much longer value that spans more than one SHA-256 block of sixty-four bytes\"]}}");

    JsonNode step1 = hasher.hashTree(body);
    List<String> plain = new ArrayList<>();
    List<String> hashed = new ArrayList<>();
    strings(body, plain);
    strings(step1, hashed);
    assertEquals(plain.size(), hashed.size());
    for (int i = 0; i < plain.size(); i++) {
      assertEquals(hasher.hash(plain.get(i)), hashed.get(i), "string " + i);
    }
    assertEquals(3, step1.get("n").asInt());
    assertEquals(step1.get("data").get("x"), step1.get("data").get("y"));

    JsonNode device = new AuditHasher.DeviceHasher(salt).view(step1, Set.of("path"));
    assertEquals(step1.get("path"), device.get("path"), "a clear field keeps its step-1 value");
    List<String> rehashed = new ArrayList<>();
    strings(device.get("data"), rehashed);
    List<String> expected = new ArrayList<>();
    for (String p : plain.subList(1, plain.size())) {
      expected.add(hasher.deviceHash(p, salt));
    }
    assertEquals(expected, rehashed);
    assertNotEquals(device.get("data").get("z").get(0), device.get("data").get("z").get(1));
  }
}
