package io.arcanum.projections.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class AuditStreamsTest {

  @Test
  void everyStreamTheJournalHoldsIsReadWhateverTheSetting() {
    List<String> ids = List.of("kv|m/a", "audit|stream-0", "audit|stream-6", "audit|stream-x", "audit-devices|table");
    assertEquals(List.of("stream-0", "stream-1", "stream-2", "stream-3", "stream-4", "stream-5", "stream-6"),
        AuditStreams.among(ids, 2), "streams up to the highest the journal holds");
    assertEquals(List.of("stream-0", "stream-1", "stream-2", "stream-3"), AuditStreams.among(List.of(), 4),
        "the configured streams even before they hold records");
  }
}
