package io.arcanum.domain;

/**
 * What an entity answers a command with: the command's own result record, or {@link Rejected} when
 * the entity refuses it. Results are typed values (never an error string to be parsed back); the API
 * turns a {@link Rejected} into Vault's wire error through its {@link Refusal} in one place.
 *
 * <p>Replies cross node boundaries, so they are serialized with Jackson CBOR.
 */
public interface Reply extends CborSerializable {}
