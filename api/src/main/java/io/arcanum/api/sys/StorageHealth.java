package io.arcanum.api.sys;

import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.arcanum.persistence.JournalConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this node's storage answers: a cheap query ({@code SELECT release_version FROM system.local})
 * on the journal's own driver session every {@code interval}, each with a short timeout. Storage is
 * <em>unavailable</em> after {@code failuresBeforeUnavailable} probes in a row failed, and available again
 * at the first probe that succeeds. Probes overlap when one hangs (a frozen Cassandra), so that a hung
 * probe does not delay the next verdict.
 *
 * <p>Read by {@code sys/health} (which keeps answering from memory while storage is down), by the
 * {@code arcanum_storage_available} gauge, and by {@link StorageGate}, which fails requests that need
 * storage at once while it is unavailable. A change of state is logged once (WARN when storage goes
 * away, INFO when it is back); single probe failures are not logged.
 */
public final class StorageHealth implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(StorageHealth.class);

  /** The probe: answered by the coordinator itself from a local system table. */
  static final String PROBE_CQL = "SELECT release_version FROM system.local";

  /** Probes in flight at most (a frozen Cassandra leaves them hanging until their timeout). */
  private static final int MAX_IN_FLIGHT = 8;

  /**
   * What the probe last concluded.
   *
   * @param available whether storage answers
   * @param since when this state began
   * @param lastError the last failed probe's error (class and message, for logs; never sent to clients),
   *     or null when no probe failed since storage was last available
   */
  public record Status(boolean available, Instant since, String lastError) {}

  private final CompletionStage<CassandraSession> session;
  private final Duration interval;
  private final Duration timeout;
  private final int failuresBeforeUnavailable;
  private final Clock clock;
  private final AtomicReference<Status> status;
  private final AtomicInteger failuresInARow = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final List<Consumer<Status>> listeners = new CopyOnWriteArrayList<>();
  private volatile Cancellable ticks;
  private volatile Consumer<Boolean> probed = ok -> { };

  /**
   * Probes the session of the journal plugin ({@code pekko.persistence.cassandra}); call
   * {@link #start(ActorSystem)} to begin.
   *
   * @param system the actor system whose journal session is probed
   * @param interval time between probes (e.g. 250 ms)
   * @param timeout how long one probe may take before it counts as failed (e.g. 1 s)
   * @param failuresBeforeUnavailable failed probes in a row that make storage unavailable (at least 1)
   * @param clock the clock of {@link Status#since()}
   * @throws IllegalArgumentException if a duration is not positive or the count is below 1
   */
  public StorageHealth(ActorSystem<?> system, Duration interval, Duration timeout, int failuresBeforeUnavailable,
      Clock clock) {
    this(CompletableFuture.completedFuture(
        CassandraSessionRegistry.get(system).sessionFor("pekko.persistence.cassandra")),
        interval, timeout, failuresBeforeUnavailable, clock);
  }

  private StorageHealth(CompletionStage<CassandraSession> session, Duration interval, Duration timeout,
      int failuresBeforeUnavailable, Clock clock) {
    if (interval.isNegative() || interval.isZero() || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("probe interval and timeout must be positive");
    }
    if (failuresBeforeUnavailable < 1) {
      throw new IllegalArgumentException("failuresBeforeUnavailable must be at least 1");
    }
    this.session = session;
    this.interval = interval;
    this.timeout = timeout;
    this.failuresBeforeUnavailable = failuresBeforeUnavailable;
    this.clock = clock;
    // the node only starts once its keyspace was created, so storage answered a moment ago
    this.status = new AtomicReference<>(new Status(true, clock.instant(), null));
  }

  /**
   * Starts probing on the system's scheduler; probes stop with the actor system or {@link #close()}.
   *
   * @param system the actor system whose scheduler runs the probes
   * @return this
   */
  public StorageHealth start(ActorSystem<?> system) {
    ticks = system.scheduler().scheduleWithFixedDelay(Duration.ZERO, interval, this::probe, system.executionContext());
    return this;
  }

  /** @return true while storage answers (the last {@code failuresBeforeUnavailable} probes did not all fail) */
  public boolean available() {
    return status.get().available();
  }

  /** @return the current state, when it began, and the last probe error */
  public Status status() {
    return status.get();
  }

  /**
   * Registers a listener told of every change of state (on the thread of the probe that changed it).
   *
   * @param listener gets the new state
   */
  public void onChange(Consumer<Status> listener) {
    listeners.add(listener);
  }

  /** @param hook told the outcome of every probe (true: answered), e.g. to count failures in a metric */
  public void onProbe(Consumer<Boolean> hook) {
    this.probed = hook;
  }

  /** Stops probing. */
  @Override
  public void close() {
    Cancellable c = ticks;
    if (c != null) {
      c.cancel();
    }
  }

  private void probe() {
    if (inFlight.incrementAndGet() > MAX_IN_FLIGHT) {
      inFlight.decrementAndGet();
      return;
    }
    SimpleStatement probe = SimpleStatement.newInstance(PROBE_CQL)
        .setExecutionProfileName(JournalConfig.PROFILE)
        .setTimeout(timeout)
        .setIdempotent(true);
    CompletionStage<?> answered;
    try {
      answered = session.thenCompose(s -> s.selectOne(probe));
    } catch (RuntimeException e) {
      answered = CompletableFuture.failedFuture(e);
    }
    answered.whenComplete((row, failure) -> {
      inFlight.decrementAndGet();
      record(failure);
    });
  }

  /** Folds one probe outcome into the state; package-private for tests. */
  void record(Throwable failure) {
    probed.accept(failure == null);
    Status before;
    Status after;
    do {
      before = status.get();
      if (failure == null) {
        failuresInARow.set(0);
        after = before.available() ? before : new Status(true, clock.instant(), null);
      } else {
        int n = failuresInARow.incrementAndGet();
        String error = describe(failure);
        after = before.available() && n < failuresBeforeUnavailable
            ? before
            : new Status(false, before.available() ? clock.instant() : before.since(), error);
      }
    } while (!status.compareAndSet(before, after));
    if (before.available() != after.available()) {
      if (after.available()) {
        LOG.info("storage is available again (it was unavailable for {} ms)",
            Duration.between(before.since(), after.since()).toMillis());
      } else {
        LOG.warn("storage is unavailable: {} probes in a row failed within {} ms each; last error: {}",
            failuresBeforeUnavailable, timeout.toMillis(), after.lastError());
      }
      for (Consumer<Status> l : listeners) {
        l.accept(after);
      }
    }
  }

  private static String describe(Throwable failure) {
    Throwable t = failure;
    while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    String message = String.valueOf(t.getMessage());
    int nl = message.indexOf('\n');
    return t.getClass().getSimpleName() + ": " + (nl < 0 ? message : message.substring(0, nl));
  }

  /**
   * A health state driven by hand, for tests of what reads it.
   *
   * @param failuresBeforeUnavailable failed probes in a row that make storage unavailable
   * @param clock the clock of {@link Status#since()}
   * @return a health that is available until {@link #record(Throwable)} says otherwise; never probes
   */
  static StorageHealth manual(int failuresBeforeUnavailable, Clock clock) {
    return new StorageHealth(new CompletableFuture<>(), Duration.ofSeconds(1), Duration.ofSeconds(1),
        failuresBeforeUnavailable, clock);
  }
}
