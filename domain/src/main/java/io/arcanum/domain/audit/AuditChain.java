package io.arcanum.domain.audit;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import io.arcanum.domain.barrier.Sha256;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;

/**
 * The hash chain of an audit stream: each record's hash is
 * {@code SHA-256(previous hash | stream | sequence number | canonical JSON of the record body)}, so a
 * missing, reordered or altered record breaks every hash after it.
 *
 * <p>The canonical JSON has object keys in sorted order, no spaces, and every number written from its
 * exact decimal value with trailing zeros removed ({@code 2}, {@code 2.0} and {@code 2E+0} all become
 * {@code 2}), so that a body hashes the same however its numbers were decoded (as integers, doubles
 * or big decimals) after a round trip through storage.
 */
public final class AuditChain {

  /** The previous hash of a stream's first record. */
  public static final String GENESIS = "0".repeat(64);

  private AuditChain() {}

  /**
   * @param previousHash the previous record's hash (or {@link #GENESIS})
   * @param stream the stream's name
   * @param seq the record's sequence number in the stream (from 1)
   * @param body the record body
   * @return the record's hash, 64 hex characters
   */
  public static String hash(String previousHash, String stream, long seq, JsonNode body) {
    StringBuilder canonical = new StringBuilder();
    canonical(body, canonical);
    byte[] bar = {'|'};
    return HexFormat.of().formatHex(Sha256.digest(previousHash.getBytes(StandardCharsets.US_ASCII), bar,
        stream.getBytes(StandardCharsets.UTF_8), bar, Long.toString(seq).getBytes(StandardCharsets.US_ASCII), bar,
        canonical.toString().getBytes(StandardCharsets.UTF_8)));
  }

  static void canonical(JsonNode n, StringBuilder out) {
    if (n == null || n.isNull() || n.isMissingNode()) {
      out.append("null");
    } else if (n.isObject()) {
      // keys in String order (as a TreeMap would give them), without a map per object
      String[] keys = new String[n.size()];
      int k = 0;
      for (java.util.Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
        keys[k++] = it.next();
      }
      java.util.Arrays.sort(keys);
      out.append('{');
      for (int i = 0; i < keys.length; i++) {
        if (i > 0) {
          out.append(',');
        }
        quote(keys[i], out);
        out.append(':');
        canonical(n.get(keys[i]), out);
      }
      out.append('}');
    } else if (n.isArray()) {
      out.append('[');
      for (int i = 0; i < n.size(); i++) {
        if (i > 0) {
          out.append(',');
        }
        canonical(n.get(i), out);
      }
      out.append(']');
    } else if ((n.isDouble() || n.isFloat()) && !Double.isFinite(n.doubleValue())) {
      out.append(n.asText()); // not a JSON number; only reachable from a decoder that overflowed
    } else if (n.isNumber()) {
      java.math.BigDecimal v = n.isBigDecimal() ? n.decimalValue()
          : n.isIntegralNumber() ? new java.math.BigDecimal(n.bigIntegerValue()) : new java.math.BigDecimal(n.asText());
      out.append(v.signum() == 0 ? "0" : v.stripTrailingZeros().toString());
    } else if (n.isBoolean()) {
      out.append(n.booleanValue());
    } else {
      quote(n.asText(), out); // text, and binary as its base64 text
    }
  }

  /**
   * Appends {@code s} as a JSON string: the same characters as Jackson's default generator writes
   * ({@code ObjectMapper.writeValueAsString}, which chains made so far were hashed with), through
   * Jackson's own quoting without a generator per string.
   */
  static void quote(String s, StringBuilder out) {
    out.append('"');
    JsonStringEncoder.getInstance().quoteAsString(s, out);
    out.append('"');
  }

  /**
   * A record of a stream as read back for verification.
   *
   * @param seq its sequence number
   * @param previousHash the previous hash it names
   * @param hash its own hash
   * @param body its body
   */
  public record Link(long seq, String previousHash, String hash, JsonNode body) {}

  /**
   * Checks a stream read from its first record or from a known link.
   *
   * @param stream the stream name
   * @param expectedPrevious the hash the first link must name ({@link #GENESIS} from the start)
   * @param expectedSeq the sequence number the first link must have
   * @param links the records in journal order
   * @return the problems found, each naming the sequence number; empty when the chain holds
   */
  public static List<String> verify(String stream, String expectedPrevious, long expectedSeq, List<Link> links) {
    List<String> problems = new java.util.ArrayList<>();
    String prev = expectedPrevious;
    long seq = expectedSeq;
    for (Link l : links) {
      if (l.seq() != seq) {
        problems.add(stream + ": expected record " + seq + " but found record " + l.seq()
            + (l.seq() > seq ? " (records " + seq + ".." + (l.seq() - 1) + " are missing)" : " (out of order)"));
      }
      if (!l.previousHash().equals(prev)) {
        problems.add(stream + " record " + l.seq() + ": previous hash does not match the record before it");
      }
      if (!hash(l.previousHash(), stream, l.seq(), l.body()).equals(l.hash())) {
        problems.add(stream + " record " + l.seq() + ": content does not match its hash (altered)");
      }
      prev = l.hash();
      seq = l.seq() + 1;
    }
    return problems;
  }
}
