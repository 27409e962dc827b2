package io.arcanum.api.audit;

import io.arcanum.api.http.Replies;
import io.arcanum.domain.audit.AuditDevices;
import io.arcanum.projections.audit.AuditDelivery;
import io.arcanum.projections.audit.AuditDeviceProjection;
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
 * Runs the delivery projections of each enabled audit device on this node (one per audit stream), and keeps that set equal to
 * the device table: after a device is enabled or disabled here, and when the node unseals.
 */
public final class AuditDeviceRunner {

  private static final Logger LOG = LoggerFactory.getLogger(AuditDeviceRunner.class);

  private final ActorSystem<?> system;
  private final ClusterSharding sharding;
  private final AuditDelivery delivery;
  private final Duration timeout;
  private final List<String> streams;
  /** device id -> its projections, one per audit stream */
  private final Map<String, List<ActorRef<ProjectionBehavior.Command>>> running = new HashMap<>();
  private volatile io.arcanum.api.metrics.Metrics metrics;

  /**
   * @param system the actor system
   * @param delivery delivery progress of this node
   * @param timeout ask timeout
   * @param streamCount number of audit streams ({@code arcanum.audit.streams}): each device has one
   *     projection per stream
   */
  public AuditDeviceRunner(ActorSystem<?> system, AuditDelivery delivery, Duration timeout, int streamCount) {
    this.system = system;
    this.streams = java.util.stream.IntStream.range(0, streamCount).mapToObj(io.arcanum.domain.audit.AuditLog::streamName).toList();
    this.sharding = ClusterSharding.get(system);
    this.delivery = delivery;
    this.timeout = timeout;
  }

  /** @return the device table entity */
  public EntityRef<AuditDevices.Command> table() {
    return sharding.entityRefFor(AuditDevices.TYPE_KEY, AuditDevices.ENTITY_ID);
  }

  /** @return delivery progress */
  public AuditDelivery delivery() {
    return delivery;
  }

  /** @return the devices, freshly read */
  public CompletionStage<Map<String, AuditDevices.Device>> devices() {
    CompletionStage<AuditDevices.Devices> asked = table().askWithStatus(AuditDevices.Get::new, timeout);
    return Replies.mapped(asked).thenApply(AuditDevices.Devices::byPath);
  }

  /**
   * Starts the projections of new devices and stops those of removed ones.
   *
   * @return completes when done
   */
  public CompletionStage<Void> reconcile() {
    return devices().thenAccept(this::reconcile).exceptionally(e -> {
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

  private synchronized void reconcile(Map<String, AuditDevices.Device> devices) {
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
