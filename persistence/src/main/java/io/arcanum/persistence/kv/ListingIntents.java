package io.arcanum.persistence.kv;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.arcanum.persistence.JournalConfig;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.Done;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;

/**
 * Listing intents: durable notes, one per KV path, that a change which may bring the key into or out
 * of existence is under way, written before the change's event and cleared once the listing is up
 * to date ({@link KvListing}). A node that dies in between leaves its note behind, and the listing
 * repair (in the projections module) finds it there, asks the path's entity whether the key exists,
 * fixes the listing and clears the note. Table {@code kv_listing_intents} in the journal's keyspace:
 * {@value #BUCKETS} partitions, so that the repair reads them all in a few queries.
 *
 * <p>Each note is written with its own time as the write timestamp and cleared with the same one, so
 * that clearing an old note never removes a newer note for the same path.
 */
public final class ListingIntents {

  /** Table name inside the journal's keyspace. */
  public static final String TABLE = "kv_listing_intents";

  /** Partitions of the table. */
  public static final int BUCKETS = 16;

  /**
   * A note.
   *
   * @param persistenceId the KV path's persistence id
   * @param micros when it was written (its write timestamp), microseconds since the epoch
   */
  public record Intent(String persistenceId, long micros) {}

  private final CassandraSession session;
  private final String table;
  private final String stateTable;
  private final Clock clock;
  private final AtomicLong last = new AtomicLong();
  private volatile CompletionStage<PreparedStatement> insert;
  private volatile CompletionStage<PreparedStatement> delete;

  /**
   * @param session a Cassandra session of the actor system
   * @param keyspace the keyspace (the journal's)
   * @param clock the clock of the notes' times
   */
  public ListingIntents(CassandraSession session, String keyspace, Clock clock) {
    this.session = session;
    this.table = keyspace + "." + TABLE;
    this.stateTable = keyspace + "." + STATE_TABLE;
    this.clock = clock;
  }

  /** @return completes once the tables exist (the intents, and {@value #STATE_TABLE}) */
  public CompletionStage<Done> createTable() {
    return session.executeDDL("CREATE TABLE IF NOT EXISTS " + table
            + " (bucket int, persistence_id text, since bigint, PRIMARY KEY ((bucket), persistence_id))")
        .thenCompose(d -> session.executeDDL("CREATE TABLE IF NOT EXISTS " + stateTable
            + " (name text PRIMARY KEY, value text)"));
  }

  /** Table of the listing's own settings in the journal's keyspace (one row: {@value #REBUILT}). */
  public static final String STATE_TABLE = "kv_listing_state";

  /**
   * The row saying the listing was checked against the journal once: a store written by a version of
   * Arcanum that kept the listing with a projection over tagged events may miss the last changes
   * that projection had not applied yet.
   */
  public static final String REBUILT = "rebuilt-from-journal";

  /** @return whether every KV path of the journal was checked against the listing once */
  public CompletionStage<Boolean> rebuilt() {
    return session.selectOne("SELECT value FROM " + stateTable + " WHERE name = ?", REBUILT)
        .thenApply(row -> row.isPresent());
  }

  /**
   * Records that every KV path of the journal was checked against the listing.
   *
   * @return completes once durable
   */
  public CompletionStage<Done> markRebuilt() {
    return session.executeWrite(com.datastax.oss.driver.api.core.cql.SimpleStatement.newInstance(
        "INSERT INTO " + stateTable + " (name, value) VALUES (?, ?)", REBUILT, clock.instant().toString())
        .setExecutionProfileName(JournalConfig.PROFILE).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM));
  }

  /**
   * Writes the note of a path.
   *
   * @param persistenceId the path's persistence id
   * @return the note, once durable
   */
  public CompletionStage<Intent> record(String persistenceId) {
    long micros = nextMicros();
    CompletionStage<PreparedStatement> ps = insert;
    if (ps == null || ps.toCompletableFuture().isCompletedExceptionally()) {
      ps = session.prepare("INSERT INTO " + table + " (bucket, persistence_id, since) VALUES (?, ?, ?) USING TIMESTAMP ?");
      insert = ps;
    }
    return ps.thenCompose(p -> session.executeWrite(p.bind(bucket(persistenceId), persistenceId, micros, micros)
            .setExecutionProfileName(JournalConfig.PROFILE).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM)))
        .thenApply(d -> new Intent(persistenceId, micros));
  }

  /**
   * Clears a note (and any older one of the same path; a newer one stays).
   *
   * @param intent the note
   * @return completes once durable
   */
  public CompletionStage<Done> clear(Intent intent) {
    CompletionStage<PreparedStatement> ps = delete;
    if (ps == null || ps.toCompletableFuture().isCompletedExceptionally()) {
      ps = session.prepare("DELETE FROM " + table + " USING TIMESTAMP ? WHERE bucket = ? AND persistence_id = ?");
      delete = ps;
    }
    return ps.thenCompose(p -> session.executeWrite(p.bind(intent.micros(), bucket(intent.persistenceId()),
        intent.persistenceId()).setExecutionProfileName(JournalConfig.PROFILE).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM)));
  }

  /**
   * @param before notes written before this instant
   * @return every note written before it, all partitions read
   */
  public CompletionStage<List<Intent>> olderThan(Instant before) {
    long cutoff = ChronoUnit.MICROS.between(Instant.EPOCH, before);
    List<CompletableFuture<List<Row>>> reads = new ArrayList<>();
    for (int b = 0; b < BUCKETS; b++) {
      reads.add(session.selectAll(com.datastax.oss.driver.api.core.cql.SimpleStatement.newInstance(
              "SELECT persistence_id, since FROM " + table + " WHERE bucket = ?", b)
          .setExecutionProfileName(JournalConfig.PROFILE)).toCompletableFuture());
    }
    return CompletableFuture.allOf(reads.toArray(new CompletableFuture[0])).thenApply(v -> {
      List<Intent> out = new ArrayList<>();
      for (CompletableFuture<List<Row>> r : reads) {
        for (Row row : r.join()) {
          if (row.getLong("since") < cutoff) {
            out.add(new Intent(row.getString("persistence_id"), row.getLong("since")));
          }
        }
      }
      return out;
    });
  }

  /** @return strictly increasing microseconds on this node, from its clock */
  private long nextMicros() {
    long now = ChronoUnit.MICROS.between(Instant.EPOCH, clock.instant());
    return last.updateAndGet(prev -> Math.max(prev + 1, now));
  }

  private static int bucket(String persistenceId) {
    return Math.floorMod(persistenceId.hashCode(), BUCKETS);
  }
}
