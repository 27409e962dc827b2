package io.arcanum.localcassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.config.OptionsMap;
import com.datastax.oss.driver.api.core.config.TypedDriverOption;
import com.datastax.oss.driver.api.core.cql.Row;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Launcher for a real single-node Apache Cassandra 5.0.9 running in its own JVM.
 *
 * <p>The server's classpath is resolved once with the project's Maven wrapper from
 * {@code local-cassandra/cassandra-server/pom.xml} (cassandra-all must never share a classpath with
 * the service) and cached in {@code <stateDir>/cassandra.classpath}. {@link #start()} writes
 * {@code cassandra.yaml} and {@code logback.xml} under {@code <stateDir>/conf}, spawns a detached
 * {@code CassandraDaemon} with the chosen Java 11/17, records its pid in
 * {@code <stateDir>/cassandra.pid} and waits until a CQL query is answered. The process outlives
 * the JVM that started it until {@link #stop()} is called.
 *
 * <p>Calls on one state directory are serialised, inside this JVM and across processes (a file
 * lock on {@code <stateDir>/launcher.lock}).
 */
public final class LocalCassandra {

    /** Datacenter name of a node using {@code SimpleSnitch}; use it as the driver's local datacenter. */
    public static final String LOCAL_DATACENTER = "datacenter1";
    /** Version of the Cassandra server this launcher runs. */
    public static final String CASSANDRA_VERSION = "5.0.9";

    private static final Logger log = LoggerFactory.getLogger(LocalCassandra.class);
    private static final String MAIN_CLASS = "org.apache.cassandra.service.CassandraDaemon";
    private static final int LOG_TAIL_LINES = 60;
    private static final Duration POLL_INTERVAL = Duration.ofMillis(500);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration MAVEN_TIMEOUT = Duration.ofMinutes(15);
    private static final Map<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();

    /** From Cassandra 5.0's conf/jvm17-server.options (JPMS section); also accepted by Java 11. */
    private static final List<String> MODULE_FLAGS = List.of(
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-exports", "java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED",
            "--add-exports", "java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports", "java.rmi/sun.rmi.server=ALL-UNNAMED",
            "--add-exports", "java.sql/java.sql=ALL-UNNAMED",
            "--add-exports", "java.base/java.lang.ref=ALL-UNNAMED",
            "--add-exports", "jdk.unsupported/sun.misc=ALL-UNNAMED",
            "--add-exports", "jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
            "--add-exports", "jdk.attach/sun.tools.attach=ALL-UNNAMED",
            "--add-opens", "java.base/java.lang.module=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.loader=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.reflect=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.math=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.module=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.util.jar=ALL-UNNAMED",
            "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens", "java.base/java.io=ALL-UNNAMED",
            "--add-opens", "java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens", "jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
            "--add-opens", "java.base/java.lang=ALL-UNNAMED",
            "--add-opens", "java.base/java.util=ALL-UNNAMED",
            "--add-opens", "java.base/java.nio=ALL-UNNAMED");

    /** From conf/jvm-server.options and the G1 / Netty part of conf/jvm17-server.options. */
    private static final List<String> GENERAL_FLAGS = List.of(
            "-ea",
            "-da:net.openhft...",
            "-XX:+UseThreadPriorities",
            "-XX:+UseTLAB",
            "-XX:+ResizeTLAB",
            "-XX:+PerfDisableSharedMem",
            "-XX:+ExitOnOutOfMemoryError",
            "-Djava.net.preferIPv4Stack=true",
            "-XX:+UseG1GC",
            "-XX:+ParallelRefProcEnabled",
            "-XX:MaxTenuringThreshold=1",
            "-XX:G1HeapRegionSize=16m",
            "-XX:G1RSetUpdatingPauseTimePercent=5",
            "-XX:MaxGCPauseMillis=300",
            "-XX:InitiatingHeapOccupancyPercent=70",
            "-Djdk.attach.allowAttachSelf=true",
            "-Dio.netty.tryReflectionSetAccessible=true",
            "-Dio.netty.allocator.useCacheForAllThreads=true",
            "-Dio.netty.allocator.maxOrder=11");

    /**
     * Outcome of {@link #start()}.
     *
     * @param alreadyRunning true when the node was running before the call (nothing was started)
     * @param pid process id of the node
     * @param contactPoint {@code host:nativePort}
     * @param releaseVersion version reported by {@code system.local}
     * @param elapsed time the call took
     */
    public record StartResult(boolean alreadyRunning, long pid, String contactPoint, String releaseVersion,
            Duration elapsed) {

        /** @return one line for humans */
        @Override
        public String toString() {
            return alreadyRunning
                    ? "Cassandra " + releaseVersion + " already running (pid " + pid + ") at " + contactPoint
                    : "Cassandra " + releaseVersion + " started (pid " + pid + ") at " + contactPoint + " in "
                            + String.format(Locale.ROOT, "%.1f s", elapsed.toMillis() / 1000.0);
        }
    }

    /**
     * What {@link #status()} observed.
     *
     * @param running the node's process is alive
     * @param cqlReady a CQL query was answered
     * @param pid the process id, when running
     * @param host listen / rpc address
     * @param nativePort CQL port
     * @param storagePort internode port
     * @param stateDir the node's state directory
     */
    public record Status(boolean running, boolean cqlReady, OptionalLong pid, String host, int nativePort,
            int storagePort, Path stateDir) {

        /** @return one line for humans */
        @Override
        public String toString() {
            if (!running) {
                return "not running (cql " + host + ":" + nativePort + ", storage port " + storagePort + ", state "
                        + stateDir + ")";
            }
            return "running (pid " + pid.getAsLong() + ", cql " + host + ":" + nativePort
                    + (cqlReady ? " answering" : " NOT answering") + ", storage port " + storagePort + ", state "
                    + stateDir + ")";
        }
    }

    private final Settings settings;

    /**
     * Creates a launcher for one node; nothing is started or checked yet.
     *
     * @param settings where the node lives and how it runs
     * @throws NullPointerException when settings is null
     */
    public LocalCassandra(Settings settings) {
        this.settings = java.util.Objects.requireNonNull(settings, "settings");
    }

    /** @return the settings of this node */
    public Settings settings() {
        return settings;
    }

    /** @return {@code host:nativePort}, the CQL contact point */
    public String contactPoint() {
        return settings.contactPoint();
    }

    /**
     * Starts the node unless it already runs, and waits until it answers CQL.
     *
     * <p>Already running means: the process of the pid file (or a {@code CassandraDaemon} using
     * this state directory's configuration) is alive and answers
     * {@code SELECT release_version FROM system.local}; then nothing is started. A live process
     * that does not answer yet (another launcher is starting it) is waited for.
     *
     * @return whether it was already running, its pid, contact point, version and the time taken
     * @throws LocalCassandraException when the classpath cannot be resolved, a port is taken, the
     *     process dies during startup or does not answer within the start timeout; the message
     *     then ends with the last lines of {@code system.log} and {@code stdout.log}
     */
    public StartResult start() {
        return withLock(this::startLocked);
    }

    /**
     * Stops the node: SIGTERM (Cassandra drains), waits up to the stop timeout, then kills it.
     * Removes the pid file. Does nothing when the node is not running.
     *
     * @return true when a running process was stopped, false when none was running
     * @throws LocalCassandraException when the process survives even a forced kill
     */
    public boolean stop() {
        return withLock(this::stopLocked);
    }

    /**
     * Looks at the node without changing anything.
     *
     * @return whether its process is alive, whether CQL answers, its pid and ports
     */
    public Status status() {
        Optional<ProcessHandle> process = findProcess();
        boolean ready = process.isPresent() && probeCql().isPresent();
        return new Status(process.isPresent(), ready,
                process.map(p -> OptionalLong.of(p.pid())).orElse(OptionalLong.empty()),
                settings.host(), settings.nativePort(), settings.storagePort(), settings.stateDir());
    }

    /**
     * Command line entry point: {@code start}, {@code stop} or {@code status} of the node described
     * by {@link Settings#fromEnvironment()}. Exits 0 on success; {@code status} exits 3 when not
     * running and 1 when the process runs but does not answer CQL; failures print one line (and,
     * for a failed start, the log tail) to stderr and exit 1; a usage error exits 2.
     *
     * @param args one of {@code start}, {@code stop}, {@code status}
     */
    public static void main(String[] args) {
        if (args.length != 1 || !List.of("start", "stop", "status").contains(args[0])) {
            System.err.println("usage: LocalCassandra start|stop|status");
            System.exit(2);
        }
        quietUnconfiguredLogback();
        int code;
        try {
            LocalCassandra node = new LocalCassandra(Settings.fromEnvironment());
            switch (args[0]) {
                case "start" -> {
                    System.out.println(node.start());
                    code = 0;
                }
                case "stop" -> {
                    System.out.println(node.stop() ? "Cassandra stopped" : "Cassandra was not running");
                    code = 0;
                }
                default -> {
                    Status status = node.status();
                    System.out.println(status);
                    code = !status.running() ? 3 : status.cqlReady() ? 0 : 1;
                }
            }
        } catch (LocalCassandraException e) {
            System.err.println("error: " + e.summary());
            if (!e.logTail().isBlank()) {
                System.err.println(e.logTail());
            }
            code = 1;
        } catch (RuntimeException e) {
            System.err.println("error: " + e);
            code = 1;
        }
        System.exit(code);
    }

    /**
     * Without any logback configuration logback logs everything at DEBUG (the driver and Netty are
     * very chatty): on the command line, keep INFO and quiet the driver and Netty. Does nothing when
     * logback is absent or configured.
     */
    private static void quietUnconfiguredLogback() {
        ClassLoader loader = LocalCassandra.class.getClassLoader();
        if (System.getProperty("logback.configurationFile") != null || loader.getResource("logback.xml") != null
                || loader.getResource("logback-test.xml") != null) {
            return;
        }
        try {
            Class<?> levelClass = Class.forName("ch.qos.logback.classic.Level", false, loader);
            Object info = levelClass.getMethod("toLevel", String.class).invoke(null, "INFO");
            Object warn = levelClass.getMethod("toLevel", String.class).invoke(null, "WARN");
            Map<String, Object> levels = Map.of(Logger.ROOT_LOGGER_NAME, info, "com.datastax", warn, "io.netty", warn);
            for (Map.Entry<String, Object> entry : levels.entrySet()) {
                Logger logger = LoggerFactory.getLogger(entry.getKey());
                if (logger.getClass().getName().equals("ch.qos.logback.classic.Logger")) {
                    logger.getClass().getMethod("setLevel", levelClass).invoke(logger, entry.getValue());
                }
            }
        } catch (ReflectiveOperationException | LinkageError e) {
            // not logback: leave logging alone
        }
    }

    // ------------------------------------------------------------------------------------------
    // start / stop

    private StartResult startLocked() {
        Instant begin = Instant.now();
        Optional<ProcessHandle> existing = findProcess();
        if (existing.isPresent()) {
            ProcessHandle process = existing.get();
            Optional<String> version = probeCql();
            if (version.isEmpty()) {
                log.info("Cassandra process {} exists but does not answer CQL yet; waiting", process.pid());
                version = Optional.of(awaitReady(process, null, begin));
            }
            writePidFile(process.pid());
            StartResult result = new StartResult(true, process.pid(), contactPoint(), version.get(),
                    Duration.between(begin, Instant.now()));
            log.info("{}", result);
            return result;
        }
        deleteQuietly(pidFile());
        checkPortFree(settings.nativePort(), "native (CQL)");
        checkPortFree(settings.storagePort(), "storage");

        List<Path> classpath = classpath();
        Path jamm = classpath.stream()
                .filter(p -> p.getFileName().toString().matches("jamm-.*\\.jar"))
                .findFirst()
                .orElseThrow(() -> new LocalCassandraException("no jamm jar on the Cassandra classpath " + classpathFile()));
        createDirectories();
        writeConfiguration();

        List<String> command = command(classpath, jamm);
        Path stdout = logsDir().resolve("stdout.log");
        appendLine(stdout, "=== " + Instant.now() + " launching CassandraDaemon (" + settings.javaHome() + ")");
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(settings.stateDir().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(stdout.toFile()))
                .redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        for (String inherited : List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS", "CLASSPATH")) {
            env.remove(inherited);
        }
        env.put("JAVA_HOME", settings.javaHome().toString());
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new LocalCassandraException("cannot launch " + command.get(0) + ": " + e.getMessage(), "", e);
        }
        writePidFile(process.pid());
        log.info("Launched Cassandra {} (pid {}) with {}; state in {}; waiting for CQL on {}", CASSANDRA_VERSION,
                process.pid(), settings.javaHome(), settings.stateDir(), contactPoint());
        // The start timeout counts from the launch: resolving the classpath may have taken a while.
        String version = awaitReady(process.toHandle(), process, Instant.now());
        StartResult result = new StartResult(false, process.pid(), contactPoint(), version,
                Duration.between(begin, Instant.now()));
        log.info("{}", result);
        return result;
    }

    private String awaitReady(ProcessHandle handle, Process spawned, Instant from) {
        Instant deadline = from.plus(settings.startTimeout());
        while (true) {
            if (!isAlive(handle)) {
                String exit = spawned != null ? " with exit code " + exitValue(spawned) : "";
                deleteQuietly(pidFile());
                throw failure("Cassandra (pid " + handle.pid() + ") exited during startup" + exit, null);
            }
            Optional<String> version = portOpen() ? probeCql() : Optional.empty();
            if (version.isPresent()) {
                return version.get();
            }
            if (Instant.now().isAfter(deadline)) {
                if (spawned != null) {
                    log.warn("Cassandra (pid {}) did not answer CQL within {}; killing it", handle.pid(),
                            settings.startTimeout());
                    terminate(handle);
                    deleteQuietly(pidFile());
                }
                throw failure("Cassandra (pid " + handle.pid() + ") did not answer CQL on " + contactPoint()
                        + " within " + settings.startTimeout().toSeconds() + " s", null);
            }
            try {
                handle.onExit().get(POLL_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                // still alive: poll again
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LocalCassandraException("interrupted while waiting for Cassandra (pid " + handle.pid()
                        + "); it keeps running", "", e);
            } catch (ExecutionException e) {
                // onExit does not fail; poll again
            }
        }
    }

    private boolean stopLocked() {
        Optional<ProcessHandle> found = findProcess();
        if (found.isEmpty()) {
            deleteQuietly(pidFile());
            log.info("Cassandra in {} is not running", settings.stateDir());
            return false;
        }
        ProcessHandle process = found.get();
        Instant begin = Instant.now();
        log.info("Stopping Cassandra (pid {})", process.pid());
        terminate(process);
        deleteQuietly(pidFile());
        log.info("Cassandra (pid {}) stopped in {} ms", process.pid(), Duration.between(begin, Instant.now()).toMillis());
        return true;
    }

    /** SIGTERM, wait up to the stop timeout, then SIGKILL. */
    private void terminate(ProcessHandle process) {
        process.destroy();
        if (waitForExit(process, settings.stopTimeout())) {
            return;
        }
        log.warn("Cassandra (pid {}) still alive {} s after SIGTERM; killing it", process.pid(),
                settings.stopTimeout().toSeconds());
        process.destroyForcibly();
        if (!waitForExit(process, Duration.ofSeconds(30))) {
            throw new LocalCassandraException("Cassandra (pid " + process.pid() + ") survived SIGKILL");
        }
    }

    private static boolean waitForExit(ProcessHandle process, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (isAlive(process)) {
            if (Instant.now().isAfter(deadline)) {
                return false;
            }
            try {
                process.onExit().get(200, TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                // poll again (a zombie never completes onExit)
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LocalCassandraException("interrupted while stopping Cassandra (pid " + process.pid() + ")",
                        "", e);
            }
        }
        return true;
    }

    private static String exitValue(Process process) {
        try {
            return Integer.toString(process.waitFor(5, TimeUnit.SECONDS) ? process.exitValue() : -1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    // ------------------------------------------------------------------------------------------
    // the process

    /** The live CassandraDaemon of this state directory: the pid file's, else one found by its config option. */
    private Optional<ProcessHandle> findProcess() {
        OptionalLong pid = readPidFile();
        if (pid.isPresent()) {
            Optional<ProcessHandle> handle = ProcessHandle.of(pid.getAsLong()).filter(this::isOurDaemon);
            if (handle.isPresent()) {
                return handle;
            }
        }
        // The pid file may be missing or stale while the node still runs (deleted by hand, crash of a launcher).
        String marker = configMarker();
        return ProcessHandle.allProcesses()
                .filter(LocalCassandra::isAlive)
                .filter(p -> p.info().commandLine().map(c -> c.contains(marker)).orElse(false))
                .findFirst();
    }

    private boolean isOurDaemon(ProcessHandle process) {
        if (!isAlive(process)) {
            return false;
        }
        // The config marker comes early on the command line (it may be truncated before the classpath).
        // Without a readable command line (other OS user, restricted /proc) trust the pid file.
        return process.info().commandLine()
                .map(c -> c.contains(configMarker()))
                .orElse(true);
    }

    /** Alive and not a zombie (an orphan killed with -9 may linger until its new parent reaps it). */
    private static boolean isAlive(ProcessHandle process) {
        if (!process.isAlive()) {
            return false;
        }
        Path stat = Path.of("/proc", Long.toString(process.pid()), "stat");
        try {
            String content = Files.readString(stat);
            int end = content.lastIndexOf(')');
            return end < 0 || end + 2 >= content.length() || content.charAt(end + 2) != 'Z';
        } catch (IOException | RuntimeException e) {
            return process.isAlive();
        }
    }

    private String configMarker() {
        return "-Dcassandra.config=" + configFile().toUri();
    }

    private List<String> command(List<Path> classpath, Path jamm) {
        Path logs = logsDir();
        List<String> command = new ArrayList<>();
        Path setsid = Files.isExecutable(Path.of("/usr/bin/setsid")) ? Path.of("/usr/bin/setsid")
                : Files.isExecutable(Path.of("/bin/setsid")) ? Path.of("/bin/setsid") : null;
        if (setsid != null) {
            // New session: no SIGINT/SIGHUP from the launcher's terminal. setsid execs in place (same pid),
            // because a child spawned by the JVM is never a process group leader.
            command.add(setsid.toString());
        }
        command.add(settings.javaHome().resolve("bin").resolve("java").toString());
        command.add(configMarker());
        command.add("-Xms" + settings.initialHeap());
        command.add("-Xmx" + settings.maxHeap());
        command.addAll(GENERAL_FLAGS);
        command.addAll(MODULE_FLAGS);
        command.add("-XX:ErrorFile=" + logs.resolve("hs_err_pid%p.log"));
        command.add("-javaagent:" + jamm);
        command.add("-Dcassandra.storagedir=" + settings.stateDir());
        command.add("-Dcassandra.logdir=" + logs);
        command.add("-Dcassandra.triggers_dir=" + confDir().resolve("triggers"));
        command.add("-Dlogback.configurationFile=" + confDir().resolve("logback.xml").toUri());
        command.add("-Dcassandra-foreground=yes");
        command.add("-Dcassandra.skip_wait_for_gossip_to_settle=0");
        command.add("-Dcassandra.shutdown_announce_in_ms=0");
        command.add("-cp");
        command.add(String.join(File.pathSeparator, classpath.stream().map(Path::toString).toList()));
        command.add(MAIN_CLASS);
        return command;
    }

    // ------------------------------------------------------------------------------------------
    // readiness

    private boolean portOpen() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(settings.host(), settings.nativePort()), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** @return Cassandra's release version when {@code SELECT release_version FROM system.local} is answered */
    private Optional<String> probeCql() {
        OptionsMap options = OptionsMap.driverDefaults();
        options.put(TypedDriverOption.SESSION_NAME, "arcanum-local-cassandra-probe");
        options.put(TypedDriverOption.CONNECTION_CONNECT_TIMEOUT, PROBE_TIMEOUT);
        options.put(TypedDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, PROBE_TIMEOUT);
        options.put(TypedDriverOption.CONTROL_CONNECTION_TIMEOUT, PROBE_TIMEOUT);
        options.put(TypedDriverOption.REQUEST_TIMEOUT, PROBE_TIMEOUT);
        options.put(TypedDriverOption.METADATA_SCHEMA_ENABLED, false);
        options.put(TypedDriverOption.METADATA_TOKEN_MAP_ENABLED, false);
        options.put(TypedDriverOption.RECONNECT_ON_INIT, false);
        options.put(TypedDriverOption.LOAD_BALANCING_LOCAL_DATACENTER, LOCAL_DATACENTER);
        // Closing a session waits for Netty's quiet period (2 s by default): a probe does not need it.
        options.put(TypedDriverOption.NETTY_IO_SHUTDOWN_QUIET_PERIOD, 0);
        options.put(TypedDriverOption.NETTY_ADMIN_SHUTDOWN_QUIET_PERIOD, 0);
        if (settings.clientTls() != null) {
            options.put(TypedDriverOption.SSL_ENGINE_FACTORY_CLASS, "DefaultSslEngineFactory");
            options.put(TypedDriverOption.SSL_TRUSTSTORE_PATH, settings.clientTls().truststore().toAbsolutePath().toString());
            options.put(TypedDriverOption.SSL_TRUSTSTORE_PASSWORD, settings.clientTls().truststorePassword());
        }
        try (CqlSession session = CqlSession.builder()
                .withConfigLoader(DriverConfigLoader.fromMap(options))
                .addContactPoint(new InetSocketAddress(settings.host(), settings.nativePort()))
                .withLocalDatacenter(LOCAL_DATACENTER)
                .build()) {
            Row row = session.execute("SELECT release_version FROM system.local").one();
            return row == null ? Optional.empty() : Optional.ofNullable(row.getString("release_version"));
        } catch (RuntimeException e) {
            log.debug("CQL probe of {} failed: {}", contactPoint(), e.toString());
            return Optional.empty();
        }
    }

    private void checkPortFree(int port, String what) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(settings.host(), port));
        } catch (IOException e) {
            throw new LocalCassandraException("the " + what + " port " + settings.host() + ":" + port
                    + " is already in use by a process this launcher does not manage (state " + settings.stateDir()
                    + "): " + e.getMessage());
        }
    }

    // ------------------------------------------------------------------------------------------
    // classpath

    private Path classpathFile() {
        return settings.stateDir().resolve("cassandra.classpath");
    }

    /** The cached server classpath, re-resolved with Maven when missing or when one of its jars is gone. */
    private List<Path> classpath() {
        Path file = classpathFile();
        List<Path> cached = readClasspath(file);
        if (!cached.isEmpty() && cached.stream().allMatch(Files::isRegularFile)) {
            return cached;
        }
        log.info("Resolving the Cassandra {} classpath with Maven (the first time downloads about 70 MB)",
                CASSANDRA_VERSION);
        Path home = settings.projectHome();
        Path mvnw = home.resolve("mvnw");
        Path pom = home.resolve(Settings.SERVER_POM);
        if (!Files.isRegularFile(mvnw) || !Files.isRegularFile(pom)) {
            throw new LocalCassandraException("cannot resolve the Cassandra classpath: " + mvnw + " or " + pom
                    + " is missing (project home " + home + ")");
        }
        createDirectory(settings.stateDir());
        Path tmp = settings.stateDir().resolve("cassandra.classpath.tmp");
        deleteQuietly(tmp);
        List<String> command = new ArrayList<>();
        if (!Files.isExecutable(mvnw)) {
            command.add("/bin/sh");
        }
        command.addAll(List.of(mvnw.toString(), "-B", "-q", "-f", pom.toString(),
                "dependency:build-classpath", "-Dmdep.includeScope=runtime", "-Dmdep.outputFile=" + tmp));
        String output;
        int exit;
        try {
            Process maven = new ProcessBuilder(command)
                    .directory(home.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true)
                    .start();
            StringBuilder captured = new StringBuilder();
            Thread reader = new Thread(() -> {
                try (InputStream in = maven.getInputStream()) {
                    captured.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    captured.append("(cannot read Maven's output: ").append(e.getMessage()).append(')');
                }
            }, "local-cassandra-maven-output");
            reader.start();
            if (!maven.waitFor(MAVEN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                maven.destroyForcibly();
                throw new LocalCassandraException("Maven did not resolve the Cassandra classpath within "
                        + MAVEN_TIMEOUT.toMinutes() + " min");
            }
            reader.join(10_000);
            exit = maven.exitValue();
            output = captured.toString();
        } catch (IOException e) {
            throw new LocalCassandraException("cannot run " + mvnw + ": " + e.getMessage(), "", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LocalCassandraException("interrupted while resolving the Cassandra classpath", "", e);
        }
        List<Path> resolved = readClasspath(tmp);
        if (exit != 0 || resolved.isEmpty()) {
            throw new LocalCassandraException("Maven failed to resolve the Cassandra classpath (exit " + exit + "): "
                    + String.join(" ", command), output.strip(), null);
        }
        if (resolved.stream().noneMatch(p -> p.getFileName().toString().startsWith("cassandra-all-"))) {
            throw new LocalCassandraException("the resolved classpath in " + tmp + " has no cassandra-all jar");
        }
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw ioFailure("cannot write " + file, e);
        }
        log.info("Cassandra classpath: {} jars, cached in {}", resolved.size(), file);
        return resolved;
    }

    private static List<Path> readClasspath(Path file) {
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        try {
            String content = Files.readString(file).strip();
            if (content.isEmpty()) {
                return List.of();
            }
            return Arrays.stream(content.split(File.pathSeparator))
                    .map(String::strip)
                    .filter(s -> !s.isEmpty())
                    .map(Path::of)
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    // ------------------------------------------------------------------------------------------
    // configuration

    private Path confDir() {
        return settings.stateDir().resolve("conf");
    }

    private Path logsDir() {
        return settings.stateDir().resolve("logs");
    }

    private Path configFile() {
        return confDir().resolve("cassandra.yaml");
    }

    private Path pidFile() {
        return settings.stateDir().resolve("cassandra.pid");
    }

    private void createDirectories() {
        for (String dir : List.of("data", "commitlog", "hints", "saved_caches", "cdc", "logs", "conf",
                "conf/triggers")) {
            createDirectory(settings.stateDir().resolve(dir));
        }
    }

    private void writeConfiguration() {
        Path state = settings.stateDir();
        String yaml = """
                # Generated by io.arcanum.localcassandra.LocalCassandra on every start: edits are overwritten.
                cluster_name: 'arcanum-local'
                num_tokens: 1
                initial_token: 0
                partitioner: org.apache.cassandra.dht.Murmur3Partitioner
                endpoint_snitch: SimpleSnitch
                seed_provider:
                  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
                    parameters:
                      - seeds: %1$s
                listen_address: %2$s
                rpc_address: %2$s
                storage_port: %3$d
                native_transport_port: %4$d
                start_native_transport: true
                authenticator:
                  class_name: org.apache.cassandra.auth.AllowAllAuthenticator
                authorizer:
                  class_name: org.apache.cassandra.auth.AllowAllAuthorizer
                auto_snapshot: false
                storage_compatibility_mode: CASSANDRA_4
                data_file_directories:
                  - %5$s
                commitlog_directory: %6$s
                hints_directory: %7$s
                saved_caches_directory: %8$s
                cdc_raw_directory: %9$s
                cdc_enabled: false
                # Acknowledged writes are in a synced commit log segment: they survive kill -9.
                %10$s
                disk_failure_policy: stop
                commit_failure_policy: stop
                """.formatted(
                quote(settings.host() + ":" + settings.storagePort()),
                quote(settings.host()),
                settings.storagePort(),
                settings.nativePort(),
                quote(state.resolve("data").toString()),
                quote(state.resolve("commitlog").toString()),
                quote(state.resolve("hints").toString()),
                quote(state.resolve("saved_caches").toString()),
                quote(state.resolve("cdc").toString()),
                settings.commitLogGroupWindowMillis() == 0 ? "commitlog_sync: batch"
                        : "commitlog_sync: group\ncommitlog_sync_group_window: " + settings.commitLogGroupWindowMillis()
                        + "ms");
        if (settings.clientTls() != null) {
            Settings.ClientTls tls = settings.clientTls();
            yaml += """
                    client_encryption_options:
                      enabled: true
                      optional: false
                      keystore: %1$s
                      keystore_password: %2$s
                      store_type: PKCS12
                      require_client_auth: false
                      accepted_protocols: [TLSv1.3, TLSv1.2]
                    """.formatted(quote(tls.keystore().toAbsolutePath().toString()), quote(tls.keystorePassword()));
        }
        String logback = """
                <?xml version="1.0" encoding="UTF-8"?>
                <!-- Generated by io.arcanum.localcassandra.LocalCassandra on every start: edits are overwritten. -->
                <configuration>
                  <appender name="SYSTEMLOG" class="ch.qos.logback.core.rolling.RollingFileAppender">
                    <file>%1$s/system.log</file>
                    <rollingPolicy class="ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy">
                      <fileNamePattern>%1$s/system.log.%%d{yyyy-MM-dd}.%%i.zip</fileNamePattern>
                      <maxFileSize>50MB</maxFileSize>
                      <maxHistory>7</maxHistory>
                      <totalSizeCap>1GB</totalSizeCap>
                    </rollingPolicy>
                    <encoder>
                      <pattern>%%-5level [%%thread] %%date{ISO8601} %%F:%%L - %%msg%%n</pattern>
                    </encoder>
                  </appender>
                  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
                    <filter class="ch.qos.logback.classic.filter.ThresholdFilter">
                      <level>WARN</level>
                    </filter>
                    <encoder>
                      <pattern>%%-5level [%%thread] %%date{ISO8601} %%F:%%L - %%msg%%n</pattern>
                    </encoder>
                  </appender>
                  <root level="INFO">
                    <appender-ref ref="SYSTEMLOG"/>
                    <appender-ref ref="STDOUT"/>
                  </root>
                </configuration>
                """.formatted(xmlEscape(logsDir().toString()));
        writeAtomically(configFile(), yaml);
        writeAtomically(confDir().resolve("logback.xml"), logback);
    }

    private static String quote(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    private static String xmlEscape(String value) {
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    // ------------------------------------------------------------------------------------------
    // files

    private OptionalLong readPidFile() {
        try {
            String content = Files.readString(pidFile()).strip();
            return content.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(content));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private void writePidFile(long pid) {
        writeAtomically(pidFile(), pid + "\n");
    }

    private static void writeAtomically(Path file, String content) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.writeString(tmp, content);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw ioFailure("cannot write " + file, e);
        }
    }

    private static void appendLine(Path file, String line) {
        try {
            Files.writeString(file, line + System.lineSeparator(), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw ioFailure("cannot write " + file, e);
        }
    }

    private static void createDirectory(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw ioFailure("cannot create " + dir, e);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("cannot delete {}: {}", file, e.toString());
        }
    }

    private static LocalCassandraException ioFailure(String summary, IOException cause) {
        return new LocalCassandraException(summary + ": " + cause, "", cause);
    }

    private LocalCassandraException failure(String summary, Throwable cause) {
        return new LocalCassandraException(summary, logTail(), cause);
    }

    /** Last {@value #LOG_TAIL_LINES} lines of system.log and of stdout.log, each under a header. */
    private String logTail() {
        StringBuilder tail = new StringBuilder();
        for (String name : List.of("system.log", "stdout.log")) {
            Path file = logsDir().resolve(name);
            if (!Files.isRegularFile(file)) {
                continue;
            }
            List<String> lines = lastLines(file, LOG_TAIL_LINES);
            tail.append("--- last ").append(lines.size()).append(" lines of ").append(file).append(" ---")
                    .append(System.lineSeparator());
            for (String line : lines) {
                tail.append(line).append(System.lineSeparator());
            }
        }
        return tail.toString();
    }

    private static List<String> lastLines(Path file, int count) {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long length = raf.length();
            int window = (int) Math.min(length, 256 * 1024);
            byte[] bytes = new byte[window];
            raf.seek(length - window);
            raf.readFully(bytes);
            List<String> lines = new ArrayList<>(List.of(new String(bytes, StandardCharsets.UTF_8).split("\\R")));
            if (window < length && !lines.isEmpty()) {
                lines.remove(0); // probably a partial line
            }
            return lines.subList(Math.max(0, lines.size() - count), lines.size());
        } catch (IOException e) {
            return List.of("(cannot read " + file + ": " + e.getMessage() + ")");
        }
    }

    // ------------------------------------------------------------------------------------------
    // locking

    private interface Action<T> {
        T run();
    }

    /** Serialises start/stop on this state directory inside the JVM (lock) and across processes (file lock). */
    private <T> T withLock(Action<T> action) {
        ReentrantLock lock = LOCKS.computeIfAbsent(settings.stateDir(), d -> new ReentrantLock());
        lock.lock();
        try {
            createDirectory(settings.stateDir());
            Path lockFile = settings.stateDir().resolve("launcher.lock");
            try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                FileLock fileLock = channel.lock();
                try {
                    return action.run();
                } finally {
                    fileLock.release();
                }
            } catch (IOException e) {
                throw ioFailure("cannot lock " + lockFile, e);
            }
        } finally {
            lock.unlock();
        }
    }
}
