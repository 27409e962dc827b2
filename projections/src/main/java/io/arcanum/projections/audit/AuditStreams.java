package io.arcanum.projections.audit;

import io.arcanum.domain.audit.AuditLog;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.IntStream;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * The audit streams whose records must be read: the {@code arcanum.audit.streams} streams this node
 * writes to, and any stream beyond them that a node with a larger setting wrote before. Lowering the
 * setting must never hide records from audit devices or from {@code forensics verify}.
 */
public final class AuditStreams {

  /** How many stream numbers past the configured ones are probed for records. */
  public static final int PROBED_BEYOND = 64;

  private AuditStreams() {}

  /**
   * @param system the actor system (its read journal is queried, one query per probed stream)
   * @param configured the configured number of streams ({@code arcanum.audit.streams}, at least 1)
   * @return the names of streams 0 to n-1, n being the larger of {@code configured} and one more than
   *     the highest stream number, among the next {@link #PROBED_BEYOND}, that holds an event
   */
  public static CompletionStage<List<String>> present(ActorSystem<?> system, int configured) {
    CassandraReadJournal journal = PersistenceQuery.get(system.classicSystem())
        .getReadJournalFor(CassandraReadJournal.class, CassandraReadJournal.Identifier());
    List<CompletableFuture<Boolean>> probes = IntStream.range(configured, configured + PROBED_BEYOND)
        .mapToObj(i -> journal.currentEventsByPersistenceId(
                PersistenceId.of(AuditLog.TYPE_KEY.name(), AuditLog.streamName(i)).id(), 0L, Long.MAX_VALUE)
            .take(1)
            .runWith(Sink.headOption(), system)
            .thenApply(first -> first.isPresent())
            .toCompletableFuture())
        .toList();
    return CompletableFuture.allOf(probes.toArray(CompletableFuture[]::new)).thenApply(v -> {
      int n = configured;
      for (int i = 0; i < probes.size(); i++) {
        if (probes.get(i).join()) {
          n = configured + i + 1;
        }
      }
      return IntStream.range(0, n).mapToObj(AuditLog::streamName).toList();
    });
  }
}
