package io.arcanum.domain.barrier;

/**
 * An event (or snapshot) that is sealed by the barrier before it reaches the journal.
 *
 * <p>A serializer never sees the persistence id, so each sealed event names the entity it belongs to.
 * The serializer copies {@link #entityId()} into a clear header authenticated as associated data, and
 * the entity checks it against its own id on replay: an event copied from another entity fails.
 */
public interface SealedEvent {
  /** @return the persistence id of the entity this event belongs to */
  String entityId();
}
