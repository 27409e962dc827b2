package io.arcanum.projections.listing;

import io.arcanum.domain.Reply;
import io.arcanum.domain.kv.KvProtocol;
import io.arcanum.domain.kv.KvProtocol.Existence;
import io.arcanum.domain.kv.KvSecret;
import io.arcanum.persistence.kv.KvListing;
import io.arcanum.persistence.kv.ListingIntents;
import io.arcanum.persistence.kv.ListingIntents.Intent;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Repairs the KV listing from the journal: what a node that died between a change's event and its
 * listing update left behind. Every such change wrote a listing intent first ({@link ListingIntents});
 * this process, on every node, looks every {@code interval} for intents older than {@code age} (so
 * never a request still in flight), asks the path's entity whether the key exists and since when,
 * writes the listing accordingly ({@link KvListing}, which is safe against concurrent changes: the
 * latest change of a path wins), and clears the intent.
 *
 * <p>Once per store it also checks every KV path of the journal ({@code all_persistence_ids}) against
 * the listing, because versions before this one kept the listing with a projection that may not have
 * applied its last events when it was stopped.
 *
 * <p>It works only while the node is unsealed (entities need the barrier to recover).
 */
public final class ListingRepair {

  private static final Logger LOG = LoggerFactory.getLogger(ListingRepair.class);
  /** How many paths are repaired at once. */
  private static final int PARALLELISM = 8;

  private final ActorSystem<?> system;
  private final ClusterSharding sharding;
  private final ListingIntents intents;
  private final KvListing listing;
  private final Duration timeout;
  private final Duration age;
  private final Clock clock;
  private final BooleanSupplier unsealed;
  private final AtomicBoolean running = new AtomicBoolean();
  private volatile boolean rebuilt;

  /**
   * @param system the actor system
   * @param intents the listing intents
   * @param listing the listing
   * @param timeout how long an entity may take to answer
   * @param age intents younger than this are left alone (their request may still be running)
   * @param clock the clock
   * @param unsealed whether the node is unsealed now
   */
  public ListingRepair(ActorSystem<?> system, ListingIntents intents, KvListing listing, Duration timeout,
      Duration age, Clock clock, BooleanSupplier unsealed) {
    this.system = system;
    this.sharding = ClusterSharding.get(system);
    this.intents = intents;
    this.listing = listing;
    this.timeout = timeout;
    this.age = age;
    this.clock = clock;
    this.unsealed = unsealed;
  }

  /**
   * Runs a pass every {@code interval} (skipped while sealed or while the previous pass runs).
   *
   * @param interval time between passes
   */
  public void start(Duration interval) {
    system.scheduler().scheduleWithFixedDelay(interval, interval, () -> {
      if (unsealed.getAsBoolean()) {
        runOnce().whenComplete((n, e) -> {
          if (e != null) {
            LOG.warn("listing repair pass failed (it runs again in {}): {}", interval, e.toString());
          } else if (n > 0) {
            LOG.info("listing repair: {} path(s) checked against the journal", n);
          }
        });
      }
    }, system.executionContext());
  }

  /**
   * One pass: the one-time check of every path if it is still due, then every intent older than
   * {@code age}.
   *
   * @return the number of paths checked (0 when a pass was already running)
   */
  public CompletionStage<Integer> runOnce() {
    if (!running.compareAndSet(false, true)) {
      return CompletableFuture.completedFuture(0);
    }
    CompletionStage<Integer> pass = rebuildOnce().thenCompose(rebuiltPaths ->
        intents.olderThan(clock.instant().minus(age)).thenCompose(due -> each(due, this::repair))
            .thenApply(n -> n + rebuiltPaths));
    return pass.whenComplete((n, e) -> running.set(false));
  }

  private CompletionStage<Integer> rebuildOnce() {
    if (rebuilt) {
      return CompletableFuture.completedFuture(0);
    }
    return intents.rebuilt().thenCompose(done -> {
      if (done) {
        rebuilt = true;
        return CompletableFuture.completedFuture(0);
      }
      CassandraReadJournal journal = PersistenceQuery.get(system)
          .getReadJournalFor(CassandraReadJournal.class, CassandraReadJournal.Identifier());
      String prefix = KvSecret.TYPE_KEY.name() + "|";
      return journal.currentPersistenceIds()
          .filter(pid -> pid.startsWith(prefix))
          .mapAsyncUnordered(PARALLELISM, pid -> checkPath(pid).thenApply(d -> 1))
          .runWith(Sink.fold(0, Integer::sum), system)
          .thenCompose(n -> intents.markRebuilt().thenApply(d -> {
            rebuilt = true;
            LOG.info("listing checked against the journal: {} KV path(s)", n);
            return 0;
          }));
    });
  }

  private CompletionStage<Integer> each(List<Intent> due, java.util.function.Function<Intent, CompletionStage<Done>> f) {
    return Source.from(due).mapAsyncUnordered(PARALLELISM, i -> f.apply(i).thenApply(d -> 1))
        .runWith(Sink.fold(0, Integer::sum), system);
  }

  private CompletionStage<Done> repair(Intent intent) {
    return checkPath(intent.persistenceId()).thenCompose(d -> intents.clear(intent));
  }

  /**
   * Brings one path's listing in line with its entity.
   *
   * @param persistenceId {@code kv|<mount uuid>/<path>}
   * @return completes once the listing matches
   */
  CompletionStage<Done> checkPath(String persistenceId) {
    String entityId = persistenceId.substring(persistenceId.indexOf('|') + 1);
    int slash = entityId.indexOf('/');
    if (slash <= 0 || slash == entityId.length() - 1) {
      return CompletableFuture.completedFuture(Done.getInstance()); // not a KV path id: nothing to list
    }
    String mount = entityId.substring(0, slash);
    String path = entityId.substring(slash + 1);
    return sharding.entityRefFor(KvSecret.TYPE_KEY, entityId)
        .<Reply>ask(KvProtocol.Exists::new, timeout)
        .thenCompose(reply -> {
          if (!(reply instanceof Existence e)) {
            // an entity that fails its integrity check cannot say: leave its listing as it is
            LOG.warn("listing repair skipped {}: its entity answered {}", persistenceId, reply.getClass().getSimpleName());
            return CompletableFuture.completedFuture(Done.getInstance());
          }
          return e.exists() ? listing.added(mount, path, e.changedMicros())
              : listing.removed(mount, path, e.changedMicros());
        });
  }
}
