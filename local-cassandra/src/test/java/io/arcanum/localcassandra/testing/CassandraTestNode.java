package io.arcanum.localcassandra.testing;

import io.arcanum.localcassandra.LocalCassandra;
import io.arcanum.localcassandra.Settings;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JUnit 5 extension giving integration tests a real local Cassandra 5.0.9.
 *
 * <p>{@code @ExtendWith(CassandraTestNode.class)} starts, once per JVM and thread-safely, a node
 * with state directory {@code <projectHome>/.arcanum/test-cassandra}, CQL port 19042 and storage
 * port 17000 (environment variables {@code ARCANUM_TEST_CASSANDRA_PORT} and
 * {@code ARCANUM_TEST_CASSANDRA_STORAGE_PORT} override the ports). A node already running there is
 * reused and left running. A node this JVM started is stopped when the test run ends (a resource
 * in JUnit's root store), with a JVM shutdown hook as a fallback.
 *
 * <p>Connect with the driver to {@link #contactPoint()} and local datacenter
 * {@link LocalCassandra#LOCAL_DATACENTER}.
 */
public final class CassandraTestNode implements BeforeAllCallback {

    /** Environment variable overriding the test node's CQL port. */
    public static final String ENV_PORT = "ARCANUM_TEST_CASSANDRA_PORT";
    /** Environment variable overriding the test node's storage port. */
    public static final String ENV_STORAGE_PORT = "ARCANUM_TEST_CASSANDRA_STORAGE_PORT";
    /** Environment variable overriding the state directory (default {@code .arcanum/test-cassandra}). */
    public static final String ENV_STATE_DIR = "ARCANUM_TEST_CASSANDRA_STATE_DIR";
    /** Default CQL port of the test node. */
    public static final int DEFAULT_PORT = 19042;
    /** Default storage port of the test node. */
    public static final int DEFAULT_STORAGE_PORT = 17000;

    private static final Logger log = LoggerFactory.getLogger(CassandraTestNode.class);
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(CassandraTestNode.class);
    private static final Object LOCK = new Object();

    private static Settings settings;
    private static LocalCassandra node;
    private static boolean running;
    private static boolean startedByThisJvm;
    private static Thread shutdownHook;

    /** Creates the extension; JUnit does this for {@code @ExtendWith}. */
    public CassandraTestNode() {
    }

    /**
     * Ensures the node runs and registers its stopper in the root store of the test run.
     *
     * @param context the JUnit context of the test class
     * @throws io.arcanum.localcassandra.LocalCassandraException when the node cannot be started
     */
    @Override
    public void beforeAll(ExtensionContext context) {
        ensureStarted();
        context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(Stopper.class, key -> new Stopper(), Stopper.class);
    }

    /**
     * Settings of the test node (computed once per JVM; starting is not required).
     *
     * @return the settings
     * @throws IllegalStateException when the project home or a Java 11/17 cannot be found
     */
    public static Settings settings() {
        synchronized (LOCK) {
            if (settings == null) {
                Map<String, String> env = System.getenv();
                Path home = Settings.resolveProjectHome();
                String dir = env.get(ENV_STATE_DIR);
                Settings defaults = Settings.defaults(home, dir == null || dir.isBlank()
                        ? home.resolve(".arcanum").resolve("test-cassandra") : Path.of(dir));
                settings = defaults
                        .withNativePort(port(env, ENV_PORT, DEFAULT_PORT))
                        .withStoragePort(port(env, ENV_STORAGE_PORT, DEFAULT_STORAGE_PORT));
            }
            return settings;
        }
    }

    /** @return {@code host:port} of the test node's CQL transport */
    public static String contactPoint() {
        return settings().contactPoint();
    }

    /** @return the test node's CQL port */
    public static int nativePort() {
        return settings().nativePort();
    }

    /**
     * Starts the test node unless this JVM already ensured it; safe to call from any thread.
     *
     * @return the launcher of the running test node
     * @throws io.arcanum.localcassandra.LocalCassandraException when the node cannot be started
     */
    public static LocalCassandra ensureStarted() {
        synchronized (LOCK) {
            if (node == null) {
                node = new LocalCassandra(settings());
            }
            if (!running) {
                LocalCassandra.StartResult result = node.start();
                running = true;
                startedByThisJvm = !result.alreadyRunning();
                log.info("Test Cassandra: {}", result);
                if (startedByThisJvm && shutdownHook == null) {
                    shutdownHook = new Thread(CassandraTestNode::stopIfStartedHere, "cassandra-test-node-stop");
                    Runtime.getRuntime().addShutdownHook(shutdownHook);
                }
            }
            return node;
        }
    }

    /** Stops the node if this JVM started it; otherwise leaves it running. */
    static void stopIfStartedHere() {
        synchronized (LOCK) {
            if (running && startedByThisJvm) {
                log.info("Stopping the test Cassandra started by this JVM");
                node.stop();
            }
            running = false;
            startedByThisJvm = false;
            if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
                try {
                    Runtime.getRuntime().removeShutdownHook(shutdownHook);
                } catch (IllegalStateException e) {
                    // the JVM is already shutting down
                }
                shutdownHook = null;
            }
        }
    }

    private static int port(Map<String, String> env, String name, int fallback) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " is not a port number: " + value, e);
        }
    }

    /**
     * Closed by JUnit when the root context (the whole test run) ends. JUnit 5.13+ closes store
     * values that are {@link AutoCloseable}; older versions close {@code CloseableResource}s.
     */
    @SuppressWarnings("deprecation")
    private static final class Stopper implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        @Override
        public void close() {
            stopIfStartedHere();
        }
    }
}
