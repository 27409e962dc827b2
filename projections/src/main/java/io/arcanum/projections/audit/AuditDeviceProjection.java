package io.arcanum.projections.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.arcanum.domain.audit.AuditDevices;
import io.arcanum.domain.audit.AuditEntries;
import io.arcanum.domain.audit.AuditHasher;
import io.arcanum.domain.audit.AuditLog;
import io.arcanum.domain.barrier.SealedEvent;
import io.arcanum.domain.barrier.TamperedEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.projection.ProjectionBehavior;
import org.apache.pekko.projection.ProjectionId;
import org.apache.pekko.projection.cassandra.javadsl.CassandraProjection;
import org.apache.pekko.projection.eventsourced.EventEnvelope;
import org.apache.pekko.projection.javadsl.Handler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The projections that feed one audit device, one per audit stream: every record of the stream, in
 * order, at least once, the offset (sequence number) in Cassandra so a restart resumes where it
 * stopped. Records of different streams reach the device in the order their projections deliver
 * them. Each device has its own projections, so a slow, blocked or full device lags alone: requests
 * never wait for a device, and other devices go on.
 */
public final class AuditDeviceProjection {

  private static final Logger LOG = LoggerFactory.getLogger(AuditDeviceProjection.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private AuditDeviceProjection() {}

  /**
   * @param system the actor system
   * @param device the device
   * @param stream the audit stream's name ({@code stream-N}, see {@link AuditLog})
   * @param delivery where progress is reported
   * @return the behavior of the device's projection of that stream, to spawn while the device is enabled
   */
  public static Behavior<ProjectionBehavior.Command> behavior(ActorSystem<?> system, AuditDevices.Device device,
      String stream, AuditDelivery delivery) {
    String persistenceId = PersistenceId.of(AuditLog.TYPE_KEY.name(), stream).id();
    return ProjectionBehavior.create(CassandraProjection.groupedWithin(
            ProjectionId.of("audit-device", device.id() + "|" + stream),
            new AuditStreamSource(system, persistenceId),
            () -> new DeviceHandler(device, stream, delivery))
        .withGroup(200, Duration.ofMillis(50)));
  }

  /** Formats records for one device and appends them to its sink. */
  static final class DeviceHandler extends Handler<List<EventEnvelope<SealedEvent>>> {
    private final AuditDevices.Device device;
    private final String stream;
    private final AuditDelivery delivery;
    private final AuditFileSink sink;
    private final String prefix;
    private final Set<String> clear;
    /** the device's salt, keyed once (process is called for one batch at a time) */
    private final AuditHasher.DeviceHasher hasher;

    DeviceHandler(AuditDevices.Device device, String stream, AuditDelivery delivery) {
      this.device = device;
      this.stream = stream;
      this.delivery = delivery;
      this.sink = new AuditFileSink(device.options().getOrDefault("file_path", "stdout"));
      this.prefix = device.options().getOrDefault("prefix", "");
      this.clear = Set.of();
      this.hasher = new AuditHasher.DeviceHasher(device.salt());
    }

    @Override
    public CompletionStage<Done> process(List<EventEnvelope<SealedEvent>> envelopes) {
      List<String> lines = new ArrayList<>();
      Instant newest = null;
      for (EventEnvelope<SealedEvent> env : envelopes) {
        if (env.event() instanceof TamperedEvent t) {
          LOG.error("audit device {} skipped a record of {} that failed its integrity check", device.path(),
              env.persistenceId());
          continue;
        }
        for (AuditLog.Record r : AuditLog.records(env.event())) {
          // a record that stands for a request's two entries is written as Vault's two lines
          for (JsonNode entry : AuditEntries.of(hasher.view(r.body(), clear))) {
            try {
              lines.add(prefix + JSON.writeValueAsString(entry));
            } catch (Exception e) {
              throw new IllegalStateException("audit record could not be written as JSON", e);
            }
          }
          newest = Instant.parse(r.body().get("time").asText());
        }
      }
      try {
        sink.write(lines);
      } catch (Exception e) {
        delivery.failed(device.id(), e.getClass().getSimpleName() + ": " + e.getMessage());
        LOG.warn("audit device {} could not write ({}); it retries and lags meanwhile", device.path(), e.toString());
        return CompletableFuture.failedFuture(e);
      }
      if (newest != null) {
        delivery.delivered(device.id(), stream, newest);
      }
      return CompletableFuture.completedFuture(Done.getInstance());
    }

    @Override
    public CompletionStage<Done> stop() {
      sink.close();
      return CompletableFuture.completedFuture(Done.getInstance());
    }
  }
}
