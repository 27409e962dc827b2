package io.arcanum.api.metrics;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * Publishes how many entities of each sharded type this node holds in memory ({@code arcanum_entities}),
 * asking the shard regions every 15 seconds (a gauge must answer at once, a region answers by message).
 */
public final class EntityCounts {

  /** How often the regions are asked. */
  public static final Duration EVERY = Duration.ofSeconds(15);

  private EntityCounts() {}

  /**
   * @param system the actor system
   * @param metrics where the gauges go
   * @param types the entity types to count
   */
  public static void start(ActorSystem<?> system, Metrics metrics, List<EntityTypeKey<?>> types) {
    ClusterSharding sharding = ClusterSharding.get(system);
    for (EntityTypeKey<?> type : types) {
      AtomicLong count = new AtomicLong();
      metrics.entities(type.name(), count::get);
      system.scheduler().scheduleWithFixedDelay(Duration.ofSeconds(5), EVERY, () ->
          AskPattern.<org.apache.pekko.cluster.sharding.typed.ClusterShardingQuery, ShardRegion.CurrentShardRegionState>ask(
                  sharding.shardState(), r -> new GetShardRegionState(type, r), Duration.ofSeconds(5), system.scheduler())
              .thenAccept(state -> count.set(state.getShards().stream().mapToLong(s -> s.getEntityIds().size()).sum()))
              .exceptionally(e -> null),
          system.executionContext());
    }
  }
}
