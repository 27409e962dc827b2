package io.arcanum.projections.kvindex;

import io.arcanum.domain.barrier.SealedEvent;
import io.arcanum.domain.barrier.TamperedEvent;
import io.arcanum.domain.kv.KvSecret;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ShardedDaemonProcess;
import org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal;
import org.apache.pekko.projection.ProjectionBehavior;
import org.apache.pekko.projection.ProjectionId;
import org.apache.pekko.projection.cassandra.javadsl.CassandraProjection;
import org.apache.pekko.projection.eventsourced.EventEnvelope;
import org.apache.pekko.projection.eventsourced.javadsl.EventSourcedProvider;
import org.apache.pekko.projection.javadsl.Handler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listing projection: every KV event (tags {@link KvSecret#TAGS}) updates the {@link KvIndex}. A
 * written version or metadata adds the key (and its folders); a metadata delete removes it (and the
 * folders it leaves empty). At least once, offsets in Cassandra. One projection per tag, each running
 * once in the cluster (a sharded daemon process, which spreads them over the nodes); a path's events
 * all carry the same tag, so each path's changes are applied in order.
 *
 * <p>Events are opened by the barrier, so the projection can only make progress while the node is
 * unsealed; while sealed it fails and restarts with back-off, without losing its offset.
 */
public final class KvIndexProjection {

  private static final Logger LOG = LoggerFactory.getLogger(KvIndexProjection.class);

  private KvIndexProjection() {}

  /**
   * @param tag one of {@link KvSecret#TAGS}
   * @return the id of the projection of that tag: name {@code kv-index}, key the tag (the projection of
   *     {@link KvSecret#LEGACY_TAG} keeps the id it had when it was the only one, and so its offset)
   */
  public static ProjectionId id(String tag) {
    return ProjectionId.of("kv-index", tag);
  }

  /**
   * Starts the projections in the cluster (idempotent per actor system). Events are handled in groups
   * of up to 500 (or what arrived within 100 ms), so that a burst of writes is indexed in parallel
   * rather than one round trip at a time.
   *
   * @param system the actor system
   * @param index the index it writes
   */
  public static void init(ActorSystem<?> system, KvIndex index) {
    List<String> tags = KvSecret.TAGS;
    ShardedDaemonProcess.get(system).init(ProjectionBehavior.Command.class, "kv-index", tags.size(),
        i -> ProjectionBehavior.create(CassandraProjection.groupedWithin(id(tags.get(i)),
                EventSourcedProvider.<SealedEvent>eventsByTag(system, CassandraReadJournal.Identifier(), tags.get(i)),
                () -> new IndexHandler(index))
            .withGroup(500, Duration.ofMillis(100))),
        ProjectionBehavior.stopMessage());
  }

  /**
   * Applies a group of KV events to the index. Within a group only each key's last change counts
   * (events of one key arrive in order); additions are written in parallel first, then removals one
   * by one (a removal checks whether its folders became empty, which must see the additions).
   */
  static final class IndexHandler extends Handler<List<EventEnvelope<SealedEvent>>> {
    private final KvIndex index;

    IndexHandler(KvIndex index) {
      this.index = index;
    }

    @Override
    public CompletionStage<Done> process(List<EventEnvelope<SealedEvent>> envelopes) {
      Map<String, Boolean> last = new LinkedHashMap<>(); // "mount\npath" -> present?
      for (EventEnvelope<SealedEvent> envelope : envelopes) {
        SealedEvent event = envelope.event();
        String pid = envelope.persistenceId();
        int bar = pid.indexOf('|');
        int slash = pid.indexOf('/', bar + 1);
        if (bar < 0 || slash < 0) {
          continue;
        }
        if (event instanceof TamperedEvent t) {
          LOG.error("listing skipped an event of {} that failed its integrity check: {}", pid, t.reason());
          continue;
        }
        if (!pid.equals(event.entityId())) {
          LOG.error("listing skipped an event stored under {} that belongs to another entity", pid);
          continue;
        }
        String key = pid.substring(bar + 1, slash) + "\n" + pid.substring(slash + 1);
        if (event instanceof KvSecret.VersionWritten || event instanceof KvSecret.MetadataWritten) {
          last.remove(key);
          last.put(key, true);
        } else if (event instanceof KvSecret.MetadataDeleted) {
          last.remove(key);
          last.put(key, false);
        }
      }
      List<CompletableFuture<Done>> adds = new ArrayList<>();
      List<String> removes = new ArrayList<>();
      last.forEach((key, present) -> {
        if (present) {
          int nl = key.indexOf('\n');
          adds.add(index.add(key.substring(0, nl), key.substring(nl + 1)).toCompletableFuture());
        } else {
          removes.add(key);
        }
      });
      CompletionStage<Done> chain = CompletableFuture.allOf(adds.toArray(new CompletableFuture[0]))
          .thenApply(v -> Done.getInstance());
      for (String key : removes) {
        int nl = key.indexOf('\n');
        chain = chain.thenCompose(d -> index.remove(key.substring(0, nl), key.substring(nl + 1)));
      }
      return chain;
    }
  }
}
