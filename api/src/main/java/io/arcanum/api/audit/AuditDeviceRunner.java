package io.arcanum.api.audit;

import io.arcanum.api.outcome.Asks;
import io.arcanum.api.outcome.Failure;
import io.arcanum.domain.Refusal;
import io.arcanum.domain.audit.AuditDevices;
import io.arcanum.projections.audit.AuditDelivery;
import io.arcanum.projections.audit.AuditDeviceProjection;
import io.arcanum.projections.audit.AuditStreams;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.projection.ProjectionBehavior;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit device table as the node uses it, and the delivery projections of each enabled device on
 * this node (one per audit stream), kept equal to the table: after a device is enabled or disabled
 * here, and when the node unseals. Outcomes are typed: a table that does not answer in time is
 * {@link Failure.Unavailable} for a read and {@link Failure.OutcomeUnknown} for a change.
 */
public final class AuditDeviceRunner {

  private static final Logger LOG = LoggerFactory.getLogger(AuditDeviceRunner.class);

  private final ActorSystem<?> system;
  private final ClusterSharding sharding;
  private final AuditDelivery delivery;
  private final Duration timeout;
  private final int configuredStreams;
  /** the streams each device reads, found once ({@link AuditStreams#present}) */
  private volatile CompletionStage<List<String>> streams;
  /** device id -> its projections, one per audit stream */
  private final Map<String, List<ActorRef<ProjectionBehavior.Command>>> running = new HashMap<>();
  private volatile io.arcanum.api.metrics.Metrics metrics;

  /**
   * @param system the actor system
   * @param delivery delivery progress of this node
   * @param timeout ask timeout
   * @param streamCount number of audit streams ({@code arcanum.audit.streams}): each device has one
   *     projection per stream, and per older stream beyond them that the journal holds
   *     ({@link AuditStreams#present})
   */
  public AuditDeviceRunner(ActorSystem<?> system, AuditDelivery delivery, Duration timeout, int streamCount) {
    this.system = system;
    this.configuredStreams = streamCount;
    this.sharding = ClusterSharding.get(system);
    this.delivery = delivery;
    this.timeout = timeout;
  }

  private EntityRef<AuditDevices.Command> table() {
    return sharding.entityRefFor(AuditDevices.TYPE_KEY, AuditDevices.ENTITY_ID);
  }

  /** @return delivery progress */
  public AuditDelivery delivery() {
    return delivery;
  }

  /**
   * @return the devices, freshly read
   * @throws Failure.Unavailable (in the stage) when the table did not answer in time
   */
  public CompletionStage<Map<String, AuditDevices.Device>> devices() {
    return Asks.ask(table(), AuditDevices.Get::new, AuditDevices.Devices.class, timeout,
        () -> new Failure.Unavailable("the audit device table did not answer in time"))
        .thenApply(AuditDevices.Devices::byPath);
  }

  /**
   * Enables a device, then starts its projections here.
   *
   * @param device the device
   * @return completes once the table holds it
   * @throws Failure.Refused (in the stage) {@link Refusal#AUDIT_PATH_IN_USE} when its path is taken;
   *     {@link Failure.OutcomeUnknown} when the table did not confirm in time
   */
  public CompletionStage<Void> enable(AuditDevices.Device device) {
    return Asks.ask(table(), r -> new AuditDevices.Enable(device, r), AuditDevices.Done.class, timeout,
            () -> new Failure.OutcomeUnknown("the audit device table did not confirm the new device in time",
                "read sys/audit"))
        .thenCompose(d -> reconcile());
  }

  /**
   * Disables a device (nothing happens when none is at the path), then stops its projections here.
   *
   * @param path the device's path, ending with {@code /}
   * @return completes once the table no longer holds it
   * @throws Failure.OutcomeUnknown (in the stage) when the table did not confirm in time
   */
  public CompletionStage<Void> disable(String path) {
    return Asks.ask(table(), r -> new AuditDevices.Disable(path, r), AuditDevices.Done.class, timeout,
            () -> new Failure.OutcomeUnknown("the audit device table did not confirm the removal in time",
                "read sys/audit"))
        .thenCompose(d -> reconcile());
  }

  /**
   * Starts the projections of new devices and stops those of removed ones.
   *
   * @return completes when done
   */
  public CompletionStage<Void> reconcile() {
    return devices().thenCompose(d -> streams().thenAccept(s -> reconcile(d, s))).exceptionally(e -> {
      LOG.warn("audit devices could not be read: {}", e.getMessage());
      return null;
    });
  }

  /**
   * @param m where device lag gauges are registered
   */
  public void useMetrics(io.arcanum.api.metrics.Metrics m) {
    this.metrics = m;
  }

  /** The streams to read, found on first use; found again after a failed attempt. */
  private CompletionStage<List<String>> streams() {
    CompletionStage<List<String>> found = streams;
    if (found == null || found.toCompletableFuture().isCompletedExceptionally()) {
      found = AuditStreams.present(system, configuredStreams);
      streams = found;
    }
    return found;
  }

  private synchronized void reconcile(Map<String, AuditDevices.Device> devices, List<String> streams) {
    if (metrics != null) {
      devices.values().forEach(d -> metrics.auditDevice(d.path(), () -> delivery.lagSeconds(d.id())));
    }
    Map<String, AuditDevices.Device> wanted = new HashMap<>();
    devices.values().forEach(d -> wanted.put(d.id(), d));
    running.entrySet().removeIf(e -> {
      if (!wanted.containsKey(e.getKey())) {
        e.getValue().forEach(p -> p.tell(ProjectionBehavior.stopMessage()));
        return true;
      }
      return false;
    });
    wanted.forEach((id, device) -> running.computeIfAbsent(id, k -> streams.stream()
        .map(stream -> system.systemActorOf(AuditDeviceProjection.behavior(system, device, stream, delivery),
            "audit-device-" + id + "-" + stream, Props.empty()))
        .toList()));
  }

  /** Stops every device projection (the node sealed; they restart on the next unseal). */
  public synchronized void stopAll() {
    running.values().forEach(list -> list.forEach(r -> r.tell(ProjectionBehavior.stopMessage())));
    running.clear();
  }
}
