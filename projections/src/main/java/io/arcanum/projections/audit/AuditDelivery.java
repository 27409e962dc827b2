package io.arcanum.projections.audit;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How far each audit device's delivery has got, on this node: per audit stream, the time of the
 * newest record written to the journal and of the newest record each device has delivered, and the
 * device's last error. {@code sys/audit} and metrics show the lag from it: that of the device's
 * furthest-behind stream.
 */
public final class AuditDelivery {

  /**
   * @param lastDelivered time of the newest record the device delivered, or null
   * @param lastError the last delivery error, or null after a success
   */
  public record Status(Instant lastDelivered, String lastError) {}

  private final Map<String, Status> byDevice = new ConcurrentHashMap<>();
  /** device id -> stream -> time of the newest record delivered from that stream */
  private final Map<String, Map<String, Instant>> deliveredByStream = new ConcurrentHashMap<>();
  /** stream -> time of the newest record made durable in it */
  private final Map<String, Instant> recordedByStream = new ConcurrentHashMap<>();

  /**
   * @param stream the audit stream the record went to
   * @param time the time of a record just made durable
   */
  public void recorded(String stream, Instant time) {
    recordedByStream.merge(stream, time, (a, b) -> a.isAfter(b) ? a : b);
  }

  /**
   * @param deviceId a device
   * @param stream the audit stream the records came from
   * @param time the time of the newest record it delivered from that stream
   */
  public void delivered(String deviceId, String stream, Instant time) {
    deliveredByStream.computeIfAbsent(deviceId, k -> new ConcurrentHashMap<>()).put(stream, time);
    byDevice.merge(deviceId, new Status(time, null), (old, n) -> new Status(
        old.lastDelivered() != null && old.lastDelivered().isAfter(time) ? old.lastDelivered() : time, null));
  }

  /**
   * @param deviceId a device
   * @param error what went wrong (no secret material)
   */
  public void failed(String deviceId, String error) {
    byDevice.merge(deviceId, new Status(null, error), (old, n) -> new Status(old.lastDelivered(), error));
  }

  /**
   * @param deviceId a device
   * @return its status (empty status when it delivered nothing yet)
   */
  public Status status(String deviceId) {
    return byDevice.getOrDefault(deviceId, new Status(null, null));
  }

  /**
   * @param deviceId a device
   * @return seconds between the newest record in the journal and the newest the device delivered;
   *     0 when it is up to date or nothing was recorded yet
   */
  public double lagSeconds(String deviceId) {
    if (recordedByStream.isEmpty()) {
      return 0;
    }
    Map<String, Instant> delivered = deliveredByStream.getOrDefault(deviceId, Map.of());
    if (delivered.isEmpty()) {
      return -1;
    }
    // a stream this device has delivered nothing from yet counts as behind its oldest delivery
    Instant oldest = delivered.values().stream().min(Instant::compareTo).orElseThrow();
    double lag = 0;
    for (Map.Entry<String, Instant> r : recordedByStream.entrySet()) {
      Instant d = delivered.getOrDefault(r.getKey(), oldest);
      lag = Math.max(lag, (r.getValue().toEpochMilli() - d.toEpochMilli()) / 1000.0);
    }
    return lag;
  }
}
