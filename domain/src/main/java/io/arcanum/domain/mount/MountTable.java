package io.arcanum.domain.mount;

import io.arcanum.domain.CborSerializable;
import io.arcanum.domain.Refusal;
import io.arcanum.domain.Rejected;
import io.arcanum.domain.Reply;
import io.arcanum.domain.barrier.SealedEvent;
import io.arcanum.domain.entity.SealedEntity;
import io.arcanum.domain.kv.KvProtocol;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;

/**
 * The secrets engines mounted in the cluster, as one persistent actor (a single sharded entity, so it
 * can be stopped when the node seals and restarted on demand).
 *
 * <p>How commands become events: {@link Enable} of a free path becomes {@link MountEnabled} (with a
 * fresh uuid and accessor); {@link Disable} becomes {@link MountDisabled}; {@link Tune} becomes
 * {@link MountTuned}; {@link ConfigureKv} (the KV mount's {@code config} endpoint) becomes
 * {@link KvConfigured}; {@link Get} reads. A mount's data lives under its uuid, not its path, so a
 * later mount at the same path never sees an older mount's secrets. Answers are typed: a taken path is
 * refused with {@link Refusal#MOUNT_PATH_IN_USE} or {@link Refusal#MOUNT_NESTED}, a change of a path
 * holding no mount with {@link Refusal#NO_MOUNT}. Events are sealed by the barrier and checked against
 * the table's id on replay ({@link SealedEntity}).
 */
public final class MountTable extends SealedEntity<MountTable.Command, MountTable.State> {

  /** The sharding type key. */
  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "mounts");

  /** The entity id of the one mount table. */
  public static final String ENTITY_ID = "table";

  /** The persistence id of the one mount table. */
  public static final PersistenceId PERSISTENCE_ID = PersistenceId.of(TYPE_KEY.name(), ENTITY_ID);

  /**
   * One mount.
   *
   * @param path the mount path, ending with {@code /} (e.g. {@code secret/})
   * @param type the engine type ({@code kv})
   * @param version the engine version option ({@code "2"} for KV v2)
   * @param uuid the mount's uuid; its data is keyed by it
   * @param accessor the mount accessor ({@code kv_} and 8 hex digits)
   * @param description free text
   * @param createdTime when it was enabled
   * @param kvConfig the KV settings of the mount ({@code <mount>/config})
   * @param defaultLeaseTtl tuned default lease TTL (zero: system default)
   * @param maxLeaseTtl tuned max lease TTL (zero: system default)
   */
  public record Mount(String path, String type, String version, String uuid, String accessor,
      String description, Instant createdTime, KvProtocol.MountConfig kvConfig, Duration defaultLeaseTtl,
      Duration maxLeaseTtl) implements CborSerializable {

    /**
     * A new mount with default KV settings and no tuning.
     *
     * @param path the mount path ending with {@code /}
     * @param uuid the uuid
     * @param accessor the accessor
     * @param description free text
     * @param createdTime when
     * @return the mount
     */
    public static Mount kv2(String path, String uuid, String accessor, String description, Instant createdTime) {
      return new Mount(path, "kv", "2", uuid, accessor, description, createdTime, KvProtocol.MountConfig.DEFAULT,
          Duration.ZERO, Duration.ZERO);
    }
  }

  /** Commands of the mount table. */
  public interface Command extends CborSerializable {}

  /**
   * Enables a mount.
   *
   * @param mount the mount to add (its path must be free and must not nest in or around another)
   * @param replyTo gets {@link Mounted}, or {@link Refusal#MOUNT_PATH_IN_USE} / {@link Refusal#MOUNT_NESTED}
   *     with Vault's message naming the mount in the way
   */
  public record Enable(Mount mount, ActorRef<Reply> replyTo) implements Command {}

  /**
   * Disables a mount.
   *
   * @param path the mount path ending with {@code /}
   * @param replyTo gets {@link Disabled}
   */
  public record Disable(String path, ActorRef<Reply> replyTo) implements Command {}

  /**
   * What {@link Disable} removed.
   *
   * @param mount the removed mount, or null when nothing was mounted there
   */
  public record Disabled(Mount mount) implements Reply {}

  /**
   * A mount as a change ({@link Enable}, {@link Tune}, {@link ConfigureKv}) left it.
   *
   * @param mount the mount after the change
   */
  public record Mounted(Mount mount) implements Reply {}

  /**
   * The mount table.
   *
   * @param byPath every mount by its path
   */
  public record Mounts(Map<String, Mount> byPath) implements Reply {}

  /**
   * Tunes a mount; null fields are unchanged.
   *
   * @param path the mount path
   * @param description new description or null
   * @param defaultLeaseTtl new default lease TTL or null
   * @param maxLeaseTtl new max lease TTL or null
   * @param replyTo gets {@link Mounted}, or {@link Refusal#NO_MOUNT} when nothing is mounted there
   */
  public record Tune(String path, String description, Duration defaultLeaseTtl, Duration maxLeaseTtl,
      ActorRef<Reply> replyTo) implements Command {}

  /**
   * Sets a KV mount's settings.
   *
   * @param path the mount path
   * @param config the new settings
   * @param replyTo gets {@link Mounted}, or {@link Refusal#NO_MOUNT} when nothing is mounted there
   */
  public record ConfigureKv(String path, KvProtocol.MountConfig config, ActorRef<Reply> replyTo)
      implements Command {}

  /**
   * Reads the table.
   *
   * @param replyTo gets {@link Mounts}
   */
  public record Get(ActorRef<Reply> replyTo) implements Command {}

  /** Stops the entity (sent when the node seals). */
  public enum Stop implements Command { INSTANCE }

  /**
   * A mount was enabled.
   *
   * @param entityId the persistence id of the table
   * @param mount the mount
   */
  public record MountEnabled(String entityId, Mount mount) implements SealedEvent {}

  /**
   * A mount was disabled.
   *
   * @param entityId the persistence id of the table
   * @param path its path
   * @param uuid its uuid
   */
  public record MountDisabled(String entityId, String path, String uuid) implements SealedEvent {}

  /**
   * A mount was tuned.
   *
   * @param entityId the persistence id of the table
   * @param mount the mount after tuning
   */
  public record MountTuned(String entityId, Mount mount) implements SealedEvent {}

  /**
   * A KV mount's settings changed.
   *
   * @param entityId the persistence id of the table
   * @param path the mount path
   * @param config the settings
   */
  public record KvConfigured(String entityId, String path, KvProtocol.MountConfig config) implements SealedEvent {}

  /** State: mounts by path; {@code tampered} holds an integrity error once an event failed to open. */
  public static final class State {
    final TreeMap<String, Mount> mounts = new TreeMap<>();
    String tampered;
  }

  /** @return the behavior of the mount table */
  public static Behavior<Command> create() {
    return new MountTable();
  }

  private MountTable() {
    super(PERSISTENCE_ID);
  }

  @Override
  public State emptyState() {
    return new State();
  }

  @Override
  protected String integrityFailure(State s) {
    return s.tampered;
  }

  @Override
  protected State failed(State s, String failure) {
    s.tampered = failure;
    s.mounts.clear();
    return s;
  }

  @Override
  public CommandHandler<Command, SealedEvent, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Stop.class, (s, c) -> Effect().stop())
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), answer(s, () -> new Mounts(Map.copyOf(s.mounts)))))
        .onCommand(Enable.class, (s, c) -> unlessFailed(s, c.replyTo(), () -> onEnable(s, c)))
        .onCommand(Disable.class, (s, c) -> unlessFailed(s, c.replyTo(), () -> {
          Mount m = s.mounts.get(c.path());
          if (m == null) {
            return Effect().reply(c.replyTo(), new Disabled(null));
          }
          return Effect().persist(new MountDisabled(persistenceId, m.path(), m.uuid()))
              .thenReply(c.replyTo(), st -> new Disabled(m));
        }))
        .onCommand(Tune.class, (s, c) -> withMount(s, c.path(), c.replyTo(), m -> new MountTuned(persistenceId,
            new Mount(m.path(), m.type(), m.version(), m.uuid(), m.accessor(),
                c.description() != null ? c.description() : m.description(), m.createdTime(), m.kvConfig(),
                c.defaultLeaseTtl() != null ? c.defaultLeaseTtl() : m.defaultLeaseTtl(),
                c.maxLeaseTtl() != null ? c.maxLeaseTtl() : m.maxLeaseTtl()))))
        .onCommand(ConfigureKv.class, (s, c) -> withMount(s, c.path(), c.replyTo(),
            m -> new KvConfigured(persistenceId, m.path(), c.config())))
        .build();
  }

  private Effect<SealedEvent, State> onEnable(State s, Enable c) {
    String path = c.mount().path();
    for (String existing : s.mounts.keySet()) {
      if (existing.equals(path)) {
        return Effect().reply(c.replyTo(), new Rejected(Refusal.MOUNT_PATH_IN_USE, "path is already in use at " + existing));
      }
      if (existing.startsWith(path) || path.startsWith(existing)) {
        return Effect().reply(c.replyTo(), new Rejected(Refusal.MOUNT_NESTED, "existing mount at " + existing));
      }
    }
    return Effect().persist(new MountEnabled(persistenceId, c.mount()))
        .thenReply(c.replyTo(), st -> new Mounted(c.mount()));
  }

  private Effect<SealedEvent, State> withMount(State s, String path, ActorRef<Reply> replyTo,
      java.util.function.Function<Mount, SealedEvent> event) {
    return unlessFailed(s, replyTo, () -> {
      Mount m = s.mounts.get(path);
      if (m == null) {
        return Effect().reply(replyTo, Rejected.of(Refusal.NO_MOUNT));
      }
      return Effect().persist(event.apply(m)).thenReply(replyTo, st -> new Mounted(st.mounts.get(path)));
    });
  }

  @Override
  public EventHandler<State, SealedEvent> eventHandler() {
    return sealedEvents()
        .onEvent(MountEnabled.class, (s, e) -> owned(s, e, st -> {
          st.mounts.put(e.mount().path(), e.mount());
          return st;
        }))
        .onEvent(MountDisabled.class, (s, e) -> owned(s, e, st -> {
          st.mounts.remove(e.path());
          return st;
        }))
        .onEvent(MountTuned.class, (s, e) -> owned(s, e, st -> {
          st.mounts.put(e.mount().path(), e.mount());
          return st;
        }))
        .onEvent(KvConfigured.class, (s, e) -> owned(s, e, st -> {
          Mount m = st.mounts.get(e.path());
          if (m != null) {
            st.mounts.put(m.path(), new Mount(m.path(), m.type(), m.version(), m.uuid(), m.accessor(), m.description(),
                m.createdTime(), e.config(), m.defaultLeaseTtl(), m.maxLeaseTtl()));
          }
          return st;
        }))
        .build();
  }
}
