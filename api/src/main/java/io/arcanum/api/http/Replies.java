package io.arcanum.api.http;

import io.arcanum.domain.Failures;
import io.arcanum.domain.barrier.SealedException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.pattern.StatusReply;

/** Turns the failures of an ask to an entity into Vault errors. */
public final class Replies {

  private Replies() {}

  /**
   * Maps a failure to the Vault error a client should see: an entity's error message is a 400 with
   * that message (Vault's wire string) unless it reports an integrity failure (500); a timeout is a
   * 500; a sealed barrier is a 503; a {@link VaultException} passes through.
   *
   * @param failure what the ask failed with (possibly wrapped in a CompletionException)
   * @return the Vault error
   */
  public static VaultException toVault(Throwable failure) {
    Throwable t = failure;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof VaultException v) {
      return v;
    }
    if (t instanceof SealedException) {
      return VaultException.sealed();
    }
    if (t instanceof StatusReply.ErrorMessage) {
      return Failures.isIntegrityFailure(t)
          ? VaultException.internal(t.getMessage())
          : VaultException.badRequest(t.getMessage());
    }
    if (t instanceof TimeoutException) {
      return VaultException.internal("storage did not answer in time");
    }
    return null;
  }

  /**
   * Like {@link #toVault} but never null: an unexpected failure becomes a 500 {@code internal error}.
   *
   * @param failure the failure
   * @return the Vault error
   */
  public static VaultException toVaultOrInternal(Throwable failure) {
    VaultException v = toVault(failure);
    return v != null ? v : VaultException.internal("internal error");
  }

  /**
   * Rethrows a failure as its Vault error, for use in {@code exceptionally} stages.
   *
   * @param failure the failure
   * @param <T> the stage's type
   * @return never
   */
  public static <T> T rethrow(Throwable failure) {
    VaultException v = toVault(failure);
    if (v != null) {
      throw v;
    }
    if (failure instanceof RuntimeException r) {
      throw r;
    }
    throw new CompletionException(failure);
  }

  /**
   * @param stage an ask's stage
   * @param <T> its type
   * @return the same stage whose failures are Vault errors where they map to one
   */
  public static <T> CompletionStage<T> mapped(CompletionStage<T> stage) {
    return stage.exceptionally(Replies::rethrow);
  }
}
