package io.arcanum.persistence.kv;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * The KV listing, read-your-writes: what {@code LIST <mount>/metadata/<folder>} answers from. A key is
 * listed (with every folder above it) from the moment a write that brought it into existence is
 * acknowledged, and unlisted (with every folder it leaves empty) from the moment its metadata delete
 * is acknowledged: the KV service calls {@link #added} or {@link #removed} before it acknowledges
 * such a change. Updates of an existing key do not touch the listing.
 *
 * <p>A key's own row carries the time of the change as its write timestamp ({@link ListingTable}),
 * so that the last change of a path wins, whatever order concurrent or repeated updates reach
 * storage in. A folder's row in its parent is kept by that folder's {@link FolderGuard}, which alone
 * writes it, one change at a time, once the rows under it are durable.
 */
public final class KvListing {

  private final ClusterSharding sharding;
  private final ListingTable table;
  private final Duration timeout;

  /**
   * @param sharding where the folder guards live ({@link FolderGuard#TYPE_KEY} must be initialized)
   * @param table the listing table
   * @param timeout how long a folder guard may take
   */
  public KvListing(ClusterSharding sharding, ListingTable table, Duration timeout) {
    this.sharding = sharding;
    this.table = table;
    this.timeout = timeout;
  }

  /** @return the table (for listing reads and mount purges) */
  public ListingTable table() {
    return table;
  }

  /**
   * Lists a key and every folder above it.
   *
   * @param mount the mount uuid
   * @param path the key's path relative to the mount ({@code a/b/c})
   * @param micros when the key came into existence, in microseconds since the epoch
   * @return completes once the key and its folders are durably listed; fails when storage failed
   */
  public CompletionStage<Done> added(String mount, String path, long micros) {
    String folder = folderOf(path);
    return table.insertKey(mount, folder, path.substring(folder.length()), micros)
        .thenCompose(d -> guard(mount, folder, FolderGuard.Ensure::new));
  }

  /**
   * Unlists a key, and every folder above it that it leaves empty.
   *
   * @param mount the mount uuid
   * @param path the key's path relative to the mount
   * @param micros when the key went out of existence, in microseconds since the epoch (a listing
   *     written by a later change stays)
   * @return completes once done; fails when storage failed
   */
  public CompletionStage<Done> removed(String mount, String path, long micros) {
    String folder = folderOf(path);
    return table.deleteKey(mount, folder, path.substring(folder.length()), micros)
        .thenCompose(d -> guard(mount, folder, FolderGuard.CheckEmpty::new));
  }

  /**
   * Lists a folder.
   *
   * @param mount the mount uuid
   * @param folder the folder ({@code ""} for the mount's root, else ending with {@code /})
   * @param after only names after this one (exclusive), or null
   * @param limit at most this many names; 0 or less for all
   * @return the names in ascending order, folders ending with {@code /}
   */
  public CompletionStage<List<String>> list(String mount, String folder, String after, int limit) {
    return table.list(mount, folder, after, limit);
  }

  private CompletionStage<Done> guard(String mount, String folder,
      java.util.function.Function<org.apache.pekko.actor.typed.ActorRef<FolderGuard.Outcome>, FolderGuard.Command> msg) {
    if (folder.isEmpty()) {
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    return sharding.entityRefFor(FolderGuard.TYPE_KEY, FolderGuard.entityId(mount, folder))
        .<FolderGuard.Outcome>ask(msg::apply, timeout)
        .thenApply(o -> {
          if (o.failure() != null) {
            throw new IllegalStateException("the listing of folder " + folder + " was not updated: " + o.failure());
          }
          return Done.getInstance();
        });
  }

  /**
   * @param path a key path ({@code a/b/c})
   * @return the folder holding it ({@code a/b/}, or {@code ""} at the mount's root)
   */
  public static String folderOf(String path) {
    int i = path.lastIndexOf('/');
    return i < 0 ? "" : path.substring(0, i + 1);
  }
}
