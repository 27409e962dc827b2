package io.arcanum.domain.mount;

import io.arcanum.domain.CborSerializable;
import io.arcanum.domain.barrier.IntegrityException;
import io.arcanum.domain.barrier.SealedEvent;
import io.arcanum.domain.barrier.TamperedEvent;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;

/**
 * The secrets engines mounted in the cluster, as one persistent actor.
 *
 * <p>How commands become events: an {@link Enable} of a free path becomes a {@link MountEnabled} with a
 * fresh uuid and accessor; {@link Get} reads the table. A mount's data lives under its uuid, not its
 * path, so that a later mount at the same path never sees an older mount's secrets. Events are sealed
 * by the barrier (the mount table is barrier-encrypted in Vault too).
 */
public final class MountTable
    extends EventSourcedBehavior<MountTable.Command, SealedEvent, MountTable.State> {

  /** The sharding type key: the table is one sharded entity, so it can be stopped and restarted. */
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
   */
  public record Mount(String path, String type, String version, String uuid, String accessor,
      String description, Instant createdTime) implements CborSerializable {}

  /** Commands of the mount table. */
  public interface Command extends CborSerializable {}

  /**
   * Enables a mount.
   *
   * @param mount the mount to add (its path must be free and must not nest in or around another)
   * @param replyTo gets the mount, or an error with Vault's message
   */
  public record Enable(Mount mount, ActorRef<StatusReply<Mount>> replyTo) implements Command {}

  /**
   * Reads the table.
   *
   * @param replyTo gets every mount by path
   */
  public record Get(ActorRef<StatusReply<Map<String, Mount>>> replyTo) implements Command {}

  /** Stops the entity (sent when the node seals). */
  public enum Stop implements Command { INSTANCE }

  /**
   * A mount was enabled.
   *
   * @param entityId the persistence id of the table
   * @param mount the mount
   */
  public record MountEnabled(String entityId, Mount mount) implements SealedEvent {}

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
  public CommandHandler<Command, SealedEvent, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Stop.class, (s, c) -> Effect().stop())
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), s.tampered != null
            ? StatusReply.error(s.tampered)
            : StatusReply.success(Map.copyOf(s.mounts))))
        .onCommand(Enable.class, (s, c) -> {
          if (s.tampered != null) {
            return Effect().reply(c.replyTo(), StatusReply.error(s.tampered));
          }
          String path = c.mount().path();
          for (String existing : s.mounts.keySet()) {
            if (existing.equals(path)) {
              return Effect().reply(c.replyTo(),
                  StatusReply.error("path is already in use at " + existing));
            }
            if (existing.startsWith(path) || path.startsWith(existing)) {
              return Effect().reply(c.replyTo(),
                  StatusReply.error("existing mount at " + existing));
            }
          }
          return Effect().persist(new MountEnabled(PERSISTENCE_ID.id(), c.mount()))
              .thenReply(c.replyTo(), st -> StatusReply.success(c.mount()));
        })
        .build();
  }

  @Override
  public EventHandler<State, SealedEvent> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(TamperedEvent.class, (s, e) -> tamper(s, e.reason()))
        .onEvent(MountEnabled.class, (s, e) -> {
          if (!PERSISTENCE_ID.id().equals(e.entityId())) {
            return tamper(s, "event belongs to another entity");
          }
          s.mounts.put(e.mount().path(), e.mount());
          return s;
        })
        .build();
  }

  private static State tamper(State s, String reason) {
    s.tampered = new IntegrityException(reason + " (" + PERSISTENCE_ID.id() + ")").getMessage();
    s.mounts.clear();
    return s;
  }
}
