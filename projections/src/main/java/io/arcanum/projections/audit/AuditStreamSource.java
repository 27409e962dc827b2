package io.arcanum.projections.audit;

import io.arcanum.domain.barrier.SealedEvent;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.projection.eventsourced.EventEnvelope;
import org.apache.pekko.projection.javadsl.SourceProvider;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The records of one audit stream, in order, for a projection: the live
 * {@code eventsByPersistenceId} query of the stream's persistence id, resumed after the sequence
 * number stored as the projection's offset. Audit records carry no tag, so making one durable is a
 * single journal write (a tagged event also waits for its write to the tag table, which halved the
 * audited throughput, docs/benchmarks.md); the streams are few and known, so each is read by its
 * persistence id instead.
 */
public final class AuditStreamSource extends SourceProvider<Long, EventEnvelope<SealedEvent>> {

  private final CassandraReadJournal journal;
  private final String persistenceId;

  /**
   * @param system the actor system
   * @param persistenceId the audit stream's persistence id ({@code AuditLog|stream-N})
   */
  public AuditStreamSource(ActorSystem<?> system, String persistenceId) {
    this.journal = PersistenceQuery.get(system.classicSystem())
        .getReadJournalFor(CassandraReadJournal.class, CassandraReadJournal.Identifier());
    this.persistenceId = persistenceId;
  }

  /**
   * @param offset the sequence number of the last record delivered, if any
   * @return every later record, then new ones as they are written
   */
  @Override
  public CompletionStage<Source<EventEnvelope<SealedEvent>, NotUsed>> source(
      Supplier<CompletionStage<Optional<Long>>> offset) {
    return offset.get().thenApply(last -> journal
        .eventsByPersistenceId(persistenceId, last.map(n -> n + 1).orElse(1L), Long.MAX_VALUE)
        .map(env -> EventEnvelope.create(env.offset(), env.persistenceId(), env.sequenceNr(),
            (SealedEvent) env.event(), env.timestamp())));
  }

  /**
   * @param envelope a record
   * @return its sequence number in the stream
   */
  @Override
  public Long extractOffset(EventEnvelope<SealedEvent> envelope) {
    return envelope.sequenceNr();
  }

  /**
   * @param envelope a record
   * @return when it was written, epoch milliseconds
   */
  @Override
  public long extractCreationTime(EventEnvelope<SealedEvent> envelope) {
    return envelope.timestamp();
  }
}
