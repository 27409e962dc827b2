package io.arcanum.domain.util;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as Vault reads and writes them: Go's {@code time.ParseDuration} syntax ({@code "1h30m"},
 * {@code "90s"}, {@code "23430s0ns"}), or a bare integer number of seconds; written back in Go's
 * {@code Duration.String()} form ({@code "0s"}, {@code "1m30s"}, {@code "720h0m0s"}).
 *
 * <p>Source: Go's {@code time} package documentation (ParseDuration, Duration.String).
 */
public final class GoDuration {

  /** The longest duration Go can represent (about 292 years); anything longer is refused. */
  public static final Duration MAX = Duration.ofNanos(Long.MAX_VALUE);

  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h)");

  private GoDuration() {}

  /**
   * Parses a duration.
   *
   * @param text Go duration syntax, or an integer number of seconds
   * @return the duration (never negative)
   * @throws IllegalArgumentException when the text is neither, or is negative
   */
  public static Duration parse(String text) {
    String s = text.trim();
    if (s.isEmpty()) {
      throw new IllegalArgumentException("empty duration");
    }
    if (s.matches("\\d+")) {
      try {
        return ofSeconds(Long.parseLong(s));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("duration out of range: " + text);
      }
    }
    if (s.startsWith("-")) {
      throw new IllegalArgumentException("negative duration: " + text);
    }
    if (s.startsWith("+")) {
      s = s.substring(1);
    }
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = PART.matcher(s);
    int at = 0;
    double nanos = 0;
    while (at < s.length()) {
      if (!m.find(at) || m.start() != at) {
        throw new IllegalArgumentException("invalid duration: " + text);
      }
      double v = Double.parseDouble(m.group(1));
      nanos += v * unitNanos(m.group(2));
      at = m.end();
    }
    if (nanos > Long.MAX_VALUE) {
      throw new IllegalArgumentException("duration out of range: " + text);
    }
    return Duration.ofNanos((long) nanos);
  }

  /**
   * @param seconds a number of seconds
   * @return that duration
   * @throws IllegalArgumentException when negative or longer than {@link #MAX}
   */
  public static Duration ofSeconds(long seconds) {
    if (seconds < 0 || seconds > MAX.getSeconds()) {
      throw new IllegalArgumentException("duration out of range: " + seconds + "s");
    }
    return Duration.ofSeconds(seconds);
  }

  private static double unitNanos(String unit) {
    switch (unit) {
      case "ns":
        return 1;
      case "us":
      case "µs":
      case "μs":
        return 1_000;
      case "ms":
        return 1_000_000;
      case "s":
        return 1_000_000_000d;
      case "m":
        return 60 * 1_000_000_000d;
      default:
        return 3600 * 1_000_000_000d;
    }
  }

  /**
   * Formats a duration as Go's {@code Duration.String()} does for whole seconds and above, e.g.
   * {@code "0s"}, {@code "45s"}, {@code "1m30s"}, {@code "2h0m0s"}; sub-second parts are written as
   * fractional seconds.
   *
   * @param d a non-negative duration
   * @return its Go form
   */
  public static String format(Duration d) {
    if (d.isZero()) {
      return "0s";
    }
    long totalSeconds = d.getSeconds();
    int nanos = d.getNano();
    long h = totalSeconds / 3600;
    long m = (totalSeconds % 3600) / 60;
    long sec = totalSeconds % 60;
    String seconds = nanos == 0 ? Long.toString(sec)
        : (sec + "." + String.format("%09d", nanos)).replaceAll("0+$", "");
    if (h > 0) {
      return h + "h" + m + "m" + seconds + "s";
    }
    if (m > 0) {
      return m + "m" + seconds + "s";
    }
    return seconds + "s";
  }
}
