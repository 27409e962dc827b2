package io.arcanum.domain;

/**
 * Marker for messages and events serialized with Pekko's Jackson CBOR serializer, in the clear.
 * Only for what holds no secret in clear: commands between nodes, and events whose secret parts are
 * already encrypted (the keyring store's). Events holding secrets implement
 * {@link io.arcanum.domain.barrier.SealedEvent} instead and are sealed by the barrier.
 */
public interface CborSerializable {}
