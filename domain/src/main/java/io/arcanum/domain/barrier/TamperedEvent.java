package io.arcanum.domain.barrier;

/**
 * What the sealed serializer hands to an entity instead of an event that failed to open: the entity
 * enters a failed state and answers every command with an integrity error instead of crashing or
 * serving altered data.
 *
 * @param entityId the entity id found in the clear header (not trusted)
 * @param reason why opening failed, without secret material
 */
public record TamperedEvent(String entityId, String reason) implements SealedEvent {}
