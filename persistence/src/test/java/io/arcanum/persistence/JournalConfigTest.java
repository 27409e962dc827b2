package io.arcanum.persistence;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The journal settings never print the truststore password. */
class JournalConfigTest {

  @Test
  void theTruststorePasswordIsNeverPrinted() {
    JournalConfig c = new JournalConfig(List.of("127.0.0.1:9042"), "arcanum", "datacenter1", 1,
        new JournalConfig.DriverTls("/tmp/trust.p12", "s3cret-pass", true));
    assertFalse(c.toString().contains("s3cret-pass"), c.toString());
    assertTrue(c.toString().contains("/tmp/trust.p12"), c.toString());
  }
}
