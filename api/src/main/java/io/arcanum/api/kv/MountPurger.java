package io.arcanum.api.kv;

import io.arcanum.domain.kv.KvSecret;
import io.arcanum.domain.mount.MountTable;
import io.arcanum.persistence.kv.DataKeyStore;
import io.arcanum.persistence.kv.ListingTable;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.persistence.cassandra.cleanup.Cleanup;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.jdk.javaapi.CollectionConverters;
import scala.jdk.javaapi.FutureConverters;

/**
 * Deletes a disabled mount's data, as Vault does when a secrets engine is disabled: every secret of
 * the mount (found through the listing table) is stopped, then its events and snapshots are deleted
 * from the journal, then its data keys are forgotten, then the mount's listing rows. (Stores written
 * by versions that tagged KV events also hold tagged copies, which stay: like every copy of a
 * version's data, they cannot be opened once its data key is forgotten.) The mount's uuid is never reused, so
 * nothing of it can come back even before the purge ends.
 */
public final class MountPurger {

  private static final Logger LOG = LoggerFactory.getLogger(MountPurger.class);

  private final ClusterSharding sharding;
  private final ListingTable index;
  private final Cleanup cleanup;
  private final DataKeyStore keys;

  /**
   * @param system the actor system
   * @param index the listing table
   * @param keys the versions' data keys
   */
  public MountPurger(ActorSystem<?> system, ListingTable index, DataKeyStore keys) {
    this.sharding = ClusterSharding.get(system);
    this.index = index;
    this.keys = keys;
    this.cleanup = new Cleanup(system);
  }

  /**
   * @param mount the disabled mount
   * @return completes with the number of secrets purged
   */
  public CompletionStage<Integer> purge(MountTable.Mount mount) {
    java.util.concurrent.atomic.AtomicInteger purged = new java.util.concurrent.atomic.AtomicInteger();
    return index.allKeys(mount.uuid()).thenCompose(keys -> {
      purged.set(keys.size());
      for (String key : keys) {
        sharding.entityRefFor(KvSecret.TYPE_KEY, mount.uuid() + "/" + key).tell(io.arcanum.domain.kv.KvProtocol.Stop.INSTANCE);
      }
      List<String> pids = keys.stream()
          .map(k -> PersistenceId.of(KvSecret.TYPE_KEY.name(), mount.uuid() + "/" + k).id())
          .toList();
      if (pids.isEmpty()) {
        return CompletableFuture.completedFuture(Done.getInstance());
      }
      var seq = CollectionConverters.asScala(pids).toList();
      return FutureConverters.asJava(cleanup.deleteAll(seq, false))
          .thenCompose(d -> CompletableFuture.allOf(pids.stream()
              .map(pid -> this.keys.forgetAll(pid).toCompletableFuture()).toArray(CompletableFuture[]::new)))
          .thenApply(v -> Done.getInstance());
    }).thenCompose(d -> index.dropMount(mount.uuid()))
        .thenApply(d -> purged.get())
        .whenComplete((n, e) -> {
          if (e != null) {
            LOG.error("purging the data of disabled mount {} failed: {}", mount.path(), e.toString());
          } else {
            LOG.info("purged {} secret(s) of disabled mount {}", n, mount.path());
          }
        });
  }
}
