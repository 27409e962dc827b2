package io.arcanum.domain.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The hash chain of an audit stream: each record's hash is
 * {@code SHA-256(previous hash | stream | sequence number | canonical JSON of the record body)}, so a
 * missing, reordered or altered record breaks every hash after it.
 */
public final class AuditChain {

  /** The previous hash of a stream's first record. */
  public static final String GENESIS = "0".repeat(64);

  private static final ObjectMapper CANONICAL = new ObjectMapper()
      .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  private AuditChain() {}

  /**
   * @param previousHash the previous record's hash (or {@link #GENESIS})
   * @param stream the stream's name
   * @param seq the record's sequence number in the stream (from 1)
   * @param body the record body
   * @return the record's hash, 64 hex characters
   */
  public static String hash(String previousHash, String stream, long seq, JsonNode body) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update(previousHash.getBytes(StandardCharsets.US_ASCII));
      d.update((byte) '|');
      d.update(stream.getBytes(StandardCharsets.UTF_8));
      d.update((byte) '|');
      d.update(Long.toString(seq).getBytes(StandardCharsets.US_ASCII));
      d.update((byte) '|');
      d.update(CANONICAL.writeValueAsBytes(CANONICAL.treeToValue(body, Object.class)));
      return HexFormat.of().formatHex(d.digest());
    } catch (NoSuchAlgorithmException | JsonProcessingException e) {
      throw new IllegalStateException("cannot hash an audit record", e);
    }
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
