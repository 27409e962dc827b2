package io.arcanum.domain.policy;

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
 * The policy actor: the one owner of ACL policy text in the cluster (a single sharded entity).
 * Every node compiles ACLs from its answers and reloads them when told a policy changed.
 *
 * <p>A {@link Put} becomes {@link PolicyWritten}; a {@link Delete} of an existing policy becomes
 * {@link PolicyDeleted}; {@code root} cannot be written ({@link Refusal#ROOT_POLICY_IMMUTABLE}) or
 * deleted, and {@code default} cannot be deleted ({@link Refusal#POLICY_NOT_DELETABLE}); until
 * written, {@code default} is Vault's built-in text. Events are sealed and checked against this
 * entity's id on replay ({@link SealedEntity}).
 */
public final class PolicyStore extends SealedEntity<PolicyStore.Command, PolicyStore.State> {

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
   * @param replyTo gets {@link Done}; {@link Refusal#ROOT_POLICY_IMMUTABLE} for {@code root}
   */
  public record Put(String name, String text, ActorRef<Reply> replyTo) implements Command {}

  /**
   * Deletes a policy.
   *
   * @param name the name
   * @param replyTo gets {@link Done} (also when it did not exist); {@link Refusal#POLICY_NOT_DELETABLE}
   *     for {@code root} and {@code default}
   */
  public record Delete(String name, ActorRef<Reply> replyTo) implements Command {}

  /**
   * Reads every policy.
   *
   * @param replyTo gets {@link Policies}, {@code default} included
   */
  public record GetAll(ActorRef<Reply> replyTo) implements Command {}

  /**
   * Every policy's text.
   *
   * @param byName name to text
   */
  public record Policies(Map<String, String> byName) implements Reply {}

  /** Stops the entity (sent when the node seals). */
  public enum Stop implements Command { INSTANCE }

  /** Acknowledgement. */
  public enum Done implements Reply { DONE }

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

  /** @return the behavior of the policy store */
  public static Behavior<Command> create() {
    return new PolicyStore(PersistenceId.of(TYPE_KEY.name(), ENTITY_ID));
  }

  private PolicyStore(PersistenceId id) {
    super(id);
  }

  @Override
  public State emptyState() {
    State s = new State();
    s.policies.put(Policy.DEFAULT, Policy.DEFAULT_TEXT);
    return s;
  }

  @Override
  protected String integrityFailure(State s) {
    return s.tampered;
  }

  @Override
  protected State failed(State s, String failure) {
    s.tampered = failure;
    s.policies.clear();
    return s;
  }

  @Override
  public CommandHandler<Command, SealedEvent, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Stop.class, (s, c) -> Effect().stop())
        .onCommand(GetAll.class, (s, c) -> Effect().reply(c.replyTo(),
            answer(s, () -> new Policies(Map.copyOf(s.policies)))))
        .onCommand(Put.class, (s, c) -> unlessFailed(s, c.replyTo(), () -> {
          if (Policy.ROOT.equals(c.name())) {
            return Effect().reply(c.replyTo(), Rejected.of(Refusal.ROOT_POLICY_IMMUTABLE));
          }
          return Effect().persist(new PolicyWritten(persistenceId, c.name(), c.text(), Instant.now()))
              .thenReply(c.replyTo(), st -> Done.DONE);
        }))
        .onCommand(Delete.class, (s, c) -> unlessFailed(s, c.replyTo(), () -> {
          if (Policy.ROOT.equals(c.name()) || Policy.DEFAULT.equals(c.name())) {
            return Effect().reply(c.replyTo(),
                new Rejected(Refusal.POLICY_NOT_DELETABLE, "cannot delete \"" + c.name() + "\" policy"));
          }
          if (!s.policies.containsKey(c.name())) {
            return Effect().reply(c.replyTo(), Done.DONE);
          }
          return Effect().persist(new PolicyDeleted(persistenceId, c.name(), Instant.now()))
              .thenReply(c.replyTo(), st -> Done.DONE);
        }))
        .build();
  }

  @Override
  public EventHandler<State, SealedEvent> eventHandler() {
    return sealedEvents()
        .onEvent(PolicyWritten.class, (s, e) -> owned(s, e, st -> {
          st.policies.put(e.name(), e.text());
          return st;
        }))
        .onEvent(PolicyDeleted.class, (s, e) -> owned(s, e, st -> {
          st.policies.remove(e.name());
          return st;
        }))
        .build();
  }
}
