package io.arcanum.domain.kv;

import com.fasterxml.jackson.databind.JsonNode;
import io.arcanum.domain.CborSerializable;
import io.arcanum.domain.barrier.IntegrityException;
import io.arcanum.domain.barrier.SealedEvent;
import io.arcanum.domain.barrier.TamperedEvent;
import java.time.Clock;
import java.time.Instant;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;

/**
 * One KV version 2 secret path: its versions and their metadata, as a persistent actor (one per path,
 * under cluster sharding; entity id {@code <mount uuid>/<path>}).
 *
 * <p>How commands become events: a {@link Write} that passes its check-and-set becomes a
 * {@link VersionWritten} with the next version number; a {@link Read} reads the state and persists
 * nothing. Every event is sealed by the barrier before it reaches the journal and names this entity,
 * which checks the name on replay; an event that fails to open or names another entity puts the
 * entity in a failed state where every command gets an integrity error.
 */
public final class KvSecret
    extends EventSourcedBehavior<KvSecret.Command, SealedEvent, KvSecret.State> {

  /** The sharding type key; persistence ids are {@code kv|<entity id>}. */
  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "kv");

  /** Vault's message when {@code options.cas} differs from the current version. */
  public static final String CAS_MISMATCH = "check-and-set parameter did not match the current version";

  // ---- commands ----

  /** Commands of a KV secret. */
  public interface Command extends CborSerializable {}

  /**
   * Writes a new version.
   *
   * @param data the secret's key/value object (a JSON object; never mutated)
   * @param cas the check-and-set version, or {@code null} for none
   * @param replyTo gets the new version's info, or an error with Vault's message
   */
  public record Write(JsonNode data, Integer cas, ActorRef<StatusReply<VersionInfo>> replyTo)
      implements Command {}

  /**
   * Reads a version.
   *
   * @param version the version, or {@code null}/0 for the current one
   * @param replyTo gets the result
   */
  public record Read(Integer version, ActorRef<StatusReply<ReadResult>> replyTo) implements Command {}

  /** Stops the entity, dropping its decrypted state (sent to every entity when the node seals). */
  public enum Stop implements Command { INSTANCE }

  // ---- replies ----

  /**
   * Metadata of one version.
   *
   * @param version the version number (from 1)
   * @param createdTime when it was written
   * @param deletionTime when it was soft-deleted, or null
   * @param destroyed whether its data was destroyed
   */
  public record VersionInfo(int version, Instant createdTime, Instant deletionTime, boolean destroyed)
      implements CborSerializable {}

  /**
   * The answer to a {@link Read}.
   *
   * @param data the version's data, or null when the version does not exist, is deleted or destroyed
   * @param info the version's metadata, or null when the version does not exist
   */
  public record ReadResult(JsonNode data, VersionInfo info) implements CborSerializable {}

  // ---- events ----

  /**
   * A version was written.
   *
   * @param entityId the persistence id of the secret
   * @param version the new version number
   * @param data the data (never mutated)
   * @param createdTime when
   */
  public record VersionWritten(String entityId, int version, JsonNode data, Instant createdTime)
      implements SealedEvent {}

  // ---- state ----

  /**
   * The versions of a secret. Mutable, and changed only by the event handler (as Pekko allows for Java
   * state), so that replaying thousands of versions stays linear.
   */
  public static final class State {
    final TreeMap<Integer, Version> versions = new TreeMap<>();
    int currentVersion;
    String tampered;

    /** @return the newest version number, 0 when nothing was written */
    public int currentVersion() {
      return currentVersion;
    }
  }

  record Version(VersionInfo info, JsonNode data) {}

  // ---- behavior ----

  private final String persistenceId;
  private final Clock clock;

  /**
   * @param entityId the sharding entity id ({@code <mount uuid>/<path>})
   * @param clock the clock for created times
   * @return the behavior of that secret
   */
  public static Behavior<Command> create(String entityId, Clock clock) {
    return new KvSecret(PersistenceId.of(TYPE_KEY.name(), entityId), clock);
  }

  private KvSecret(PersistenceId persistenceId, Clock clock) {
    super(persistenceId);
    this.persistenceId = persistenceId.id();
    this.clock = clock;
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
        .onCommand(Write.class, this::onWrite)
        .onCommand(Read.class, this::onRead)
        .build();
  }

  private Effect<SealedEvent, State> onWrite(State state, Write cmd) {
    if (state.tampered != null) {
      return Effect().reply(cmd.replyTo(), StatusReply.error(state.tampered));
    }
    if (cmd.cas() != null && cmd.cas() != state.currentVersion) {
      return Effect().reply(cmd.replyTo(), StatusReply.error(CAS_MISMATCH));
    }
    VersionWritten evt =
        new VersionWritten(persistenceId, state.currentVersion + 1, cmd.data(), clock.instant());
    return Effect().persist(evt).thenReply(cmd.replyTo(),
        s -> StatusReply.success(s.versions.get(evt.version()).info()));
  }

  private Effect<SealedEvent, State> onRead(State state, Read cmd) {
    if (state.tampered != null) {
      return Effect().reply(cmd.replyTo(), StatusReply.error(state.tampered));
    }
    int v = cmd.version() == null || cmd.version() == 0 ? state.currentVersion : cmd.version();
    Version version = state.versions.get(v);
    if (version == null) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(new ReadResult(null, null)));
    }
    boolean hidden = version.info().destroyed() || version.info().deletionTime() != null;
    return Effect().reply(cmd.replyTo(),
        StatusReply.success(new ReadResult(hidden ? null : version.data(), version.info())));
  }

  @Override
  public EventHandler<State, SealedEvent> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(TamperedEvent.class, (state, evt) -> tamper(state, evt.reason()))
        .onEvent(VersionWritten.class, (state, evt) -> {
          if (!persistenceId.equals(evt.entityId())) {
            return tamper(state, "event belongs to another entity");
          }
          state.versions.put(evt.version(),
              new Version(new VersionInfo(evt.version(), evt.createdTime(), null, false), evt.data()));
          state.currentVersion = Math.max(state.currentVersion, evt.version());
          return state;
        })
        .build();
  }

  private State tamper(State state, String reason) {
    state.tampered = new IntegrityException(reason + " (" + persistenceId + ")").getMessage();
    state.versions.clear();
    return state;
  }
}
