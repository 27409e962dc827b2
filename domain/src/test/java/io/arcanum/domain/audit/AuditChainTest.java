package io.arcanum.domain.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** The chain's canonical form: stable across number decodings and key order, sensitive to content. */
class AuditChainTest {

  private static String hash(JsonNode body) {
    return AuditChain.hash(AuditChain.GENESIS, "stream-0", 1, body);
  }

  @Test
  void stringsAreQuotedExactlyAsJacksonsGeneratorQuotesThem() throws Exception {
    // chains written so far were hashed with ObjectMapper.writeValueAsString for every key and string
    ObjectMapper generator = new ObjectMapper();
    java.util.List<String> samples = new java.util.ArrayList<>();
    for (char c = 0; c < Character.MAX_VALUE; c++) {
      samples.add(String.valueOf(c)); // every UTF-16 unit, lone surrogates included
    }
    samples.add("");
    samples.add("a\"b\\c/d\n\r\t\b\f\u0000\u001f\u007f\u2028\u2029 é 𝄞 \ud800x");
    java.util.Random random = new java.util.Random(42);
    for (int i = 0; i < 2_000; i++) {
      char[] chars = new char[random.nextInt(40)];
      for (int j = 0; j < chars.length; j++) {
        chars[j] = random.nextBoolean() ? (char) random.nextInt(128) : (char) random.nextInt(Character.MAX_VALUE);
      }
      samples.add(new String(chars));
    }
    for (String sample : samples) {
      StringBuilder quoted = new StringBuilder();
      AuditChain.quote(sample, quoted);
      assertEquals(generator.writeValueAsString(sample), quoted.toString());
    }
    // and so whole bodies hash as before: keys and values with characters that need escaping
    JsonNode body = generator.readTree("{\"k\\\"ey\":\"v\\n\\u0001é\",\"a\":[\"x\",{\"z\":\"\\t\"}]}");
    assertEquals("{\"a\":[\"x\",{\"z\":\"\\t\"}],\"k\\\"ey\":\"v\\n\\u0001é\"}",
        canonicalOf(body));
  }

  private static String canonicalOf(JsonNode body) {
    StringBuilder out = new StringBuilder();
    AuditChain.canonical(body, out);
    return out.toString();
  }

  @Test
  void numbersHashTheSameHoweverTheyWereDecoded() throws Exception {
    JsonNodeFactory f = JsonNodeFactory.withExactBigDecimals(true);
    String asDecimal = hash(f.objectNode().set("n", f.numberNode(new BigDecimal("2.0"))));
    assertEquals(asDecimal, hash(f.objectNode().put("n", 2)));
    assertEquals(asDecimal, hash(f.objectNode().put("n", 2.0d)));
    assertEquals(hash(f.objectNode().set("n", f.numberNode(new BigDecimal("1000000.0")))),
        hash(f.objectNode().put("n", 1e6d)));
    assertEquals(hash(f.objectNode().set("n", f.numberNode(new BigDecimal("1E+999999")))),
        hash(new ObjectMapper().enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .setNodeFactory(f).readTree("{\"n\":1e999999}")), "a huge exponent stays compact");
    assertNotEquals(asDecimal, hash(f.objectNode().put("n", 2.5d)));
  }

  @Test
  void keyOrderDoesNotMatterButContentDoes() throws Exception {
    ObjectMapper m = new ObjectMapper();
    assertEquals(hash(m.readTree("{\"a\":1,\"b\":{\"c\":[1,\"x\",null,true]}}")),
        hash(m.readTree("{\"b\":{\"c\":[1,\"x\",null,true]},\"a\":1}")));
    assertNotEquals(hash(m.readTree("{\"a\":\"1\"}")), hash(m.readTree("{\"a\":1}")), "a string is not a number");
    assertNotEquals(hash(m.readTree("{\"a\":[1,2]}")), hash(m.readTree("{\"a\":[2,1]}")));
  }
}
