package io.arcanum.projections.audit;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How far each audit device's delivery has got, on this node: the time of the newest record written
 * to the journal and of the newest record each device has delivered, and the device's last error.
 * {@code sys/audit} and metrics show the lag from it.
 */
public final class AuditDelivery {

  /**
   * @param lastDelivered time of the newest record the device delivered, or null
   * @param lastError the last delivery error, or null after a success
   */
  public record Status(Instant lastDelivered, String lastError) {}

  private final Map<String, Status> byDevice = new ConcurrentHashMap<>();
  private volatile Instant lastRecorded;

  /** @param time the time of a record just made durable */
  public void recorded(Instant time) {
    lastRecorded = time;
  }

  /**
   * @param deviceId a device
   * @param time the time of the newest record it delivered
   */
  public void delivered(String deviceId, Instant time) {
    byDevice.put(deviceId, new Status(time, null));
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
    Instant recorded = lastRecorded;
    if (recorded == null) {
      return 0;
    }
    Instant delivered = status(deviceId).lastDelivered();
    if (delivered == null) {
      return -1;
    }
    return Math.max(0, (recorded.toEpochMilli() - delivered.toEpochMilli()) / 1000.0);
  }
}
