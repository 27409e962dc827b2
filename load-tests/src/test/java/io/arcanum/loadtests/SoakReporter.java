package io.arcanum.loadtests;

import io.gatling.javaapi.core.Session;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The soak mode's reporter: every {@code reportSeconds} it prints one line (and appends it to a
 * CSV file): seconds since start, requests and failed requests in the interval, the 50th / 99th /
 * 99.9th percentile response times of the interval (ms, exact: nearest rank over the sorted times),
 * the server's heap in use (bytes, from its Prometheus metrics) and the size of the Cassandra
 * directory (bytes). At the end it prints the growth of heap and disk (last line minus first).
 *
 * <p>Gatling's threads call {@link #record} after each request; the response time comes from a
 * {@code responseTimeInMillis().saveAs("rt")} check (see {@link Load#measured}).
 */
public final class SoakReporter {

  /** The session attribute holding a request's response time in ms. */
  public static final String RT = "rt";

  private static final String HEADER =
      "elapsed_s,requests,errors,p50_ms,p99_ms,p99_9_ms,heap_used_bytes,cassandra_disk_bytes";

  private final String simulation;
  private final int reportSeconds;
  private final VaultClient admin;
  private final Path cassandraDir;
  private final Path csv;
  private final Object lock = new Object();
  private final Object reportLock = new Object();
  private int[] times = new int[4096];
  private int count;
  private int requests;
  private int errors;
  private long started;
  private PrintWriter out;
  private ScheduledExecutorService timer;
  private Long firstHeap;
  private Long lastHeap;
  private Long firstDisk;
  private Long lastDisk;
  private final AtomicLong totalRequests = new AtomicLong();
  private final AtomicLong totalErrors = new AtomicLong();

  /**
   * @param simulation the simulation's name, in the CSV file's name
   * @param reportSeconds seconds between lines, {@code > 0}
   * @param admin the client that reads {@code /v1/sys/metrics} (needs a token allowed to)
   * @param cassandraDir the directory whose size is reported (n/a when missing)
   */
  public SoakReporter(String simulation, int reportSeconds, VaultClient admin, Path cassandraDir) {
    this.simulation = simulation;
    this.reportSeconds = reportSeconds;
    this.admin = admin;
    this.cassandraDir = cassandraDir;
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    this.csv = Params.targetDir()
        .resolve("soak-" + simulation.toLowerCase(java.util.Locale.ROOT) + "-" + stamp + ".csv");
  }

  /**
   * @return the CSV file the lines go to, {@code load-tests/target/soak-<simulation>-<timestamp>.csv}
   */
  public Path csv() {
    return csv;
  }

  /**
   * Opens the CSV file, prints the header and a baseline line (elapsed 0), and starts reporting.
   *
   * @throws UncheckedIOException when the CSV file cannot be created
   */
  public synchronized void start() {
    try {
      out = new PrintWriter(Files.newBufferedWriter(csv, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.println(HEADER);
    System.out.printf("soak: %s, a line every %d s, also in %s; Cassandra directory %s%n",
        simulation, reportSeconds, csv, cassandraDir);
    System.out.printf("soak: %9s %9s %7s %7s %7s %8s %16s %20s%n",
        "elapsed_s", "requests", "errors", "p50_ms", "p99_ms", "p99.9_ms", "heap_used_bytes", "cassandra_disk_bytes");
    started = System.nanoTime();
    report();
    timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "soak-reporter");
      t.setDaemon(true);
      return t;
    });
    timer.scheduleAtFixedRate(this::report, reportSeconds, reportSeconds, TimeUnit.SECONDS);
  }

  /**
   * Records one request: its response time (session attribute {@value #RT}, absent when no response
   * came) and whether it failed ({@link Session#isFailed()}). Thread-safe.
   *
   * @param session the virtual user's session just after the request
   */
  public void record(Session session) {
    boolean failed = session.isFailed();
    Integer rt = session.contains(RT) ? session.getInt(RT) : null;
    synchronized (lock) {
      requests++;
      if (failed) {
        errors++;
      }
      if (rt != null) {
        if (count == times.length) {
          times = Arrays.copyOf(times, count * 2);
        }
        times[count++] = rt;
      }
    }
  }

  /**
   * Stops reporting: prints (and writes) a last line for the time since the previous one, then the
   * growth of heap and disk over the run and the CSV file's path. Idempotent.
   */
  public synchronized void stop() {
    if (timer == null) {
      return;
    }
    timer.shutdownNow();
    try {
      timer.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    timer = null;
    report();
    out.close();
    System.out.printf("soak: %,d requests, %,d errors in %d s%n", totalRequests.get(), totalErrors.get(),
        Math.round((System.nanoTime() - started) / 1e9));
    System.out.printf("soak: growth (last line minus first): heap %s, Cassandra disk %s%n",
        growth(firstHeap, lastHeap), growth(firstDisk, lastDisk));
    System.out.println("soak: CSV written to " + csv);
  }

  private static String growth(Long first, Long last) {
    if (first == null || last == null) {
      return "n/a";
    }
    return String.format("%+,d bytes (%,d -> %,d)", last - first, first, last);
  }

  /** One line: the interval since the previous line. */
  private void report() {
    synchronized (reportLock) {
      reportLocked();
    }
  }

  private void reportLocked() {
    int[] sorted;
    int n;
    int reqs;
    int errs;
    synchronized (lock) {
      sorted = Arrays.copyOf(times, count);
      n = count;
      reqs = requests;
      errs = errors;
      count = 0;
      requests = 0;
      errors = 0;
      if (times.length > 1 << 16) {
        times = new int[4096];
      }
    }
    totalRequests.addAndGet(reqs);
    totalErrors.addAndGet(errs);
    Arrays.sort(sorted);
    long elapsed = Math.round((System.nanoTime() - started) / 1e9);
    Long heap = admin.heapUsedBytes();
    Long disk = directorySize(cassandraDir);
    if (firstHeap == null) {
      firstHeap = heap;
    }
    if (firstDisk == null) {
      firstDisk = disk;
    }
    lastHeap = heap != null ? heap : lastHeap;
    lastDisk = disk != null ? disk : lastDisk;
    String p50 = percentile(sorted, n, 0.50);
    String p99 = percentile(sorted, n, 0.99);
    String p999 = percentile(sorted, n, 0.999);
    System.out.printf("soak: %9d %9d %7d %7s %7s %8s %16s %20s%n",
        elapsed, reqs, errs, p50, p99, p999, heap == null ? "n/a" : heap, disk == null ? "n/a" : disk);
    out.printf("%d,%d,%d,%s,%s,%s,%s,%s%n", elapsed, reqs, errs, csvValue(p50), csvValue(p99), csvValue(p999),
        heap == null ? "" : heap, disk == null ? "" : disk);
    out.flush();
  }

  private static String csvValue(String s) {
    return s.equals("n/a") ? "" : s;
  }

  /** Nearest-rank percentile of the first {@code n} sorted values; "n/a" when there are none. */
  private static String percentile(int[] sorted, int n, double q) {
    if (n == 0) {
      return "n/a";
    }
    int rank = (int) Math.ceil(q * n);
    return Integer.toString(sorted[Math.max(0, Math.min(n, rank) - 1)]);
  }

  /**
   * @param dir a directory
   * @return the sum of the sizes of the regular files under it (files that vanish while it is walked,
   *     e.g. compacted SSTables, are skipped), or null when it does not exist
   */
  public static Long directorySize(Path dir) {
    if (dir == null || !Files.isDirectory(dir)) {
      return null;
    }
    long[] total = {0};
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
          if (attrs.isRegularFile()) {
            total[0] += attrs.size();
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) {
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      return null;
    }
    return total[0];
  }
}
