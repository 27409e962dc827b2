package io.arcanum.projections.audit;

import io.arcanum.domain.audit.AuditLog;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.stream.IntStream;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * The audit streams whose records must be read: the {@code arcanum.audit.streams} streams this node
 * writes to, and any stream beyond them that a node with a larger setting wrote before, as the
 * journal's list of persistence ids shows them. Lowering the setting must never hide records from
 * audit devices or from {@code forensics verify}.
 */
public final class AuditStreams {

  /** The persistence id of an audit stream without its number: {@code audit|stream-}. */
  private static final String PREFIX = PersistenceId.of(AuditLog.TYPE_KEY.name(), AuditLog.streamName(0)).id()
      .replaceFirst("0$", "");

  private AuditStreams() {}

  /**
   * @param system the actor system (its read journal's list of persistence ids is read once)
   * @param configured the configured number of streams ({@code arcanum.audit.streams}, at least 1)
   * @return as {@link #among}, over every persistence id of the journal
   */
  public static CompletionStage<List<String>> present(ActorSystem<?> system, int configured) {
    CassandraReadJournal journal = PersistenceQuery.get(system.classicSystem())
        .getReadJournalFor(CassandraReadJournal.class, CassandraReadJournal.Identifier());
    return journal.currentPersistenceIds().filter(id -> id.startsWith(PREFIX)).runWith(Sink.seq(), system)
        .thenApply(ids -> among(ids, configured));
  }

  /**
   * @param persistenceIds persistence ids of the journal (any kind; others are ignored)
   * @param configured the configured number of streams ({@code arcanum.audit.streams}, at least 1)
   * @return the names of streams 0 to n-1 ({@code stream-N}), n being the larger of {@code configured}
   *     and one more than the highest stream number among {@code persistenceIds}
   */
  public static List<String> among(Iterable<String> persistenceIds, int configured) {
    int n = configured;
    for (String id : persistenceIds) {
      if (id.startsWith(PREFIX)) {
        try {
          n = Math.max(n, Integer.parseInt(id.substring(PREFIX.length())) + 1);
        } catch (NumberFormatException e) {
          // not a stream of ours: ignored
        }
      }
    }
    return IntStream.range(0, n).mapToObj(AuditLog::streamName).toList();
  }
}
