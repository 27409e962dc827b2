package io.arcanum.localcassandra;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Settings of one local single-node Cassandra run by {@link LocalCassandra}.
 *
 * <p>Everything the node writes (data, commit log, hints, saved caches, CDC, logs, generated
 * configuration, pid file and cached classpath) lives under {@code stateDir}. The commit log is
 * synced before a write is acknowledged, so a write that was acknowledged survives a {@code kill -9}
 * of the node: in {@code group} mode with a {@code commitLogGroupWindowMillis} window, or in
 * {@code batch} mode (synced as soon as possible, concurrent writes sharing one sync) when the
 * window is 0.
 *
 * @param stateDir directory holding everything of this node; made absolute
 * @param host address Cassandra listens on for CQL and internode traffic (and its own seed)
 * @param nativePort CQL native transport port
 * @param storagePort internode (gossip) port
 * @param projectHome repository root holding {@code mvnw} and {@code local-cassandra/cassandra-server/pom.xml}
 * @param javaHome Java 11 or 17 installation used to run Cassandra (5.0 does not run on newer Java)
 * @param initialHeap value of {@code -Xms}, for example {@code 256m}
 * @param maxHeap value of {@code -Xmx}, for example {@code 1g}
 * @param commitLogGroupWindowMillis {@code commitlog_sync_group_window} in milliseconds, or 0 for
 *     {@code commitlog_sync: batch}
 * @param startTimeout how long {@link LocalCassandra#start()} waits for a CQL answer
 * @param stopTimeout how long {@link LocalCassandra#stop()} waits after SIGTERM before killing
 * @param clientTls TLS for CQL clients, or null for plain CQL
 */
public record Settings(
        Path stateDir,
        String host,
        int nativePort,
        int storagePort,
        Path projectHome,
        Path javaHome,
        String initialHeap,
        String maxHeap,
        int commitLogGroupWindowMillis,
        Duration startTimeout,
        Duration stopTimeout,
        ClientTls clientTls) {

    /**
     * TLS for CQL clients of the local node ({@code client_encryption_options}, required when set).
     *
     * @param keystore PKCS#12 keystore with the node's key and certificate
     * @param keystorePassword its password
     * @param truststore PKCS#12 truststore holding the certificate to trust (for the launcher's probe)
     * @param truststorePassword its password
     */
    public record ClientTls(Path keystore, String keystorePassword, Path truststore, String truststorePassword) {
        /** @return the stores' paths, never their passwords */
        @Override
        public String toString() {
            return "ClientTls[keystore=" + keystore + ", truststore=" + truststore + "]";
        }
    }

    /**
     * @param tls TLS for CQL clients, or null for plain CQL
     * @return these settings with client TLS
     */
    public Settings withClientTls(ClientTls tls) {
        return new Settings(stateDir, host, nativePort, storagePort, projectHome, javaHome, initialHeap, maxHeap,
                commitLogGroupWindowMillis, startTimeout, stopTimeout, tls);
    }

    /** Default address: loopback only. */
    public static final String DEFAULT_HOST = "127.0.0.1";
    /** Default CQL port. */
    public static final int DEFAULT_NATIVE_PORT = 9042;
    /** Default internode port. */
    public static final int DEFAULT_STORAGE_PORT = 7000;
    /** Default {@code -Xms}. */
    public static final String DEFAULT_INITIAL_HEAP = "256m";
    /** Default {@code -Xmx}. */
    public static final String DEFAULT_MAX_HEAP = "1g";
    /**
     * Default commit log mode: 0, batch (each write synced before it is acknowledged, concurrent writes
     * sharing a sync). On the reference machine a sync takes about 0.2 ms, so batch acknowledges
     * single-row inserts in 1.3 ms (p50, 16 in flight) where a 15 ms group window took 15 ms and
     * allowed a tenth of the throughput (docs/benchmarks.md).
     */
    public static final int DEFAULT_COMMIT_LOG_GROUP_WINDOW_MILLIS = 0;
    /** Default time allowed for a start, from spawning the JVM to a CQL answer. */
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(180);
    /** Default time allowed for a clean stop before the process is killed. */
    public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(60);

    /** Environment variable: state directory (default {@code <projectHome>/.arcanum/cassandra}). */
    public static final String ENV_STATE_DIR = "ARCANUM_CASSANDRA_STATE_DIR";
    /** Environment variable: CQL port. */
    public static final String ENV_PORT = "ARCANUM_CASSANDRA_PORT";
    /** Environment variable: internode port. */
    public static final String ENV_STORAGE_PORT = "ARCANUM_CASSANDRA_STORAGE_PORT";
    /** Environment variable: commit log group window in milliseconds, 0 for batch mode (the default). */
    public static final String ENV_COMMIT_LOG_WINDOW = "ARCANUM_CASSANDRA_COMMITLOG_WINDOW_MS";
    /** Environment variable: Java installation for Cassandra. */
    public static final String ENV_JAVA_HOME = "ARCANUM_CASSANDRA_JAVA_HOME";
    /** Environment variable: repository root. */
    public static final String ENV_HOME = "ARCANUM_HOME";
    /** System property: repository root (wins over {@link #ENV_HOME}). */
    public static final String PROPERTY_HOME = "arcanum.home";

    /** Path, relative to the project home, of the pom that resolves the server classpath. */
    public static final String SERVER_POM = "local-cassandra/cassandra-server/pom.xml";

    /**
     * Validates and normalises the settings.
     *
     * @throws NullPointerException when a component is null
     * @throws IllegalArgumentException when a port, window or timeout is out of range
     */
    public Settings {
        stateDir = Objects.requireNonNull(stateDir, "stateDir").toAbsolutePath().normalize();
        Objects.requireNonNull(host, "host");
        projectHome = Objects.requireNonNull(projectHome, "projectHome").toAbsolutePath().normalize();
        javaHome = Objects.requireNonNull(javaHome, "javaHome").toAbsolutePath().normalize();
        Objects.requireNonNull(initialHeap, "initialHeap");
        Objects.requireNonNull(maxHeap, "maxHeap");
        Objects.requireNonNull(startTimeout, "startTimeout");
        Objects.requireNonNull(stopTimeout, "stopTimeout");
        checkPort("nativePort", nativePort);
        checkPort("storagePort", storagePort);
        if (nativePort == storagePort) {
            throw new IllegalArgumentException("nativePort and storagePort must differ: " + nativePort);
        }
        if (commitLogGroupWindowMillis < 0) {
            throw new IllegalArgumentException("commitLogGroupWindowMillis must be >= 0: " + commitLogGroupWindowMillis);
        }
        if (startTimeout.isNegative() || startTimeout.isZero() || stopTimeout.isNegative() || stopTimeout.isZero()) {
            throw new IllegalArgumentException("timeouts must be positive");
        }
    }

    /**
     * Settings with every default for the given project home and state directory: host
     * 127.0.0.1, ports 9042/7000, heap 256m..1g, group commit window 15 ms, 180 s start timeout,
     * 60 s stop timeout, and the Java found by {@link #defaultJavaHome()}.
     *
     * @param projectHome repository root holding {@code mvnw}
     * @param stateDir directory for everything of this node
     * @return the settings
     * @throws IllegalStateException when no Java 11 or 17 installation can be found
     */
    public static Settings defaults(Path projectHome, Path stateDir) {
        return new Settings(stateDir, DEFAULT_HOST, DEFAULT_NATIVE_PORT, DEFAULT_STORAGE_PORT, projectHome,
                defaultJavaHome(), DEFAULT_INITIAL_HEAP, DEFAULT_MAX_HEAP, DEFAULT_COMMIT_LOG_GROUP_WINDOW_MILLIS,
                DEFAULT_START_TIMEOUT, DEFAULT_STOP_TIMEOUT, null);
    }

    /**
     * Settings from the environment: project home from {@link #resolveProjectHome()}, state
     * directory from {@code ARCANUM_CASSANDRA_STATE_DIR} (default
     * {@code <projectHome>/.arcanum/cassandra}), ports from {@code ARCANUM_CASSANDRA_PORT} and
     * {@code ARCANUM_CASSANDRA_STORAGE_PORT}, Java from {@link #defaultJavaHome()}; the rest defaults.
     *
     * @return the settings
     * @throws IllegalStateException when the project home or a Java 11/17 cannot be found
     * @throws IllegalArgumentException when a port variable is not a valid port
     */
    public static Settings fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /**
     * Same as {@link #fromEnvironment()} with an explicit environment map (for tests).
     *
     * @param env environment variables
     * @return the settings
     * @throws IllegalStateException when the project home or a Java 11/17 cannot be found
     * @throws IllegalArgumentException when a port variable is not a valid port
     */
    public static Settings fromEnvironment(Map<String, String> env) {
        Path home = resolveProjectHome(env);
        Path stateDir = nonBlank(env.get(ENV_STATE_DIR))
                .map(Paths::get)
                .orElse(home.resolve(".arcanum").resolve("cassandra"));
        Settings settings = defaults(home, stateDir);
        settings = settings.withNativePort(portFromEnv(env, ENV_PORT, DEFAULT_NATIVE_PORT));
        settings = settings.withStoragePort(portFromEnv(env, ENV_STORAGE_PORT, DEFAULT_STORAGE_PORT));
        Optional<String> window = nonBlank(env.get(ENV_COMMIT_LOG_WINDOW));
        if (window.isPresent()) {
            try {
                settings = settings.withCommitLogGroupWindowMillis(Integer.parseInt(window.get().trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(ENV_COMMIT_LOG_WINDOW + " is not a number of milliseconds: "
                        + window.get(), e);
            }
        }
        return settings;
    }

    /**
     * The repository root: system property {@code arcanum.home}, else environment variable
     * {@code ARCANUM_HOME}, else the first directory, walking up from the current directory, that
     * contains both {@code mvnw} and {@code local-cassandra/cassandra-server/pom.xml}.
     *
     * @return the absolute project home
     * @throws IllegalStateException when none is found
     */
    public static Path resolveProjectHome() {
        return resolveProjectHome(System.getenv());
    }

    private static Path resolveProjectHome(Map<String, String> env) {
        Optional<String> explicit = nonBlank(System.getProperty(PROPERTY_HOME)).or(() -> nonBlank(env.get(ENV_HOME)));
        if (explicit.isPresent()) {
            return Paths.get(explicit.get()).toAbsolutePath().normalize();
        }
        Path start = Paths.get("").toAbsolutePath().normalize();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("mvnw")) && Files.isRegularFile(dir.resolve(SERVER_POM))) {
                return dir;
            }
        }
        throw new IllegalStateException("cannot find the Arcanum project home (a directory with mvnw and "
                + SERVER_POM + ") above " + start + "; set -D" + PROPERTY_HOME + " or " + ENV_HOME);
    }

    /**
     * The Java installation that runs Cassandra: {@code ARCANUM_CASSANDRA_JAVA_HOME} when set,
     * else the current JVM when it is Java 17 or 11, else {@code JAVA_HOME} when it is 17 or 11,
     * else an installed Java 17 (then 11) found under the usual JDK directories such as
     * {@code /usr/lib/jvm}. Cassandra 5.0 does not start on Java 21+ with its default options,
     * hence the explicit choice even when the current JVM is newer.
     *
     * @return the Java home
     * @throws IllegalStateException when no suitable installation is found, or when
     *     {@code ARCANUM_CASSANDRA_JAVA_HOME} has no {@code bin/java}
     */
    public static Path defaultJavaHome() {
        String override = System.getenv(ENV_JAVA_HOME);
        if (override != null && !override.isBlank()) {
            Path home = Paths.get(override).toAbsolutePath().normalize();
            if (!Files.isExecutable(home.resolve("bin").resolve("java"))) {
                throw new IllegalStateException(ENV_JAVA_HOME + "=" + override + " has no bin/java");
            }
            return home;
        }
        Path current = Paths.get(System.getProperty("java.home"));
        int currentFeature = Runtime.version().feature();
        if ((currentFeature == 17 || currentFeature == 11) && Files.isExecutable(current.resolve("bin").resolve("java"))) {
            return current;
        }
        List<Path> candidates = new ArrayList<>();
        nonBlank(System.getenv("JAVA_HOME")).map(Paths::get).ifPresent(candidates::add);
        String userHome = System.getProperty("user.home");
        for (Path root : List.of(Paths.get("/usr/lib/jvm"), Paths.get("/usr/java"), Paths.get("/opt/java"),
                Paths.get("/opt"), Paths.get(userHome, ".sdkman", "candidates", "java"), Paths.get(userHome, ".jdks"))) {
            candidates.addAll(children(root, p -> p));
        }
        candidates.addAll(children(Paths.get("/Library/Java/JavaVirtualMachines"), p -> p.resolve("Contents").resolve("Home")));
        for (int wanted : new int[] {17, 11}) {
            for (Path candidate : dedupe(candidates)) {
                if (javaFeatureVersion(candidate) == wanted && Files.isExecutable(candidate.resolve("bin").resolve("java"))) {
                    return candidate;
                }
            }
        }
        throw new IllegalStateException("Cassandra 5.0 needs Java 17 or 11 and none was found (current JVM is "
                + currentFeature + "); install one or set " + ENV_JAVA_HOME);
    }

    /**
     * Feature version of a Java installation from its {@code release} file.
     *
     * @param javaHome the installation
     * @return the feature version (8 for 1.8), or -1 when unknown
     */
    static int javaFeatureVersion(Path javaHome) {
        Path release = javaHome.resolve("release");
        if (!Files.isRegularFile(release)) {
            return -1;
        }
        try {
            for (String line : Files.readAllLines(release)) {
                if (line.startsWith("JAVA_VERSION=")) {
                    String version = line.substring("JAVA_VERSION=".length()).replace("\"", "").trim();
                    String[] parts = version.split("[._+-]");
                    int first = Integer.parseInt(parts[0]);
                    return first == 1 && parts.length > 1 ? Integer.parseInt(parts[1]) : first;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private static List<Path> children(Path root, Function<Path, Path> mapper) {
        List<Path> result = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return result;
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(root)) {
            for (Path child : stream) {
                if (Files.isDirectory(child)) {
                    result.add(mapper.apply(child));
                }
            }
        } catch (IOException e) {
            return result;
        }
        result.sort(null);
        return result;
    }

    private static List<Path> dedupe(List<Path> candidates) {
        Set<Path> seen = new LinkedHashSet<>();
        for (Path candidate : candidates) {
            try {
                if (Files.isDirectory(candidate)) {
                    seen.add(candidate.toRealPath());
                }
            } catch (IOException e) {
                // unreadable candidate: skip
            }
        }
        return new ArrayList<>(seen);
    }

    private static int portFromEnv(Map<String, String> env, String name, int fallback) {
        Optional<String> value = nonBlank(env.get(name));
        if (value.isEmpty()) {
            return fallback;
        }
        try {
            int port = Integer.parseInt(value.get().trim());
            checkPort(name, port);
            return port;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " is not a port number: " + value.get(), e);
        }
    }

    private static void checkPort(String name, int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(name + " out of range: " + port);
        }
    }

    private static Optional<String> nonBlank(String value) {
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value);
    }

    /**
     * @param millis the commit log group window in milliseconds, or 0 for batch mode
     * @return a copy with that commit log mode
     * @throws IllegalArgumentException if {@code millis} is negative
     */
    public Settings withCommitLogGroupWindowMillis(int millis) {
        return new Settings(stateDir, host, nativePort, storagePort, projectHome, javaHome, initialHeap, maxHeap,
                millis, startTimeout, stopTimeout, clientTls);
    }

    /**
     * @param newStateDir the state directory
     * @return a copy with another state directory
     */
    public Settings withStateDir(Path newStateDir) {
        return new Settings(newStateDir, host, nativePort, storagePort, projectHome, javaHome, initialHeap, maxHeap,
                commitLogGroupWindowMillis, startTimeout, stopTimeout, clientTls);
    }

    /**
     * @param newHost the listen / rpc address
     * @return a copy with another host
     */
    public Settings withHost(String newHost) {
        return new Settings(stateDir, newHost, nativePort, storagePort, projectHome, javaHome, initialHeap, maxHeap,
                commitLogGroupWindowMillis, startTimeout, stopTimeout, clientTls);
    }

    /**
     * @param port the CQL port
     * @return a copy with another CQL port
     */
    public Settings withNativePort(int port) {
        return new Settings(stateDir, host, port, storagePort, projectHome, javaHome, initialHeap, maxHeap,
                commitLogGroupWindowMillis, startTimeout, stopTimeout, clientTls);
    }

    /**
     * @param port the internode port
     * @return a copy with another internode port
     */
    public Settings withStoragePort(int port) {
        return new Settings(stateDir, host, nativePort, port, projectHome, javaHome, initialHeap, maxHeap,
                commitLogGroupWindowMillis, startTimeout, stopTimeout, clientTls);
    }

    /**
     * @param newJavaHome a Java 11 or 17 installation
     * @return a copy running Cassandra with another Java
     */
    public Settings withJavaHome(Path newJavaHome) {
        return new Settings(stateDir, host, nativePort, storagePort, projectHome, newJavaHome, initialHeap, maxHeap,
                commitLogGroupWindowMillis, startTimeout, stopTimeout, clientTls);
    }

    /**
     * @param initial {@code -Xms} value, for example {@code 256m}
     * @param max {@code -Xmx} value, for example {@code 1g}
     * @return a copy with another heap size
     */
    public Settings withHeap(String initial, String max) {
        return new Settings(stateDir, host, nativePort, storagePort, projectHome, javaHome, initial, max,
                commitLogGroupWindowMillis, startTimeout, stopTimeout, clientTls);
    }

    /**
     * @param timeout time allowed from spawning the JVM to a CQL answer
     * @return a copy with another start timeout
     */
    public Settings withStartTimeout(Duration timeout) {
        return new Settings(stateDir, host, nativePort, storagePort, projectHome, javaHome, initialHeap, maxHeap,
                commitLogGroupWindowMillis, timeout, stopTimeout, clientTls);
    }

    /**
     * @param timeout time allowed after SIGTERM before the process is killed
     * @return a copy with another stop timeout
     */
    public Settings withStopTimeout(Duration timeout) {
        return new Settings(stateDir, host, nativePort, storagePort, projectHome, javaHome, initialHeap, maxHeap,
                commitLogGroupWindowMillis, startTimeout, timeout, clientTls);
    }

    /** @return {@code host:nativePort}, the CQL contact point */
    public String contactPoint() {
        return host + ":" + nativePort;
    }
}
