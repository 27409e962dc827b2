package io.arcanum.projections.forensics;

import com.fasterxml.jackson.databind.JsonNode;
import io.arcanum.domain.audit.AuditChain;
import io.arcanum.domain.audit.AuditLog;
import io.arcanum.domain.barrier.SealedEvent;
import io.arcanum.domain.barrier.TamperedEvent;
import io.arcanum.domain.kv.KvHistory;
import io.arcanum.domain.kv.KvProtocol;
import io.arcanum.domain.kv.KvSecret;
import io.arcanum.persistence.kv.DataKeyStore;
import io.arcanum.projections.audit.AuditStreams;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Audit forensics by replaying the journal: the ordered history of a secret path, the path as it was
 * at an instant, and a check of the audit streams (hash chains intact, every state-changing KV event
 * backed by its request record). Values stay sealed: a timeline names versions, operations, times,
 * accessors and request ids, never data.
 */
public final class Forensics {

  /**
   * One event of a path.
   *
   * @param seq its sequence number in the path's journal
   * @param operation what happened ({@code write}, {@code patch}, {@code delete}, {@code undelete}, {@code destroy},
   *     {@code metadata-write}, {@code metadata-delete}, {@code integrity-failure})
   * @param versions the versions it concerns
   * @param time when
   * @param requestId the request that caused it, or empty
   * @param accessor the accessor of the token that caused it, or empty
   */
  public record TimelineEntry(long seq, String operation, List<Integer> versions, Instant time, String requestId,
      String accessor) {}

  /**
   * The outcome of {@link #verify}.
   *
   * @param recordsChecked audit records read
   * @param eventsChecked state-changing KV events in the window
   * @param problems what is wrong, each naming the stream and record or the event; empty when all holds
   */
  public record Verification(long recordsChecked, long eventsChecked, List<String> problems) {}

  /**
   * A secret as it was at an instant.
   *
   * @param data its data, or null when it was deleted at that instant, or destroyed at any time
   *     (its data key forgotten), or pruned
   * @param info the version's metadata, or null when no version existed
   */
  public record PastState(JsonNode data, KvProtocol.VersionInfo info) {}

  private final ActorSystem<?> system;
  private final CassandraReadJournal journal;
  private final DataKeyStore keys;
  private final int auditStreams;

  /**
   * @param system the actor system (its barrier opens the events)
   * @param keys the versions' data keys (a forgotten key means the version's data is gone)
   * @param auditStreams the configured number of audit streams ({@code arcanum.audit.streams}); verify
   *     also walks any stream beyond them that the journal holds ({@link AuditStreams})
   */
  public Forensics(ActorSystem<?> system, DataKeyStore keys, int auditStreams) {
    this.system = system;
    this.keys = keys;
    this.journal = PersistenceQuery.get(system).getReadJournalFor(CassandraReadJournal.class,
        CassandraReadJournal.Identifier());
    this.auditStreams = auditStreams;
  }

  /**
   * @param persistenceId a persistence id
   * @return its events in order
   */
  public CompletionStage<List<EventEnvelope>> events(String persistenceId) {
    return journal.currentEventsByPersistenceId(persistenceId, 0, Long.MAX_VALUE).runWith(Sink.seq(), system);
  }

  /**
   * @param kvEntityId a KV entity id ({@code <mount uuid>/<path>})
   * @return every event of the path, in order
   */
  public CompletionStage<List<TimelineEntry>> timeline(String kvEntityId) {
    return events("kv|" + kvEntityId).thenApply(envs -> {
      List<TimelineEntry> out = new ArrayList<>();
      for (EventEnvelope env : envs) {
        out.add(entry(env.sequenceNr(), (SealedEvent) env.event()));
      }
      return out;
    });
  }

  /**
   * @param kvEntityId a KV entity id
   * @param at an instant
   * @return the path's current version as of {@code at}, its data opened with its data key
   */
  public CompletionStage<PastState> stateAt(String kvEntityId, Instant at) {
    String pid = "kv|" + kvEntityId;
    return events(pid).thenCompose(envs -> {
      List<SealedEvent> events = new ArrayList<>();
      envs.forEach(e -> events.add((SealedEvent) e.event()));
      KvProtocol.ReadResult r = KvHistory.stateAt(kvEntityId, events, at);
      if (r.data() == null) {
        return CompletableFuture.completedFuture(new PastState(null, r.info()));
      }
      return keys.open(pid, r.data()).thenApply(data -> {
        if (data == null) { // its data key was forgotten: destroyed
          return new PastState(null, r.info().asDestroyed());
        }
        return new PastState(data, r.info());
      });
    });
  }

  /**
   * Walks every audit stream from its first record (checking its chain) and every KV event written
   * in {@code [from, to]} (checking it has its request record).
   *
   * @param from start of the window
   * @param to end of the window
   * @return the verification
   */
  public CompletionStage<Verification> verify(Instant from, Instant to) {
    List<String> problems = new ArrayList<>();
    Set<String> requestIds = new HashSet<>();
    long[] records = {0};
    // one pass over the journal's list of persistence ids finds the audit streams and the KV paths
    return journal.currentPersistenceIds().runWith(Sink.seq(), system).thenCompose(ids -> {
      CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
      for (String stream : AuditStreams.among(ids, auditStreams)) {
        chain = chain.thenCompose(v -> walkStream(stream, problems, requestIds, records));
      }
      return chain.thenCompose(v -> kvEventsChecked(ids, from, to, problems, requestIds, records[0]));
    });
  }

  /** Checks one audit stream's chain from its first record, collecting its request ids. */
  private CompletionStage<Void> walkStream(String stream, List<String> problems, Set<String> requestIds,
      long[] records) {
    return events("audit|" + stream).thenAccept(envs -> {
      List<AuditChain.Link> links = new ArrayList<>();
      for (EventEnvelope env : envs) {
        for (AuditLog.Record r : AuditLog.records(env.event())) {
          links.add(new AuditChain.Link(r.seq(), r.previousHash(), r.hash(), r.body()));
          // a change's request record is one written on its own, before it ran: a record that stands for
          // its request entry too (AuditEntries.WITH_REQUEST) was written after a request that changed
          // nothing, so it never vouches for a KV event
          if ("request".equals(r.body().path("type").asText())) {
            requestIds.add(r.body().path("request").path("id").asText());
          }
        }
        if (env.event() instanceof TamperedEvent t) {
          problems.add(stream + " event " + env.sequenceNr() + ": fails its integrity check (" + t.reason() + ")");
        }
      }
      records[0] += links.size();
      problems.addAll(AuditChain.verify(stream, AuditChain.GENESIS, 1, links));
    });
  }

  /** Checks that every KV event written in {@code [from, to]} has its request record. */
  private CompletionStage<Verification> kvEventsChecked(List<String> persistenceIds, Instant from, Instant to,
      List<String> problems, Set<String> requestIds, long recordsChecked) {
    long[] events = {0};
    String kvPrefix = KvSecret.TYPE_KEY.name() + "|";
    // every KV path's events, found through the journal's list of persistence ids (KV events carry no tag)
    return Source.from(persistenceIds)
        .filter(pid -> pid.startsWith(kvPrefix))
        .flatMapConcat(pid -> journal.currentEventsByPersistenceId(pid, 0, Long.MAX_VALUE)
            .filter(env -> {
              Instant t = KvHistory.eventTime((SealedEvent) env.event());
              return t == null || !(t.isBefore(from) || t.isAfter(to));
            }))
        .runWith(Sink.seq(), system)
        .thenApply(envs -> {
          for (EventEnvelope env : envs) {
            SealedEvent e = (SealedEvent) env.event();
            Instant t = KvHistory.eventTime(e);
            if (t == null || t.isBefore(from) || t.isAfter(to)) {
              continue;
            }
            events[0]++;
            TimelineEntry entry = entry(env.sequenceNr(), e);
            if (entry.requestId().isEmpty()) {
              problems.add(env.persistenceId() + " event " + env.sequenceNr() + " (" + entry.operation()
                  + " at " + t + "): no request id recorded");
            } else if (!requestIds.contains(entry.requestId())) {
              problems.add(env.persistenceId() + " event " + env.sequenceNr() + " (" + entry.operation()
                  + " at " + t + "): its request " + entry.requestId() + " has no audit request record");
            }
          }
          return new Verification(recordsChecked, events[0], problems);
        });
  }

  private static TimelineEntry entry(long seq, SealedEvent e) {
    if (e instanceof KvSecret.VersionWritten v) {
      return new TimelineEntry(seq, v.patch() ? "patch" : "write", List.of(v.version()), v.createdTime(), v.origin().requestId(), v.origin().accessor());
    } else if (e instanceof KvSecret.VersionsDeleted d) {
      return new TimelineEntry(seq, "delete", d.versions(), d.time(), d.origin().requestId(), d.origin().accessor());
    } else if (e instanceof KvSecret.VersionsUndeleted u) {
      return new TimelineEntry(seq, "undelete", u.versions(), u.time(), u.origin().requestId(), u.origin().accessor());
    } else if (e instanceof KvSecret.VersionsDestroyed d) {
      return new TimelineEntry(seq, "destroy", d.versions(), d.time(), d.origin().requestId(), d.origin().accessor());
    } else if (e instanceof KvSecret.MetadataWritten m) {
      return new TimelineEntry(seq, "metadata-write", List.of(), m.time(), m.origin().requestId(), m.origin().accessor());
    } else if (e instanceof KvSecret.MetadataDeleted m) {
      return new TimelineEntry(seq, "metadata-delete", List.of(), m.time(), m.origin().requestId(), m.origin().accessor());
    }
    return new TimelineEntry(seq, "integrity-failure", List.of(), null, "", "");
  }
}
