package io.arcanum.persistence.kv;

import io.arcanum.domain.CborSerializable;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * Keeps one folder's row in its parent folder right: the row is there exactly when the folder holds
 * a key (or a sub-folder that does). One guard per (mount, folder) in the cluster (cluster sharding,
 * entity id {@code <mount uuid>/<folder>/}, not persistent), and it alone writes that row, one change
 * at a time, so that a key added to the folder and the folder's last key removed at the same moment
 * cannot leave it listed while empty or missing while it holds a key:
 *
 * <ul>
 *   <li>{@link Ensure}, sent once a key or sub-folder row under the folder is durable: if the guard
 *       does not know the folder's row to be there, it checks that the folder still holds something
 *       (the key may have been deleted again since) and writes the row, then ensures the parent
 *       folder the same way;</li>
 *   <li>{@link CheckEmpty}, sent once a row under the folder was deleted: if the folder holds nothing
 *       any more, the guard deletes its row and asks the parent to check in turn.</li>
 * </ul>
 * Because each guard handles one message at a time (the next ones wait in its stash) and reads the
 * folder when deciding, whichever of the two runs last sees the outcome of the other.
 */
public final class FolderGuard {

  /** The sharding type key; entity ids are {@code <mount uuid>/<folder path ending with '/'>}. */
  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "kv-folder");

  private FolderGuard() {}

  /** Messages of a guard. */
  public interface Command extends CborSerializable {}

  /**
   * A row under the folder is durable: make sure the folder is listed in its parent.
   *
   * @param replyTo gets {@link Outcome} once the folder's row (and its parents') are durable
   */
  public record Ensure(ActorRef<Outcome> replyTo) implements Command {}

  /**
   * A row under the folder was deleted: unlist the folder if it is empty now.
   *
   * @param replyTo gets {@link Outcome} once done
   */
  public record CheckEmpty(ActorRef<Outcome> replyTo) implements Command {}

  /**
   * The answer.
   *
   * @param failure what failed (storage), or null when done
   */
  public record Outcome(String failure) implements CborSerializable {
    /** Done. */
    public static final Outcome DONE = new Outcome(null);
  }

  private record Finished(Outcome outcome, Presence presence, ActorRef<Outcome> replyTo) implements Command {}

  private enum Presence { UNKNOWN, PRESENT, ABSENT }

  /**
   * @param mount the mount uuid
   * @param folder the folder path, ending with {@code /}
   * @return the guard's entity id
   */
  public static String entityId(String mount, String folder) {
    return mount + "/" + folder;
  }

  /**
   * @param entityId the sharding entity id ({@code <mount uuid>/<folder path ending with '/'>})
   * @param table the listing table
   * @param sharding where the parent folder's guard is found
   * @param timeout how long to wait for the parent's guard
   * @return the guard's behavior
   */
  public static Behavior<Command> create(String entityId, ListingTable table, ClusterSharding sharding,
      Duration timeout) {
    int slash = entityId.indexOf('/');
    String mount = entityId.substring(0, slash);
    String folder = entityId.substring(slash + 1);
    return Behaviors.withStash(10_000, stash -> Behaviors.setup(ctx ->
        new Guard(ctx, stash, mount, folder, table, sharding, timeout)));
  }

  /**
   * @param folder a folder path ending with {@code /} (not the root)
   * @return its parent folder ({@code ""} for a top-level folder)
   */
  static String parentOf(String folder) {
    int i = folder.lastIndexOf('/', folder.length() - 2);
    return i < 0 ? "" : folder.substring(0, i + 1);
  }

  private static final class Guard extends AbstractBehavior<Command> {
    private final StashBuffer<Command> stash;
    private final String mount;
    private final String folder;
    private final String parent;
    private final String name;
    private final ListingTable table;
    private final ClusterSharding sharding;
    private final Duration timeout;
    private Presence presence = Presence.UNKNOWN;

    Guard(ActorContext<Command> ctx, StashBuffer<Command> stash, String mount, String folder, ListingTable table,
        ClusterSharding sharding, Duration timeout) {
      super(ctx);
      this.stash = stash;
      this.mount = mount;
      this.folder = folder;
      this.parent = parentOf(folder);
      this.name = folder.substring(parent.length());
      this.table = table;
      this.sharding = sharding;
      this.timeout = timeout;
    }

    @Override
    public Receive<Command> createReceive() {
      return newReceiveBuilder()
          .onMessage(Ensure.class, e -> {
            if (presence == Presence.PRESENT) {
              e.replyTo().tell(Outcome.DONE); // the usual case: a key added to a folder already listed
              return this;
            }
            return run(e.replyTo(), ensure());
          })
          .onMessage(CheckEmpty.class, c -> run(c.replyTo(), checkEmpty()))
          .build();
    }

    /** Runs one change; further messages wait until it finished. */
    private Behavior<Command> run(ActorRef<Outcome> replyTo, CompletionStage<Presence> change) {
      getContext().pipeToSelf(change, (p, e) -> e == null
          ? new Finished(Outcome.DONE, p, replyTo)
          : new Finished(new Outcome(String.valueOf(e.getMessage())), Presence.UNKNOWN, replyTo));
      return Behaviors.receive(Command.class)
          .onMessage(Finished.class, f -> {
            presence = f.presence();
            f.replyTo().tell(f.outcome());
            return stash.unstashAll(this);
          })
          .onAnyMessage(m -> {
            stash.stash(m);
            return Behaviors.same();
          })
          .build();
    }

    private CompletionStage<Presence> ensure() {
      CompletionStage<Boolean> listed = presence == Presence.UNKNOWN
          ? table.has(mount, parent, name) : CompletableFuture.completedFuture(false);
      return listed.thenCompose(already -> already
          ? CompletableFuture.completedFuture(Presence.PRESENT)
          : table.holdsAny(mount, folder).thenCompose(holds -> !holds
              ? CompletableFuture.completedFuture(Presence.ABSENT) // its key was removed again meanwhile
              : table.insertFolder(mount, parent, name)
                  .thenCompose(d -> askParent(Ensure::new))
                  .thenApply(d -> Presence.PRESENT)));
    }

    private CompletionStage<Presence> checkEmpty() {
      return table.holdsAny(mount, folder).thenCompose(holds -> holds
          ? CompletableFuture.completedFuture(presence)
          : table.deleteFolder(mount, parent, name)
              .thenCompose(d -> askParent(CheckEmpty::new))
              .thenApply(d -> Presence.ABSENT));
    }

    private CompletionStage<Void> askParent(java.util.function.Function<ActorRef<Outcome>, Command> message) {
      if (parent.isEmpty()) {
        return CompletableFuture.completedFuture(null); // the mount's root is never listed anywhere
      }
      return sharding.entityRefFor(TYPE_KEY, entityId(mount, parent))
          .<Outcome>ask(message::apply, timeout)
          .thenApply(o -> {
            if (o.failure() != null) {
              throw new IllegalStateException("the listing of folder " + parent + " was not updated: " + o.failure());
            }
            return null;
          });
    }
  }
}
