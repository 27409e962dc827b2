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
 * The listing projections: every KV event (tags {@link KvSecret#TAGS}) updates the {@link KvIndex}.
 * A written version or metadata adds the key (and its folders); a metadata delete removes it (and
 * the folders it leaves empty). At least once, offsets in Cassandra. One projection per tag, each
 * running once in the cluster (sharded daemon processes, which spread them over the nodes): the four
 * slices in the daemon process {@code kv-index-slices}, and the projection of
 * {@link KvSecret#LEGACY_TAG} in {@code kv-index}, the name and single instance it had when it was
 * the only one. A path's events all carry one tag, so its changes are applied in order; the exception
 * is a path written both before and after an upgrade from the single tag (docs/kv.md).
 *
 * <p>Events are opened by the barrier, so the projections can only make progress while the node is
 * unsealed; while sealed they fail and restart with back-off, without losing their offsets.
 */
public final class KvIndexProjection {

  private static final Logger LOG = LoggerFactory.getLogger(KvIndexProjection.class);

  private KvIndexProjection() {}

  /**
   * The id of the listing projection of one tag: name {@code kv-index}, key the tag. The projection of
   * {@link KvSecret#LEGACY_TAG} keeps the id it had when it was the only one, and so its offset.
   *
   * @param tag one of {@link KvSecret#TAGS} (any other string gives an id no projection uses)
   * @return the projection id
   * @throws NullPointerException if {@code tag} is null
   */
  public static ProjectionId id(String tag) {
    return ProjectionId.of("kv-index", java.util.Objects.requireNonNull(tag, "tag"));
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
    List<String> slices = KvSecret.TAGS.subList(0, KvSecret.TAG_SLICES);
    ShardedDaemonProcess.get(system).init(ProjectionBehavior.Command.class, "kv-index-slices", slices.size(),
        i -> projection(system, index, slices.get(i)), ProjectionBehavior.stopMessage());
    ShardedDaemonProcess.get(system).init(ProjectionBehavior.Command.class, "kv-index", 1,
        i -> projection(system, index, KvSecret.LEGACY_TAG), ProjectionBehavior.stopMessage());
  }

  private static org.apache.pekko.actor.typed.Behavior<ProjectionBehavior.Command> projection(
      ActorSystem<?> system, KvIndex index, String tag) {
    return ProjectionBehavior.create(CassandraProjection.groupedWithin(id(tag),
            EventSourcedProvider.<SealedEvent>eventsByTag(system, CassandraReadJournal.Identifier(), tag),
            () -> new IndexHandler(index))
        .withGroup(500, Duration.ofMillis(100)));
  }

  /**
   * Applies a group of KV events of one tag to the index. Within a group only each key's last change
   * counts (events of one key arrive in order within a tag); additions are written in parallel first, then removals one
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
