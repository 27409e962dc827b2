package io.arcanum.api.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import ch.qos.logback.core.util.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link RepeatedLogLimiter} in a logger context of its own, with a list appender. */
class RepeatedLogLimiterTest {

  private LoggerContext context;
  private RepeatedLogLimiter limiter;
  private ListAppender<ILoggingEvent> out;

  @BeforeEach
  void setUp() {
    context = new LoggerContext();
    limiter = new RepeatedLogLimiter();
    limiter.setContext(context);
    limiter.setBurst(3);
    limiter.setWindow(Duration.valueOf("1 hour")); // windows end when the test says so (flush)
    limiter.start();
    context.addTurboFilter(limiter);
    out = new ListAppender<>();
    out.setContext(context);
    out.start();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.INFO);
    root.addAppender(out);
  }

  @AfterEach
  void tearDown() {
    context.stop();
  }

  @Test
  void aFloodIsCutToTheBurstAndSummarised() {
    Logger log = context.getLogger("flood");
    for (int i = 0; i < 1000; i++) {
      log.warn("request {} failed: {}", UUID.randomUUID(), "storage unavailable");
    }
    assertEquals(3, out.list.size());
    limiter.flush(System.nanoTime(), true);
    assertEquals(4, out.list.size());
    ILoggingEvent summary = out.list.get(3);
    assertEquals(Level.WARN, summary.getLevel());
    assertEquals("flood", summary.getLoggerName());
    assertTrue(summary.getFormattedMessage().startsWith("suppressed 997 more messages like this"),
        summary.getFormattedMessage());
    assertTrue(summary.getFormattedMessage().contains("failed: storage unavailable"), summary.getFormattedMessage());

    // a new window lets the same kind through again: later failures are not hidden for good
    for (int i = 0; i < 5; i++) {
      log.warn("request {} failed: {}", UUID.randomUUID(), "storage unavailable");
    }
    assertEquals(7, out.list.size());
  }

  @Test
  void preformattedMessagesOfOneKindShareAWindowAndDistinctKindsDoNot() {
    Logger log = context.getLogger("pekko");
    for (int i = 0; i < 50; i++) {
      // Pekko formats its messages itself: ids and numbers differ, the kind does not
      log.error("Supervisor saw failure [" + i + "]: recovery failed. PersistenceId [kv|" + UUID.randomUUID()
          + "/k" + i + "]", new IllegalStateException("down"));
    }
    for (int i = 0; i < 50; i++) {
      log.error("Tag write failed for pid " + i);
    }
    log.error("something else entirely");
    assertEquals(3 + 3 + 1, out.list.size());
  }

  @Test
  void lowerLevelsAndLevelChecksAreNotCounted() {
    Logger log = context.getLogger("chatty");
    for (int i = 0; i < 100; i++) {
      log.info("progress {}", i);
      assertTrue(log.isWarnEnabled());
    }
    log.warn("one warning");
    assertEquals(101, out.list.size());
  }

  @Test
  void stoppingWritesWhatIsPending() {
    Logger log = context.getLogger("flood");
    for (int i = 0; i < 10; i++) {
      log.error("failed");
    }
    limiter.stop();
    List<String> lines = out.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    assertEquals(4, lines.size(), lines.toString());
    assertTrue(lines.get(3).startsWith("suppressed 7 more messages like this"), lines.toString());
  }
}
