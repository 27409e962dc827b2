package io.arcanum.domain.policy;

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
 * The policy actor: the one owner of ACL policy text in the cluster (a single sharded entity).
 * Every node compiles ACLs from its answers and reloads them when told a policy changed.
 *
 * <p>A {@link Put} becomes {@link PolicyWritten}; a {@link Delete} of an existing policy becomes
 * {@link PolicyDeleted}; {@code root} cannot be written or deleted and {@code default} cannot be
 * deleted (until written, {@code default} is Vault's built-in text). Events are sealed.
 */
public final class PolicyStore
    extends EventSourcedBehavior<PolicyStore.Command, SealedEvent, PolicyStore.State> {

  /** The sharding type key. */
  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "policies");
  /** The entity id of the one policy store. */
  public static final String ENTITY_ID = "acl";

  /** Commands. */
  public interface Command extends CborSerializable {}

  /**
   * Writes a policy (the text was validated by the caller).
   *
   * @param name lower-case name
   * @param text policy text
   * @param replyTo acknowledged; an error for {@code root}
   */
  public record Put(String name, String text, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  /**
   * Deletes a policy.
   *
   * @param name the name
   * @param replyTo acknowledged (also when it did not exist); an error for {@code root} and {@code default}
   */
  public record Delete(String name, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  /**
   * Reads every policy.
   *
   * @param replyTo gets name to text, {@code default} included
   */
  public record GetAll(ActorRef<StatusReply<Policies>> replyTo) implements Command {}

  /**
   * Every policy's text.
   *
   * @param byName name to text
   */
  public record Policies(Map<String, String> byName) implements CborSerializable {}

  /** Stops the entity (sent when the node seals). */
  public enum Stop implements Command { INSTANCE }

  /** Acknowledgement. */
  public enum Done implements CborSerializable { DONE }

  /**
   * @param entityId persistence id
   * @param name the policy
   * @param text its text
   * @param time when
   */
  public record PolicyWritten(String entityId, String name, String text, Instant time) implements SealedEvent {}

  /**
   * @param entityId persistence id
   * @param name the policy
   * @param time when
   */
  public record PolicyDeleted(String entityId, String name, Instant time) implements SealedEvent {}

  /** State: policy texts by name. */
  public static final class State {
    final TreeMap<String, String> policies = new TreeMap<>();
    String tampered;
  }

  private final String persistenceId;

  /** @return the behavior of the policy store */
  public static Behavior<Command> create() {
    return new PolicyStore(PersistenceId.of(TYPE_KEY.name(), ENTITY_ID));
  }

  private PolicyStore(PersistenceId id) {
    super(id);
    this.persistenceId = id.id();
  }

  @Override
  public State emptyState() {
    State s = new State();
    s.policies.put(Policy.DEFAULT, Policy.DEFAULT_TEXT);
    return s;
  }

  @Override
  public CommandHandler<Command, SealedEvent, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Stop.class, (s, c) -> Effect().stop())
        .onCommand(GetAll.class, (s, c) -> Effect().reply(c.replyTo(),
            s.tampered != null ? StatusReply.error(s.tampered) : StatusReply.success(new Policies(Map.copyOf(s.policies)))))
        .onCommand(Put.class, (s, c) -> {
          if (s.tampered != null) {
            return Effect().reply(c.replyTo(), StatusReply.error(s.tampered));
          }
          if (Policy.ROOT.equals(c.name())) {
            return Effect().reply(c.replyTo(), StatusReply.error("cannot update \"root\" policy"));
          }
          return Effect().persist(new PolicyWritten(persistenceId, c.name(), c.text(), Instant.now()))
              .thenReply(c.replyTo(), st -> StatusReply.success(Done.DONE));
        })
        .onCommand(Delete.class, (s, c) -> {
          if (s.tampered != null) {
            return Effect().reply(c.replyTo(), StatusReply.error(s.tampered));
          }
          if (Policy.ROOT.equals(c.name()) || Policy.DEFAULT.equals(c.name())) {
            return Effect().reply(c.replyTo(), StatusReply.error("cannot delete \"" + c.name() + "\" policy"));
          }
          if (!s.policies.containsKey(c.name())) {
            return Effect().reply(c.replyTo(), StatusReply.success(Done.DONE));
          }
          return Effect().persist(new PolicyDeleted(persistenceId, c.name(), Instant.now()))
              .thenReply(c.replyTo(), st -> StatusReply.success(Done.DONE));
        })
        .build();
  }

  @Override
  public EventHandler<State, SealedEvent> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(TamperedEvent.class, (s, e) -> tamper(s, e.reason()))
        .onEvent(PolicyWritten.class, (s, e) -> owned(s, e, () -> s.policies.put(e.name(), e.text())))
        .onEvent(PolicyDeleted.class, (s, e) -> owned(s, e, () -> s.policies.remove(e.name())))
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
    s.policies.clear();
    return s;
  }
}
