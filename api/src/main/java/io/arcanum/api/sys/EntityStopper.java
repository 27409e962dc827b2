package io.arcanum.api.sys;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * Stops every running entity of some types on this node, so that their decrypted state leaves memory
 * when the node seals. The entities restart on demand after the next unseal.
 */
public final class EntityStopper {

  /**
   * A type of entity and the message that stops one.
   *
   * @param typeKey the sharding type key
   * @param stop the stop message
   * @param <M> the entity's command type
   */
  public record StoppableType<M>(EntityTypeKey<M> typeKey, M stop) {}

  private final ActorSystem<?> system;
  private final ClusterSharding sharding;
  private final List<StoppableType<?>> types;
  private final Duration timeout;

  /**
   * @param system the actor system
   * @param types the entity types to stop
   * @param timeout how long to wait for each region's state
   */
  public EntityStopper(ActorSystem<?> system, List<StoppableType<?>> types, Duration timeout) {
    this.system = system;
    this.sharding = ClusterSharding.get(system);
    this.types = List.copyOf(types);
    this.timeout = timeout;
  }

  /**
   * Sends the stop message to every entity of the configured types that runs on this node.
   *
   * @return completes once every stop message was sent
   */
  public CompletionStage<Void> stopAll() {
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (StoppableType<?> t : types) {
      all.add(stopType(t).toCompletableFuture());
    }
    return CompletableFuture.allOf(all.toArray(new CompletableFuture[0]));
  }

  private <M> CompletionStage<Void> stopType(StoppableType<M> type) {
    CompletionStage<ShardRegion.CurrentShardRegionState> state = AskPattern.ask(
        sharding.shardState(),
        replyTo -> new GetShardRegionState(type.typeKey(), replyTo),
        timeout,
        system.scheduler());
    return state.thenAccept(s -> s.getShards().forEach(shard -> shard.getEntityIds()
        .forEach(id -> sharding.entityRefFor(type.typeKey(), id).tell(type.stop()))));
  }
}
