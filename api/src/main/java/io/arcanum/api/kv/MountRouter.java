package io.arcanum.api.kv;

import io.arcanum.api.outcome.Asks;
import io.arcanum.api.outcome.Failure;
import io.arcanum.domain.Refusal;
import io.arcanum.domain.Reply;
import io.arcanum.domain.kv.KvProtocol;
import io.arcanum.domain.mount.MountTable;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * The mount table as the node uses it: finds the mount that holds a request path, from a copy of the
 * table kept on this node (refreshed after a change made here and whenever a path matches no mount),
 * and makes the table's changes. Outcomes are typed: the table's refusals as {@link Failure.Refused}
 * ({@link Refusal#MOUNT_PATH_IN_USE}, {@link Refusal#MOUNT_NESTED}, {@link Refusal#NO_MOUNT}); a table
 * that does not answer in time is {@link Failure.Unavailable} for a read and
 * {@link Failure.OutcomeUnknown} for a change.
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

  private EntityRef<MountTable.Command> table() {
    return sharding.entityRefFor(MountTable.TYPE_KEY, MountTable.ENTITY_ID);
  }

  private <T extends Reply> CompletionStage<T> ask(Function<ActorRef<Reply>, MountTable.Command> command,
      Class<T> expected, Supplier<Failure> unanswered) {
    return Asks.ask(table(), command, expected, timeout, unanswered);
  }

  private static Supplier<Failure> unconfirmed(String change, String howToFindOut) {
    return () -> new Failure.OutcomeUnknown("the mount table did not confirm the " + change + " in time", howToFindOut);
  }

  /**
   * @return the mounts, freshly read from the mount table
   * @throws Failure.Unavailable (in the stage) when the table did not answer in time
   */
  public CompletionStage<Map<String, MountTable.Mount>> refresh() {
    return ask(MountTable.Get::new, MountTable.Mounts.class,
        () -> new Failure.Unavailable("the mount table did not answer in time"))
        .thenApply(MountTable.Mounts::byPath).thenApply(m -> {
          mounts = m;
          return m;
        });
  }

  /**
   * Enables a mount.
   *
   * @param mount the new mount (its path free, not nested in or around another)
   * @return the mount
   * @throws Failure.Refused (in the stage) {@link Refusal#MOUNT_PATH_IN_USE} or
   *     {@link Refusal#MOUNT_NESTED}; {@link Failure.OutcomeUnknown} when not confirmed in time
   */
  public CompletionStage<MountTable.Mount> enable(MountTable.Mount mount) {
    return ask(r -> new MountTable.Enable(mount, r), MountTable.Mounted.class,
        unconfirmed("new mount", "read sys/mounts")).thenApply(MountTable.Mounted::mount);
  }

  /**
   * Disables a mount.
   *
   * @param path the mount path, ending with {@code /}
   * @return the removed mount, or empty when nothing was mounted there
   * @throws Failure.OutcomeUnknown (in the stage) when not confirmed in time
   */
  public CompletionStage<Optional<MountTable.Mount>> disable(String path) {
    return ask(r -> new MountTable.Disable(path, r), MountTable.Disabled.class,
        unconfirmed("removal", "read sys/mounts")).thenApply(d -> Optional.ofNullable(d.mount()));
  }

  /**
   * Tunes a mount; null values are left as they are.
   *
   * @param path the mount path, ending with {@code /}
   * @param description new description, or null
   * @param defaultLeaseTtl new default lease TTL, or null
   * @param maxLeaseTtl new max lease TTL, or null
   * @return the mount after the change
   * @throws Failure.Refused (in the stage) {@link Refusal#NO_MOUNT}; {@link Failure.OutcomeUnknown}
   *     when not confirmed in time
   */
  public CompletionStage<MountTable.Mount> tune(String path, String description, Duration defaultLeaseTtl,
      Duration maxLeaseTtl) {
    return ask(r -> new MountTable.Tune(path, description, defaultLeaseTtl, maxLeaseTtl, r), MountTable.Mounted.class,
        unconfirmed("tuning", "read sys/mounts/" + path + "tune")).thenApply(MountTable.Mounted::mount);
  }

  /**
   * Sets a KV mount's settings (its {@code config} endpoint).
   *
   * @param path the mount path, ending with {@code /}
   * @param config the settings
   * @return the mount after the change
   * @throws Failure.Refused (in the stage) {@link Refusal#NO_MOUNT}; {@link Failure.OutcomeUnknown}
   *     when not confirmed in time
   */
  public CompletionStage<MountTable.Mount> configureKv(String path, KvProtocol.MountConfig config) {
    return ask(r -> new MountTable.ConfigureKv(path, config, r), MountTable.Mounted.class,
        unconfirmed("settings", "read " + path + "config")).thenApply(MountTable.Mounted::mount);
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
