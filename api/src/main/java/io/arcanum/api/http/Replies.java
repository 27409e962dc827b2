package io.arcanum.api.http;

import io.arcanum.api.outcome.Failure;
import io.arcanum.domain.barrier.IntegrityException;
import io.arcanum.domain.barrier.SealedException;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

/**
 * The one place where failures become Vault's wire errors (status and {@code errors} array): a
 * route's own {@link VaultException}, a service's typed {@link Failure} (an entity's refusal carries
 * its own status and Vault's message, {@link io.arcanum.domain.Refusal}), a sealed barrier, an
 * integrity failure of stored data. Failures are told apart by their type, never by their message.
 */
public final class Replies {

  private Replies() {}

  /**
   * Maps a failure to the Vault error a client should see: a {@link Failure} by its kind (a refusal
   * with its {@link io.arcanum.domain.Refusal}'s status and message); a stored-data integrity failure
   * is a 500; storage that did not answer and that no service classified (a timeout, no node, a circuit
   * breaker open) a 500 whose message says the outcome is not known; a sealed barrier a 503; a {@link VaultException} passes
   * through.
   *
   * @param failure what the stage failed with (possibly wrapped in a CompletionException)
   * @return the Vault error, or null for a failure of no known kind (a bug)
   */
  public static VaultException toVault(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof VaultException v) {
      return v;
    }
    if (t instanceof Failure f) {
      return wire(f);
    }
    if (t instanceof IntegrityException) {
      return VaultException.internal(t.getMessage());
    }
    if (t instanceof SealedException) {
      return VaultException.sealed();
    }
    if (io.arcanum.api.outcome.Asks.storageDidNotAnswer(t)) {
      // a service let it through unclassified: whether anything changed is not known here
      return VaultException.internal("storage did not answer in time; if the request changed something,"
          + " read it back to find out whether the change was made");
    }
    return null;
  }

  private static VaultException wire(Failure failure) {
    if (failure instanceof Failure.Refused r) {
      String m = r.rejected().message();
      return new VaultException(r.refusal().status(), m == null ? List.of() : List.of(m));
    }
    if (failure instanceof Failure.Unavailable u) {
      return new VaultException(503, List.of("storage is unavailable (" + u.getMessage()
          + "), so the request was not served and changed nothing; try again"));
    }
    if (failure instanceof Failure.OutcomeUnknown u) {
      return new VaultException(500, List.of("the outcome of this request is unknown: " + u.getMessage()
          + "; " + u.howToFindOut() + " to find out whether the change was made"));
    }
    if (failure instanceof Failure.Incomplete i) {
      return new VaultException(500, List.of(i.getMessage()));
    }
    Failure.AuditFailed a = (Failure.AuditFailed) failure;
    return a.changed()
        ? new VaultException(500, List.of("audit: the response could not be recorded, so the reply was withheld;"
            + " the change was made"))
        : new VaultException(503, List.of("audit: the request could not be recorded, so it was not served"));
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
