package io.arcanum.domain.entity;

import io.arcanum.domain.Rejected;
import io.arcanum.domain.Reply;
import io.arcanum.domain.barrier.IntegrityException;
import io.arcanum.domain.barrier.SealedEvent;
import io.arcanum.domain.barrier.TamperedEvent;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.BackoffSupervisorStrategy;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandlerBuilderByState;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;

/**
 * The base of every entity whose events and snapshots the barrier seals: the one place that decides
 * what happens when stored data fails its integrity check (ARCHITECTURE.md, "Keys and the barrier").
 *
 * <p>The sealed serializer hands the entity a {@link TamperedEvent} instead of an event (or snapshot)
 * that does not open, and every sealed event names the entity it belongs to. An entity built on this
 * base therefore:
 * <ul>
 *   <li>applies an event only through {@link #owned}, which refuses an event naming another entity;</li>
 *   <li>on a tampered or foreign event or snapshot enters a failed state ({@link #failed}): what the
 *       state held is dropped (nothing altered is ever served) and the failure is kept;</li>
 *   <li>answers every command of a failed state with {@link Rejected#integrity} ({@link #unlessFailed}),
 *       so that each request meeting the failure is aborted with a 500 instead of crashing the entity.</li>
 * </ul>
 *
 * @param <C> the command type
 * @param <S> the state type (mutable or not: {@link #failed} returns the state to continue with)
 */
public abstract class SealedEntity<C, S> extends EventSourcedBehavior<C, SealedEvent, S> {

  /** This entity's persistence id, as sealed events name it. */
  protected final String persistenceId;

  /**
   * @param persistenceId the entity's persistence id
   */
  protected SealedEntity(PersistenceId persistenceId) {
    super(persistenceId);
    this.persistenceId = persistenceId.id();
  }

  /**
   * @param persistenceId the entity's persistence id
   * @param onPersistFailure how the entity restarts after a journal write failed
   */
  protected SealedEntity(PersistenceId persistenceId, BackoffSupervisorStrategy onPersistFailure) {
    super(persistenceId, onPersistFailure);
    this.persistenceId = persistenceId.id();
  }

  /**
   * @param state a state
   * @return the integrity failure the state holds, or null while it is intact
   */
  protected abstract String integrityFailure(S state);

  /**
   * The state after an integrity failure: everything it held is dropped, the failure kept.
   *
   * @param state the state so far
   * @param failure the failure message ({@link IntegrityException#getMessage()} form)
   * @return the state to continue with
   */
  protected abstract S failed(S state, String failure);

  /**
   * @param state a state
   * @param reason why it fails, without secret material
   * @return {@link #failed} with a message naming this entity
   */
  protected final S fail(S state, String reason) {
    return failed(state, new IntegrityException(reason + " (" + persistenceId + ")"));
  }

  /**
   * The state after an integrity failure, given the failure itself; by default {@link #failed(Object,
   * String)} with its message. An entity that must raise the same failure again later (a replay
   * outside the actor) overrides this to keep it.
   *
   * @param state the state so far
   * @param failure the failure
   * @return the state to continue with
   */
  protected S failed(S state, IntegrityException failure) {
    return failed(state, failure.getMessage());
  }

  /**
   * An event handler builder that already turns a {@link TamperedEvent} into the failed state; add the
   * entity's events to it, each applied through {@link #owned}.
   *
   * @return the builder for any state
   */
  protected final EventHandlerBuilderByState<S, S, SealedEvent> sealedEvents() {
    return newEventHandlerBuilder().forAnyState()
        .onEvent(TamperedEvent.class, (s, e) -> fail(s, e.reason()));
  }

  /**
   * Applies an event that must belong to this entity: a failed state stays as it is, an event that
   * names another entity fails the state.
   *
   * @param state the state so far
   * @param event the event
   * @param apply what the event does to an intact state
   * @return the state after the event
   */
  protected final S owned(S state, SealedEvent event, UnaryOperator<S> apply) {
    if (integrityFailure(state) != null) {
      return state;
    }
    if (!persistenceId.equals(event.entityId())) {
      return fail(state, "event belongs to another entity");
    }
    return apply.apply(state);
  }

  /**
   * For command handlers: a failed state answers {@link Rejected#integrity}, an intact one runs the
   * handler.
   *
   * @param state the current state
   * @param replyTo where the command's answer goes
   * @param effect the handler for an intact state
   * @return the effect
   */
  protected final Effect<SealedEvent, S> unlessFailed(S state, ActorRef<? super Rejected> replyTo,
      Supplier<Effect<SealedEvent, S>> effect) {
    String failure = integrityFailure(state);
    if (failure != null) {
      return Effect().reply(replyTo, Rejected.integrity(failure));
    }
    return effect.get();
  }

  /**
   * For read-only answers: the reply of an intact state, or {@link Rejected#integrity}.
   *
   * @param state the current state
   * @param reply the answer of an intact state
   * @return the answer to send
   */
  protected final Reply answer(S state, Supplier<? extends Reply> reply) {
    String failure = integrityFailure(state);
    return failure != null ? Rejected.integrity(failure) : reply.get();
  }

  /**
   * Restores a state from what the snapshot store handed back: a snapshot of the expected type that
   * names this entity, or else (a {@link TamperedEvent}, another entity's snapshot) a failed state.
   *
   * @param from what the snapshot store returned
   * @param type the entity's snapshot type
   * @param restore builds the state from an authentic snapshot
   * @param <T> the snapshot type
   * @return the state to recover from
   */
  protected final <T extends SealedEvent> S restored(Object from, Class<T> type, Function<T, S> restore) {
    if (from instanceof TamperedEvent t) {
      return fail(emptyState(), t.reason());
    }
    if (!type.isInstance(from) || !persistenceId.equals(((SealedEvent) from).entityId())) {
      return fail(emptyState(), "snapshot belongs to another entity");
    }
    return restore.apply(type.cast(from));
  }
}
