package io.arcanum.domain.audit;

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
 * The audit devices of the cluster (one sharded entity): their configuration and their salts live in
 * the journal, sealed. {@link Enable} of a free path becomes {@link DeviceEnabled}; {@link Disable}
 * becomes {@link DeviceDisabled}.
 */
public final class AuditDevices
    extends EventSourcedBehavior<AuditDevices.Command, SealedEvent, AuditDevices.State> {

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
   * @param salt its HMAC salt (32 random bytes)
   * @param id a unique id (the projection of this device is named after it)
   * @param createdTime when it was enabled
   */
  public record Device(String path, String type, String description, Map<String, String> options, byte[] salt,
      String id, Instant createdTime) implements CborSerializable {}

  /** Commands. */
  public interface Command extends CborSerializable {}

  /**
   * @param device the device to enable
   * @param replyTo acknowledged; an error when the path is in use
   */
  public record Enable(Device device, ActorRef<StatusReply<Device>> replyTo) implements Command {}

  /**
   * @param path the device's path
   * @param replyTo acknowledged (also when no device was there)
   */
  public record Disable(String path, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  /**
   * @param replyTo gets every device by path
   */
  public record Get(ActorRef<StatusReply<Devices>> replyTo) implements Command {}

  /**
   * @param byPath every device by path
   */
  public record Devices(Map<String, Device> byPath) implements CborSerializable {}

  /** Stops the entity (sent when the node seals). */
  public enum Stop implements Command { INSTANCE }

  /** Acknowledgement. */
  public enum Done implements CborSerializable { DONE }

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

  private final String persistenceId;

  /** @return the behavior */
  public static Behavior<Command> create() {
    return new AuditDevices(PersistenceId.of(TYPE_KEY.name(), ENTITY_ID));
  }

  private AuditDevices(PersistenceId id) {
    super(id);
    this.persistenceId = id.id();
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
            ? StatusReply.error(s.tampered) : StatusReply.success(new Devices(Map.copyOf(s.devices)))))
        .onCommand(Enable.class, (s, c) -> {
          if (s.tampered != null) {
            return Effect().reply(c.replyTo(), StatusReply.error(s.tampered));
          }
          if (s.devices.containsKey(c.device().path())) {
            return Effect().reply(c.replyTo(), StatusReply.error("path already in use"));
          }
          return Effect().persist(new DeviceEnabled(persistenceId, c.device()))
              .thenReply(c.replyTo(), st -> StatusReply.success(c.device()));
        })
        .onCommand(Disable.class, (s, c) -> {
          if (s.tampered != null) {
            return Effect().reply(c.replyTo(), StatusReply.error(s.tampered));
          }
          if (!s.devices.containsKey(c.path())) {
            return Effect().reply(c.replyTo(), StatusReply.success(Done.DONE));
          }
          return Effect().persist(new DeviceDisabled(persistenceId, c.path()))
              .thenReply(c.replyTo(), st -> StatusReply.success(Done.DONE));
        })
        .build();
  }

  @Override
  public EventHandler<State, SealedEvent> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(TamperedEvent.class, (s, e) -> tamper(s, e.reason()))
        .onEvent(DeviceEnabled.class, (s, e) -> owned(s, e, () -> s.devices.put(e.device().path(), e.device())))
        .onEvent(DeviceDisabled.class, (s, e) -> owned(s, e, () -> s.devices.remove(e.path())))
        .build();
  }

  private State owned(State s, SealedEvent e, Runnable apply) {
    if (s.tampered != null) {
      return s;
    }
    if (!persistenceId.equals(e.entityId())) {
      return tamper(s, "event belongs to another entity");
    }
    apply.run();
    return s;
  }

  private State tamper(State s, String reason) {
    s.tampered = new IntegrityException(reason + " (" + persistenceId + ")").getMessage();
    s.devices.clear();
    return s;
  }
}
