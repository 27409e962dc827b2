package io.arcanum.api.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * This node's metrics (Micrometer, Prometheus registry), served by {@code GET /v1/sys/metrics?format=prometheus}:
 * HTTP requests by area, operation and status (count and latency), audit records made durable, each
 * audit device's delivery lag, the seal state, whether storage answers, and the JVM's heap, garbage
 * collection and threads.
 */
public final class Metrics {

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Counter auditRecords;
  private final Counter auditResponsesLost;
  private final Set<String> devices = ConcurrentHashMap.newKeySet();

  /**
   * @param sealed reports whether the node is sealed
   */
  public Metrics(Supplier<Boolean> sealed) {
    Gauge.builder("arcanum_sealed", () -> sealed.get() ? 1 : 0)
        .description("1 while this node is sealed").register(registry);
    auditRecords = Counter.builder("arcanum_audit_records").description("audit records made durable")
        .register(registry);
    auditResponsesLost = Counter.builder("arcanum_audit_response_records_lost")
        .description("response records of replies without secret material that could not be made durable")
        .register(registry);
    // the JVM's own figures, as Vault reports its Go runtime's (heap in use, GC pauses, threads)
    new io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics().bindTo(registry);
    new io.micrometer.core.instrument.binder.jvm.JvmGcMetrics().bindTo(registry);
    new io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics().bindTo(registry);
  }

  /**
   * Records one HTTP request.
   *
   * @param area {@code sys}, {@code auth}, {@code kv} or {@code other}
   * @param operation the Vault operation (read, write, list, delete, patch, head)
   * @param status the HTTP status answered
   * @param duration how long it took
   */
  public void request(String area, String operation, int status, Duration duration) {
    Timer.builder("arcanum_http_requests").description("HTTP API requests")
        .tag("area", area).tag("operation", operation).tag("status", Integer.toString(status))
        .publishPercentileHistogram(false)
        .register(registry).record(duration);
  }

  /** @param n audit records just made durable */
  public void auditRecords(int n) {
    auditRecords.increment(n);
  }

  /** A response record whose reply did not wait for it (no secret material) could not be made durable. */
  public void auditResponseLost() {
    auditResponsesLost.increment();
  }

  /**
   * Registers a device's lag gauge once.
   *
   * @param device the device path
   * @param lagSeconds reads its current lag in seconds (-1 before its first delivery)
   */
  public void auditDevice(String device, Supplier<Double> lagSeconds) {
    if (devices.add(device)) {
      Gauge.builder("arcanum_audit_device_lag_seconds", lagSeconds::get)
          .description("how far an audit device's delivery is behind the journal").tag("device", device)
          .register(registry);
    }
  }

  /**
   * Records one durable journal write made for a request.
   *
   * @param kind {@code kv} (a secret's event, after its data key) or {@code audit} (a group commit)
   * @param duration from the ask to the acknowledgement
   */
  public void journalWrite(String kind, Duration duration) {
    Timer.builder("arcanum_journal_write").description("durable journal writes, from ask to acknowledgement")
        .tag("kind", kind).register(registry).record(duration);
  }

  /**
   * Registers the keyring gauges.
   *
   * @param term the active key term (0 while sealed)
   * @param encryptions blobs this node sealed with the active term (0 while sealed)
   */
  public void keyring(Supplier<Number> term, Supplier<Number> encryptions) {
    Gauge.builder("arcanum_keyring_term", () -> term.get().doubleValue())
        .description("the keyring's active key term on this node").register(registry);
    Gauge.builder("arcanum_keyring_encryptions", () -> encryptions.get().doubleValue())
        .description("blobs this node sealed with the active key term since it was unsealed").register(registry);
  }

  /**
   * Registers a gauge of the entities of one type running on this node.
   *
   * @param type the sharding type (kv, token, ...)
   * @param count reads the last known count
   */
  public void entities(String type, Supplier<Number> count) {
    Gauge.builder("arcanum_entities", () -> count.get().doubleValue())
        .description("entities in memory on this node").tag("type", type).register(registry);
  }

  /**
   * Registers the storage gauges: {@code arcanum_storage_available} (1 while storage answers the node's
   * probe, 0 while it does not) and the counter {@code arcanum_storage_probe_failures_total}.
   *
   * @param available reads whether storage is available
   * @return counts one failed probe each time it is run
   */
  public Runnable storage(Supplier<Boolean> available) {
    Gauge.builder("arcanum_storage_available", () -> available.get() ? 1 : 0)
        .description("1 while this node's storage (Cassandra) answers its probe, 0 while it does not")
        .register(registry);
    Counter failures = Counter.builder("arcanum_storage_probe_failures")
        .description("storage probes that failed or timed out").register(registry);
    return failures::increment;
  }

  /** @return the Prometheus text exposition of every metric */
  public String scrape() {
    return registry.scrape();
  }
}
