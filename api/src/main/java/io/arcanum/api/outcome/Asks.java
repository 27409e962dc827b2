package io.arcanum.api.outcome;

import io.arcanum.domain.Refusal;
import io.arcanum.domain.Rejected;
import io.arcanum.domain.Reply;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * Asking an entity and reading its typed {@link Reply}: the expected result record, or a
 * {@link Failure.Refused} for a {@link Rejected}, or the failure the caller names for an entity that
 * did not answer in time (what that means depends on the command: nothing changed for a read, an
 * unknown outcome for a change).
 */
public final class Asks {

  private Asks() {}

  /**
   * Asks an entity and expects one reply type.
   *
   * @param entity the entity
   * @param command builds the command around the reply address
   * @param expected the reply type a success has
   * @param timeout how long to wait, in the ask's own units
   * @param unanswered the failure to report when no answer came in time
   * @param <C> the entity's command type
   * @param <T> the expected reply
   * @return the reply; fails with {@link Failure.Refused} for a rejection, with {@code unanswered()} for
   *     a timeout, and with an {@link IllegalStateException} for any other reply type (a bug)
   */
  public static <C, T extends Reply> CompletionStage<T> ask(EntityRef<C> entity,
      Function<ActorRef<Reply>, C> command, Class<T> expected, Duration timeout, Supplier<Failure> unanswered) {
    return entity.<Reply>ask(command::apply, timeout).handle((reply, error) -> {
      if (error != null) {
        throw unansweredOr(error, unanswered);
      }
      return expect(reply, expected);
    });
  }

  /**
   * Asks an actor that is not sharded (the keyring store's cluster singleton) and expects one reply
   * type; as {@link #ask(EntityRef, Function, Class, Duration, Supplier)} otherwise.
   *
   * @param actor the actor
   * @param command builds the command around the reply address
   * @param expected the reply type a success has
   * @param timeout how long to wait
   * @param scheduler the actor system's scheduler (for the timeout)
   * @param unanswered the failure to report when no answer came in time
   * @param <C> the actor's command type
   * @param <T> the expected reply
   * @return the reply; fails as the sharded form does
   */
  public static <C, T extends Reply> CompletionStage<T> ask(ActorRef<C> actor, Function<ActorRef<Reply>, C> command,
      Class<T> expected, Duration timeout, Scheduler scheduler, Supplier<Failure> unanswered) {
    return AskPattern.<C, Reply>ask(actor, command::apply, timeout, scheduler).handle((reply, error) -> {
      if (error != null) {
        throw unansweredOr(error, unanswered);
      }
      return expect(reply, expected);
    });
  }

  /**
   * @param reply an entity's reply
   * @param expected the reply type a success has
   * @param <T> that type
   * @return the reply as that type
   * @throws Failure.Refused when the reply is a {@link Rejected}
   * @throws IllegalStateException when it is of another type (a bug)
   */
  public static <T extends Reply> T expect(Reply reply, Class<T> expected) {
    if (reply instanceof Rejected r) {
      throw new Failure.Refused(r);
    }
    if (!expected.isInstance(reply)) {
      throw new IllegalStateException("expected " + expected.getSimpleName() + ", got "
          + (reply == null ? "null" : reply.getClass().getSimpleName()));
    }
    return expected.cast(reply);
  }

  /**
   * @param failure what a stage failed with (possibly wrapped in a CompletionException)
   * @return the refusal when it is a {@link Failure.Refused}, else null
   */
  public static Refusal refusal(Throwable failure) {
    return unwrapped(failure) instanceof Failure.Refused r ? r.refusal() : null;
  }

  /**
   * @param failure what a stage failed with
   * @return the failure without its CompletionException wrapper, as an unchecked exception to rethrow
   */
  public static RuntimeException unwrapped(Throwable failure) {
    Throwable t = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    return t instanceof RuntimeException r ? r : new CompletionException(t);
  }

  /**
   * @param error what an ask failed with
   * @param unanswered the failure a timeout means for this ask
   * @return the failure to propagate: {@code unanswered()} for a timeout, else the error itself
   */
  public static RuntimeException unansweredOr(Throwable error, Supplier<Failure> unanswered) {
    Throwable t = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (storageDidNotAnswer(t)) {
      return unanswered.get();
    }
    return t instanceof RuntimeException r ? r : new CompletionException(t);
  }

  /**
   * @param t a failure (unwrapped)
   * @return whether it says that storage, or an entity in front of it, did not answer: a timeout (an
   *     ask's, the Cassandra driver's, a circuit breaker's), no Cassandra node reachable, or a circuit
   *     breaker open; classified by type, never by message
   */
  public static boolean storageDidNotAnswer(Throwable t) {
    return t instanceof TimeoutException
        || t instanceof com.datastax.oss.driver.api.core.DriverTimeoutException
        || t instanceof com.datastax.oss.driver.api.core.AllNodesFailedException
        || t instanceof com.datastax.oss.driver.api.core.connection.ClosedConnectionException
        || t instanceof com.datastax.oss.driver.api.core.servererrors.WriteTimeoutException
        || t instanceof com.datastax.oss.driver.api.core.servererrors.ReadTimeoutException
        || t instanceof com.datastax.oss.driver.api.core.servererrors.UnavailableException
        || t instanceof org.apache.pekko.pattern.CircuitBreakerOpenException;
  }
}
