package io.arcanum.api.audit;

import com.fasterxml.jackson.databind.JsonNode;
import io.arcanum.api.outcome.Asks;
import io.arcanum.api.outcome.Failure;
import io.arcanum.domain.audit.AuditLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit for one audit stream: at most one write is in flight; the records of every request that
 * arrives meanwhile are gathered and written together as the next batch (up to 128 records, one journal
 * row). Under load many requests share one journal write; at rest a record is written at once.
 */
final class AuditWriter {

  private static final Logger LOG = LoggerFactory.getLogger(AuditWriter.class);
  private static final int MAX_BATCH = 128;

  private record Pending(List<JsonNode> bodies, CompletableFuture<Void> done) {}

  private final EntityRef<AuditLog.Command> stream;
  private final String name;
  private final Duration timeout;
  private final List<Pending> queue = new ArrayList<>();
  private boolean inFlight;

  AuditWriter(ClusterSharding sharding, String streamName, Duration timeout) {
    this.stream = sharding.entityRefFor(AuditLog.TYPE_KEY, streamName);
    this.name = streamName;
    this.timeout = timeout;
  }

  /** @return the stream's name, {@code stream-N} (its entity id) */
  String name() {
    return name;
  }

  /**
   * @param bodies records of one request, written in order and together
   * @return completes when they are durable; fails with {@link Failure.AuditFailed} (fail closed) when
   *     they could not be made durable
   */
  CompletionStage<Void> append(List<JsonNode> bodies) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    boolean start;
    synchronized (queue) {
      queue.add(new Pending(bodies, done));
      start = !inFlight;
      inFlight = true;
    }
    if (start) {
      flush();
    }
    return done;
  }

  private volatile java.util.function.Consumer<java.time.Duration> onWrite = d -> { };

  /** @param hook told how long each durable group write took */
  void onWrite(java.util.function.Consumer<java.time.Duration> hook) {
    this.onWrite = hook;
  }

  private void flush() {
    List<Pending> batch = new ArrayList<>();
    synchronized (queue) {
      int n = 0;
      while (!queue.isEmpty() && (batch.isEmpty() || n + queue.get(0).bodies().size() <= MAX_BATCH)) {
        Pending p = queue.remove(0);
        n += p.bodies().size();
        batch.add(p);
      }
      if (batch.isEmpty()) {
        inFlight = false;
        return;
      }
    }
    List<JsonNode> bodies = new ArrayList<>();
    batch.forEach(p -> bodies.addAll(p.bodies()));
    long started = System.nanoTime();
    // any failure (no answer in time, the stream refusing a write on a broken chain) fails closed
    CompletionStage<AuditLog.Appended> written = Asks.ask(stream, r -> new AuditLog.Append(bodies, r),
        AuditLog.Appended.class, timeout, () -> new Failure.AuditFailed(false));
    written.whenComplete((ok, e) -> {
      if (e == null) {
        onWrite.accept(java.time.Duration.ofNanos(System.nanoTime() - started));
        batch.forEach(p -> p.done().complete(null));
      } else {
        java.util.Set<String> ids = new java.util.TreeSet<>();
        batch.forEach(p -> p.bodies().forEach(b -> ids.add(b.path("request").path("id").asText())));
        LOG.error("audit records could not be made durable, requests {} fail closed: {}", ids,
            e.getClass().getSimpleName());
        Failure failure = new Failure.AuditFailed(false);
        batch.forEach(p -> p.done().completeExceptionally(failure));
      }
      flush();
    });
  }
}
