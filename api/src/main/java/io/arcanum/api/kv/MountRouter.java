package io.arcanum.api.kv;

import io.arcanum.api.http.Replies;
import io.arcanum.domain.mount.MountTable;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * Finds the mount that holds a request path, from a copy of the mount table kept on this node. The
 * copy is refreshed after a change made here and whenever a path matches no mount.
 */
public final class MountRouter {

  /**
   * A path resolved to its mount.
   *
   * @param mount the mount
   * @param relativePath the rest of the path after the mount path
   */
  public record Resolved(MountTable.Mount mount, String relativePath) {}

  private final ClusterSharding sharding;
  private final Duration timeout;
  private volatile Map<String, MountTable.Mount> mounts = Map.of();

  /**
   * @param sharding where the mount table lives
   * @param timeout ask timeout
   */
  public MountRouter(ClusterSharding sharding, Duration timeout) {
    this.sharding = sharding;
    this.timeout = timeout;
  }

  /** @return the mount table entity */
  public EntityRef<MountTable.Command> table() {
    return sharding.entityRefFor(MountTable.TYPE_KEY, MountTable.ENTITY_ID);
  }

  /** @return the mounts, freshly read from the mount table */
  public CompletionStage<Map<String, MountTable.Mount>> refresh() {
    CompletionStage<MountTable.Mounts> asked = table().askWithStatus(MountTable.Get::new, timeout);
    return Replies.mapped(asked.thenApply(MountTable.Mounts::byPath).thenApply(m -> {
      mounts = m;
      return m;
    }));
  }

  /** Forgets the copy (the node sealed). */
  public void clear() {
    mounts = Map.of();
  }

  /**
   * @param path a request path under /v1/
   * @return its mount and relative path, or empty when no mount holds it
   */
  public CompletionStage<Optional<Resolved>> resolve(String path) {
    Optional<Resolved> r = match(mounts, path);
    if (r.isPresent()) {
      return CompletableFuture.completedFuture(r);
    }
    return refresh().thenApply(m -> match(m, path));
  }

  private static Optional<Resolved> match(Map<String, MountTable.Mount> table, String path) {
    MountTable.Mount best = null;
    String withSlash = path.endsWith("/") ? path : path + "/";
    for (MountTable.Mount m : table.values()) {
      if (withSlash.startsWith(m.path()) && (best == null || m.path().length() > best.path().length())) {
        best = m;
      }
    }
    if (best == null) {
      return Optional.empty();
    }
    String rel = path.length() >= best.path().length() ? path.substring(best.path().length()) : "";
    return Optional.of(new Resolved(best, rel));
  }
}
