package io.arcanum.domain.audit;

import io.arcanum.domain.CborSerializable;
import io.arcanum.domain.Refusal;
import io.arcanum.domain.Rejected;
import io.arcanum.domain.Reply;
import io.arcanum.domain.barrier.SealedEvent;
import io.arcanum.domain.entity.SealedEntity;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;

/**
 * The audit devices of the cluster (one sharded entity): their configuration and their salts live in
 * the journal, sealed. {@link Enable} of a free path becomes {@link DeviceEnabled} (a taken path is
 * refused with {@link Refusal#AUDIT_PATH_IN_USE}); {@link Disable} becomes {@link DeviceDisabled}.
 * Events are checked against this entity's id on replay ({@link SealedEntity}).
 */
public final class AuditDevices extends SealedEntity<AuditDevices.Command, AuditDevices.State> {

  /** The sharding type key. */
  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "audit-devices");
  /** The entity id of the one device table. */
  public static final String ENTITY_ID = "table";

  /**
   * One audit device.
   *
   * @param path its path, ending with {@code /} (e.g. {@code file/})
   * @param type its type ({@code file})
   * @param description free text
   * @param options its options ({@code file_path}, {@code prefix}, {@code hmac_accessor}, ...)
   * @param salt its HMAC salt (32 random bytes; a secret: never printed)
   * @param id a unique id (the projection of this device is named after it)
   * @param createdTime when it was enabled
   */
  public record Device(String path, String type, String description, Map<String, String> options, byte[] salt,
      String id, Instant createdTime) implements CborSerializable {

    /** @return what the record shows, without the salt */
    @Override
    public String toString() {
      return "Device[path=" + path + ", type=" + type + ", description=" + description + ", options=" + options
          + ", salt=<redacted>, id=" + id + ", createdTime=" + createdTime + "]";
    }
  }

  /** Commands. */
  public interface Command extends CborSerializable {}

  /**
   * @param device the device to enable
   * @param replyTo gets {@link Done}; {@link Refusal#AUDIT_PATH_IN_USE} when the path is in use
   */
  public record Enable(Device device, ActorRef<Reply> replyTo) implements Command {}

  /**
   * @param path the device's path
   * @param replyTo gets {@link Done} (also when no device was there)
   */
  public record Disable(String path, ActorRef<Reply> replyTo) implements Command {}

  /**
   * @param replyTo gets {@link Devices}
   */
  public record Get(ActorRef<Reply> replyTo) implements Command {}

  /**
   * @param byPath every device by path
   */
  public record Devices(Map<String, Device> byPath) implements Reply {}

  /** Stops the entity (sent when the node seals). */
  public enum Stop implements Command { INSTANCE }

  /** Acknowledgement. */
  public enum Done implements Reply { DONE }

  /**
   * @param entityId persistence id
   * @param device the device
   */
  public record DeviceEnabled(String entityId, Device device) implements SealedEvent {}

  /**
   * @param entityId persistence id
   * @param path the device's path
   */
  public record DeviceDisabled(String entityId, String path) implements SealedEvent {}

  /** State: devices by path. */
  public static final class State {
    final TreeMap<String, Device> devices = new TreeMap<>();
    String tampered;
  }

  /** @return the behavior */
  public static Behavior<Command> create() {
    return new AuditDevices(PersistenceId.of(TYPE_KEY.name(), ENTITY_ID));
  }

  private AuditDevices(PersistenceId id) {
    super(id);
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
    s.devices.clear();
    return s;
  }

  @Override
  public CommandHandler<Command, SealedEvent, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Stop.class, (s, c) -> Effect().stop())
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), answer(s, () -> new Devices(Map.copyOf(s.devices)))))
        .onCommand(Enable.class, (s, c) -> unlessFailed(s, c.replyTo(), () -> {
          if (s.devices.containsKey(c.device().path())) {
            return Effect().reply(c.replyTo(), Rejected.of(Refusal.AUDIT_PATH_IN_USE));
          }
          return Effect().persist(new DeviceEnabled(persistenceId, c.device())).thenReply(c.replyTo(), st -> Done.DONE);
        }))
        .onCommand(Disable.class, (s, c) -> unlessFailed(s, c.replyTo(), () -> {
          if (!s.devices.containsKey(c.path())) {
            return Effect().reply(c.replyTo(), Done.DONE);
          }
          return Effect().persist(new DeviceDisabled(persistenceId, c.path())).thenReply(c.replyTo(), st -> Done.DONE);
        }))
        .build();
  }

  @Override
  public EventHandler<State, SealedEvent> eventHandler() {
    return sealedEvents()
        .onEvent(DeviceEnabled.class, (s, e) -> owned(s, e, st -> {
          st.devices.put(e.device().path(), e.device());
          return st;
        }))
        .onEvent(DeviceDisabled.class, (s, e) -> owned(s, e, st -> {
          st.devices.remove(e.path());
          return st;
        }))
        .build();
  }
}
