package io.arcanum.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.arcanum.domain.barrier.SealedEvent;
import io.arcanum.domain.kv.KvSecret;
import io.arcanum.domain.kv.SealedData;
import io.arcanum.localcassandra.testing.CassandraTestNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Benchmark (not part of the default test run): how many journal events per second are replayed
 * from the real local Cassandra, read and opened through the barrier and decoded into KV events, as
 * forensics and entity recovery do. The events are real {@link KvSecret.VersionWritten} events
 * (sealed data of about 60 bytes, an origin), written in batches straight to the journal so that a
 * long history takes seconds to build instead of the minutes one writer needs through HTTP. Each
 * round replays the whole history; the first rounds warm the JIT up. Prints the figures.
 *
 * <p>Run: {@code ./mvnw -B -pl api -am verify -Dgroups=benchmark -Darcanum.excludedGroups=none
 * -Dtest=ReplayBenchmark -Dsurefire.failIfNoSpecifiedTests=false} (add
 * {@code -Darcanum.bench.events=N}; the page size is
 * {@code pekko.persistence.cassandra.query.max-buffer-size}). Results are in docs/audit.md.
 */
@Tag("benchmark")
@ExtendWith(CassandraTestNode.class)
class ReplayBenchmark {

  private static final int EVENTS = Integer.getInteger("arcanum.bench.events", 50_000);
  private static final int BATCH = 50;

  /** Writes given events to one persistence id as they come, nothing else. */
  private static final class Filler extends EventSourcedBehavior<Filler.Fill, SealedEvent, Integer> {
    record Fill(List<SealedEvent> events, ActorRef<Done> replyTo) {}

    Filler(String pid) {
      super(PersistenceId.ofUniqueId(pid));
    }

    @Override
    public Integer emptyState() {
      return 0;
    }

    @Override
    public CommandHandler<Fill, SealedEvent, Integer> commandHandler() {
      return newCommandHandlerBuilder().forAnyState()
          .onCommand(Fill.class, (s, c) -> Effect().persist(c.events()).thenReply(c.replyTo(), st -> Done.getInstance()))
          .build();
    }

    @Override
    public EventHandler<Integer, SealedEvent> eventHandler() {
      return newEventHandlerBuilder().forAnyState().onAnyEvent((s, e) -> s + 1);
    }
  }

  @Test
  void replayRate() throws Exception {
    try (TestServer server = new TestServer(TestServer.freshKeyspace("bench_replay"))) {
      server.initUnsealAndMount("secret");
      var system = server.node.system();
      String pid = "kv|bench-mount/long-history";
      ActorRef<Filler.Fill> filler = system.systemActorOf(new Filler(pid), "replay-filler",
          org.apache.pekko.actor.typed.Props.empty());
      long t0 = System.nanoTime();
      Instant now = Instant.now();
      for (int v = 1; v <= EVENTS; v += BATCH) {
        List<SealedEvent> batch = new ArrayList<>();
        for (int i = v; i < v + BATCH && i <= EVENTS; i++) {
          SealedData data = SealedData.seal(pid, SealedData.DataKey.generate(),
              server.JSON.readTree("{\"user\":\"app-" + i + "\",\"password\":\"pw-" + i + "-xxxxxxxx\"}"));
          batch.add(new KvSecret.VersionWritten(pid, i, i, data, now, null, Math.max(1, i - 9), false,
              new io.arcanum.domain.kv.KvProtocol.Origin(java.util.UUID.randomUUID().toString(), "accessor-" + (i % 100))));
        }
        AskPattern.<Filler.Fill, Done>ask(filler, r -> new Filler.Fill(batch, r), java.time.Duration.ofSeconds(30),
            system.scheduler()).toCompletableFuture().get(60, TimeUnit.SECONDS);
      }
      System.out.printf("[measure] wrote %d events in batches of %d in %.1f s%n", EVENTS, BATCH,
          (System.nanoTime() - t0) / 1e9);
      CassandraReadJournal journal = PersistenceQuery.get(system)
          .getReadJournalFor(CassandraReadJournal.class, CassandraReadJournal.Identifier());
      System.out.printf("[measure] page size (max-buffer-size) %d, deserialization-parallelism %d%n",
          system.settings().config().getInt("pekko.persistence.cassandra.query.max-buffer-size"),
          system.settings().config().getInt("pekko.persistence.cassandra.query.deserialization-parallelism"));
      for (int round = 1; round <= 5; round++) {
        long t1 = System.nanoTime();
        long events = journal.currentEventsByPersistenceId(pid, 0, Long.MAX_VALUE)
            .runWith(Sink.fold(0L, (n, e) -> e.event() instanceof KvSecret.VersionWritten ? n + 1 : n), system)
            .toCompletableFuture().get(10, TimeUnit.MINUTES);
        double seconds = (System.nanoTime() - t1) / 1e9;
        assertEquals(EVENTS, events);
        System.out.printf("[measure] round %d: replayed %d events in %.2f s (%.0f events/s)%n",
            round, events, seconds, events / seconds);
      }
    }
  }
}
