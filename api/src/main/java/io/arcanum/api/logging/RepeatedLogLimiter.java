package io.arcanum.api.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import ch.qos.logback.core.util.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Marker;
import org.slf4j.MarkerFactory;

/**
 * A logback {@link TurboFilter} that keeps a flood of repeated warnings and errors from drowning the log:
 * per kind of message it lets {@code burst} lines through in each {@code window}, drops the rest, and at
 * the end of the window logs one line saying how many it dropped, under the same logger and level.
 *
 * <p>A kind of message is its logger, level, exception class and text shape: the format string when the
 * call has arguments (SLF4J style), otherwise the first {@value #SHAPE_CHARS} characters of the message
 * with numbers, UUIDs and hex identifiers blanked out (Pekko formats its messages itself, so request ids,
 * sequence numbers and persistence ids are in the text). Distinct failures therefore stay visible, and a
 * kind that floods again later is let through again, {@code burst} lines per window.
 *
 * <p>Why not logback's {@code DuplicateMessageFilter}: it counts repetitions of a format string for the
 * life of the process (in an LRU cache of 100 formats), so once a message repeated N times it is hidden
 * for good, including the next, unrelated outage's; it does not say how many lines it dropped; it applies
 * to every level; and Pekko's pre-formatted messages all differ, so their floods pass it.
 *
 * <p>Configured in {@code logback.xml}, e.g.
 * {@code <turboFilter class="io.arcanum.api.logging.RepeatedLogLimiter"><burst>5</burst>
 * <window>10 seconds</window></turboFilter>}. Lines below {@code level} (WARN by default) are never
 * limited.
 */
public final class RepeatedLogLimiter extends TurboFilter {

  /** Marks the summary lines this filter writes (they pass the filter). */
  public static final Marker SUMMARY = MarkerFactory.getMarker("LOG_LIMITER_SUMMARY");

  /** Characters of a pre-formatted message that decide its kind. */
  static final int SHAPE_CHARS = 80;

  private static final String FQCN = RepeatedLogLimiter.class.getName();
  private static final Pattern IDENTIFIER = Pattern.compile(
      "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|\\b(?=[0-9a-fA-F]*[0-9])[0-9a-fA-F]{6,}\\b|[0-9]+");

  private int burst = 5;
  private long windowNanos = TimeUnit.SECONDS.toNanos(10);
  private Level level = Level.WARN;
  private int maxKinds = 1000;
  private final Map<Kind, Window> windows = new ConcurrentHashMap<>();
  private ScheduledExecutorService flusher;

  /** Creates the filter with its defaults: 5 lines per kind per 10 s, WARN and above. */
  public RepeatedLogLimiter() {
  }

  /** @param burst lines of one kind let through per window (at least 1) */
  public void setBurst(int burst) {
    if (burst < 1) {
      throw new IllegalArgumentException("burst must be at least 1");
    }
    this.burst = burst;
  }

  /** @param window the window, in logback's duration syntax (e.g. {@code 10 seconds}); positive */
  public void setWindow(Duration window) {
    if (window.getMilliseconds() <= 0) {
      throw new IllegalArgumentException("window must be positive");
    }
    this.windowNanos = TimeUnit.MILLISECONDS.toNanos(window.getMilliseconds());
  }

  /** @param level the lowest level limited (e.g. {@code WARN}); lower levels always pass */
  public void setLevel(String level) {
    this.level = Level.toLevel(level, Level.WARN);
  }

  /** @param maxKinds kinds tracked at once; beyond it, new kinds share one window per logger and level */
  public void setMaxKinds(int maxKinds) {
    this.maxKinds = Math.max(1, maxKinds);
  }

  /** Starts the thread that writes the summaries of windows that have ended. */
  @Override
  public void start() {
    flusher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "arcanum-log-limiter");
      t.setDaemon(true);
      return t;
    });
    long period = Math.max(TimeUnit.MILLISECONDS.toNanos(100), windowNanos / 10);
    flusher.scheduleWithFixedDelay(() -> flush(System.nanoTime(), false), period, period, TimeUnit.NANOSECONDS);
    super.start();
  }

  /** Writes the pending summaries and stops the thread. */
  @Override
  public void stop() {
    if (flusher != null) {
      flusher.shutdownNow();
      flusher = null;
    }
    flush(System.nanoTime(), true);
    super.stop();
  }

  /**
   * Decides on one logging call.
   *
   * @return {@link FilterReply#DENY} for a line beyond its kind's burst in the current window, else
   *     {@link FilterReply#NEUTRAL} (level checks without a message, lower levels and summaries always)
   */
  @Override
  public FilterReply decide(Marker marker, Logger logger, Level lvl, String format, Object[] params, Throwable t) {
    if (format == null || lvl == null || !lvl.isGreaterOrEqual(level)
        || !lvl.isGreaterOrEqual(logger.getEffectiveLevel()) || isSummary(marker)) {
      return FilterReply.NEUTRAL; // an isXxxEnabled() check, a level not limited, or a line dropped anyway
    }
    Kind kind = new Kind(logger.getName(), lvl, shape(format, params), t == null ? null : t.getClass().getName());
    long now = System.nanoTime();
    while (true) {
      Window w = windows.get(kind);
      if (w == null) {
        if (windows.size() >= maxKinds) {
          kind = new Kind(logger.getName(), lvl, "*", null);
        }
        w = windows.computeIfAbsent(kind, k -> new Window(now));
      }
      Summary ended = null;
      boolean pass;
      synchronized (w) {
        if (w.retired) {
          continue; // forgotten by the flusher meanwhile: count in a fresh window
        }
        if (now - w.start >= windowNanos) {
          ended = w.roll(kind, now);
        }
        if (w.passed < burst) {
          w.passed++;
          if (w.passed == 1) {
            w.first = firstLine(format, params);
          }
          pass = true;
        } else {
          w.suppressed++;
          pass = false;
        }
      }
      if (ended != null) {
        write(ended);
      }
      return pass ? FilterReply.NEUTRAL : FilterReply.DENY;
    }
  }

  /**
   * Writes the summaries of the windows that ended by {@code now} (of every window when {@code all}),
   * and forgets the kinds that were quiet for a whole window.
   */
  void flush(long now, boolean all) {
    List<Summary> out = new ArrayList<>();
    for (Map.Entry<Kind, Window> e : windows.entrySet()) {
      Window w = e.getValue();
      synchronized (w) {
        if (w.retired || (!all && now - w.start < windowNanos)) {
          continue;
        }
        if (w.passed == 0 && w.suppressed == 0) {
          w.retired = true;
          windows.remove(e.getKey(), w);
          continue;
        }
        Summary s = w.roll(e.getKey(), now);
        if (s != null) {
          out.add(s);
        }
      }
    }
    out.forEach(this::write);
  }

  private void write(Summary s) {
    if (!(getContext() instanceof LoggerContext lc)) {
      return;
    }
    Logger logger = lc.getLogger(s.kind().logger());
    long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(windowNanos));
    logger.log(SUMMARY, FQCN, Level.toLocationAwareLoggerInteger(s.kind().level()),
        "suppressed {} more messages like this in {} s (log limiter): {}",
        new Object[] {s.suppressed(), seconds, s.first()}, null);
  }

  private static boolean isSummary(Marker marker) {
    return marker != null && (marker == SUMMARY || marker.contains(SUMMARY));
  }

  /** The kind of a message: its format, or the blanked-out start of a pre-formatted text. */
  static String shape(String format, Object[] params) {
    if (params != null && params.length > 0) {
      return format;
    }
    String head = format.length() > SHAPE_CHARS * 2 ? format.substring(0, SHAPE_CHARS * 2) : format;
    String blank = IDENTIFIER.matcher(head).replaceAll("#");
    return blank.length() > SHAPE_CHARS ? blank.substring(0, SHAPE_CHARS) : blank;
  }

  private static String firstLine(String format, Object[] params) {
    String text = params == null || params.length == 0 ? format
        : org.slf4j.helpers.MessageFormatter.arrayFormat(format, params).getMessage();
    int nl = text.indexOf('\n');
    String line = nl < 0 ? text : text.substring(0, nl);
    return line.length() > 300 ? line.substring(0, 300) + "..." : line;
  }

  /**
   * A kind of message.
   *
   * @param logger the logger's name
   * @param level the level
   * @param shape the format, or the blanked-out start of the text
   * @param exception the exception's class name, or null
   */
  record Kind(String logger, Level level, String shape, String exception) {}

  /** A window's summary: what was dropped and the first line that passed. */
  record Summary(Kind kind, long suppressed, String first) {}

  /** One kind's current window (guarded by its own monitor). */
  private static final class Window {
    long start;
    int passed;
    long suppressed;
    String first = "";
    boolean retired;

    Window(long start) {
      this.start = start;
    }

    /** Starts the next window at {@code now}; returns the summary to write if lines were dropped. */
    Summary roll(Kind kind, long now) {
      Summary s = suppressed > 0 ? new Summary(kind, suppressed, first) : null;
      start = now;
      passed = 0;
      suppressed = 0;
      return s;
    }
  }
}
