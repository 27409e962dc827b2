package io.arcanum.domain.barrier;

/**
 * What the sealed serializer hands to an entity instead of an event that failed to open: the entity
 * enters a failed state and answers every command with an integrity error instead of crashing or
 * serving altered data.
 *
 * <p>It keeps the bytes exactly as stored: when the journal writes a replayed event again (the
 * Cassandra plugin re-writes tagged events its tag tables missed), the serializer writes these
 * same bytes back, unopened and unsealed again, so they still fail wherever they are read.
 *
 * @param entityId the entity id found in the clear header (not trusted)
 * @param reason why opening failed, without secret material
 * @param manifest the manifest the bytes were stored with
 * @param stored the bytes as stored (never interpreted)
 */
public record TamperedEvent(String entityId, String reason, String manifest, byte[] stored) implements SealedEvent {

  /** @return what the record shows, without the stored bytes */
  @Override
  public String toString() {
    return "TamperedEvent[" + entityId + ": " + reason + "]";
  }
}
