package io.arcanum.domain.barrier;

/** The barrier holds no keys: the node is sealed. Its message is Vault's wire string. */
public final class SealedException extends RuntimeException {

  /** Vault's exact error string for a sealed node. */
  public static final String MESSAGE = "Vault is sealed";

  /** Creates the exception with Vault's message. */
  public SealedException() {
    super(MESSAGE, null, false, false);
  }
}
