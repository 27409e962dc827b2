package io.arcanum.domain.audit;

import com.fasterxml.jackson.databind.JsonNode;
import io.arcanum.domain.CborSerializable;
import io.arcanum.domain.Reply;
import io.arcanum.domain.barrier.SealedEvent;
import io.arcanum.domain.entity.SealedEntity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * One audit stream: an append-only, hash-chained sequence of audit records (a few streams per
 * cluster, sharded). An {@link Append} of several records (a group commit: the records of all
 * requests that arrived while the previous write was in flight) becomes one {@link RecordsAppended}
 * event, so one sealed journal row holds the whole group; the reply comes once it is durable. Each
 * record keeps its own sequence number and hash in the stream's chain ({@link Record}); streams
 * written before this carry one {@link RecordAppended} per record, which still replay and read
 * ({@link #records(Object)} reads both).
 *
 * <p>A write that fails stops the stream, which restarts with back-off and re-reads its chain: the
 * caller's request fails closed meanwhile, and the service recovers by itself once storage is back.
 * A record that does not open, belongs to another stream or breaks the chain fails the stream
 * ({@link SealedEntity}): it answers every append with an integrity rejection, so requests fail closed.
 */
public final class AuditLog extends SealedEntity<AuditLog.Command, AuditLog.State> {

  /** The sharding type key; persistence ids are {@code audit|<stream>}. */
  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "audit");
  // No tags: a tagged event is also written to the tag table before persist completes, which doubled
  // the time a request waits for its audit record. Devices read each stream by persistence id.

  /** Commands. */
  public interface Command extends CborSerializable {}

  /**
   * Appends records, in order.
   *
   * @param bodies the record bodies (Vault's audit format; sensitive strings already hashed)
   * @param replyTo gets {@link Appended} once durable
   */
  public record Append(List<JsonNode> bodies, ActorRef<Reply> replyTo) implements Command {}

  /**
   * @param seqs the sequence numbers given to the records, in order
   */
  public record Appended(List<Long> seqs) implements Reply {}

  /**
   * Where the stream stands.
   *
   * @param replyTo gets {@link Position}
   */
  public record Head(ActorRef<Reply> replyTo) implements Command {}

  /**
   * The head of an intact stream.
   *
   * @param seq the last sequence number (0: empty)
   * @param lastHash the last hash ({@link AuditChain#GENESIS} when empty)
   */
  public record Position(long seq, String lastHash) implements Reply {}

  /**
   * One record as streams wrote it before records were grouped ({@link RecordsAppended}); still read.
   *
   * @param entityId the persistence id
   * @param stream the stream name
   * @param seq its sequence number (from 1)
   * @param previousHash the previous record's hash
   * @param hash this record's hash
   * @param body the record
   */
  public record RecordAppended(String entityId, String stream, long seq, String previousHash, String hash,
      JsonNode body) implements SealedEvent {}

  /**
   * One record of a stream's chain.
   *
   * @param seq its sequence number in the stream (from 1)
   * @param previousHash the previous record's hash
   * @param hash this record's hash ({@link AuditChain#hash})
   * @param body the record (Vault's audit format; sensitive strings already hashed)
   */
  public record Record(long seq, String previousHash, String hash, JsonNode body) implements CborSerializable {}

  /**
   * The records of one group commit, in order: one journal row for all of them.
   *
   * @param entityId the persistence id
   * @param stream the stream name
   * @param records the records, consecutive in the chain (never empty)
   */
  public record RecordsAppended(String entityId, String stream, List<Record> records) implements SealedEvent {}

  /**
   * The records an event of a stream holds, whichever form it was written in.
   *
   * @param event an event read from a stream's journal
   * @return its records in order; empty for anything else (a snapshot, a {@code TamperedEvent})
   */
  public static List<Record> records(Object event) {
    if (event instanceof RecordsAppended batch) {
      return batch.records();
    }
    if (event instanceof RecordAppended one) {
      return List.of(new Record(one.seq(), one.previousHash(), one.hash(), one.body()));
    }
    return List.of();
  }

  /**
   * @param seq the last sequence number (0: empty)
   * @param lastHash the last hash ({@link AuditChain#GENESIS} when empty)
   * @param tampered an integrity error, or null
   */
  public record State(long seq, String lastHash, String tampered) implements CborSerializable {}

  /**
   * Back-off of a stream that failed to write or to recover. While storage is down every request fails
   * closed anyway; what matters is that a stream is back within a second once storage answers again
   * (a 5 s cap kept audited requests failing for up to 5 s after Cassandra was back).
   */
  private static final Duration MIN_BACKOFF = Duration.ofMillis(100);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(1);

  private final String stream;

  /**
   * @param stream the stream name (the sharding entity id)
   * @return the behavior of that stream
   */
  public static Behavior<Command> create(String stream) {
    return new AuditLog(stream);
  }

  private AuditLog(String stream) {
    super(PersistenceId.of(TYPE_KEY.name(), stream),
        SupervisorStrategy.restartWithBackoff(MIN_BACKOFF, MAX_BACKOFF, 0.2));
    this.stream = stream;
  }

  /**
   * @param index an audit stream's number, from 0 ({@code arcanum.audit.streams} streams)
   * @return its name, the entity id of its log: {@code stream-<index>}
   */
  public static String streamName(int index) {
    return "stream-" + index;
  }

  @Override
  public State emptyState() {
    return new State(0, AuditChain.GENESIS, null);
  }

  @Override
  protected String integrityFailure(State s) {
    return s.tampered();
  }

  @Override
  protected State failed(State s, String failure) {
    return new State(s.seq(), s.lastHash(), failure);
  }

  /** A stream's head in a snapshot (sealed like events), so recovery does not replay the whole stream. */
  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(1000, 2);
  }

  /**
   * A stream's head as stored in a snapshot.
   *
   * @param entityId the persistence id
   * @param seq last sequence number
   * @param lastHash last hash
   */
  public record Snapshot(String entityId, long seq, String lastHash) implements SealedEvent {}

  @Override
  public SnapshotAdapter<State> snapshotAdapter() {
    return new SnapshotAdapter<>() {
      @Override
      public Object toJournal(State s) {
        return new Snapshot(persistenceId, s.seq(), s.lastHash());
      }

      @Override
      public State fromJournal(Object from) {
        return restored(from, Snapshot.class, snap -> new State(snap.seq(), snap.lastHash(), null));
      }
    };
  }

  @Override
  public CommandHandler<Command, SealedEvent, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Head.class, (s, c) -> Effect().reply(c.replyTo(), answer(s, () -> new Position(s.seq(), s.lastHash()))))
        .onCommand(Append.class, (s, c) -> unlessFailed(s, c.replyTo(), () -> {
          if (c.bodies().isEmpty()) {
            return Effect().reply(c.replyTo(), new Appended(List.of()));
          }
          List<Record> records = new ArrayList<>();
          List<Long> seqs = new ArrayList<>();
          long seq = s.seq();
          String prev = s.lastHash();
          for (JsonNode body : c.bodies()) {
            seq++;
            String hash = AuditChain.hash(prev, stream, seq, body);
            records.add(new Record(seq, prev, hash, body));
            seqs.add(seq);
            prev = hash;
          }
          return Effect().persist((SealedEvent) new RecordsAppended(persistenceId, stream, records))
              .thenReply(c.replyTo(), st -> new Appended(seqs));
        }))
        .build();
  }

  @Override
  public EventHandler<State, SealedEvent> eventHandler() {
    return sealedEvents()
        .onEvent(RecordAppended.class, (s, e) -> owned(s, e, st -> follow(st, records(e))))
        .onEvent(RecordsAppended.class, (s, e) -> owned(s, e, st -> follow(st, e.records())))
        .build();
  }

  /** The state after records that must continue the chain; a failed state at the first that does not. */
  private State follow(State s, List<Record> records) {
    State st = s;
    for (Record r : records) {
      if (r.seq() != st.seq() + 1 || !r.previousHash().equals(st.lastHash())) {
        return fail(st, "audit chain broken at record " + r.seq());
      }
      st = new State(r.seq(), r.hash(), null);
    }
    return st;
  }
}
