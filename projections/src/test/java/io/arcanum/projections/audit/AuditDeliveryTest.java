package io.arcanum.projections.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A device's lag is that of its furthest-behind audit stream. */
class AuditDeliveryTest {

  private static final Instant T0 = Instant.parse("2026-11-30T10:00:00Z");

  @Test
  void lagIsThatOfTheFurthestBehindStream() {
    AuditDelivery delivery = new AuditDelivery();
    assertEquals(0, delivery.lagSeconds("dev"), "nothing recorded yet");
    delivery.recorded("stream-0", T0.plusSeconds(10));
    delivery.recorded("stream-1", T0.plusSeconds(20));
    assertEquals(-1, delivery.lagSeconds("dev"), "nothing delivered yet");

    delivery.delivered("dev", "stream-0", T0.plusSeconds(10));
    assertEquals(10, delivery.lagSeconds("dev"), "stream-1 delivered nothing: behind since the oldest delivery");
    delivery.delivered("dev", "stream-1", T0.plusSeconds(15));
    assertEquals(5, delivery.lagSeconds("dev"));
    delivery.delivered("dev", "stream-1", T0.plusSeconds(20));
    assertEquals(0, delivery.lagSeconds("dev"), "both streams delivered up to their newest record");
    assertEquals(T0.plusSeconds(20), delivery.status("dev").lastDelivered());

    delivery.recorded("stream-0", T0.plusSeconds(30));
    assertEquals(20, delivery.lagSeconds("dev"), "a stream with newer records than delivered");
    assertEquals(-1, delivery.lagSeconds("other"), "another device delivered nothing");
  }
}
