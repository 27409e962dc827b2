package io.arcanum.localcassandra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import io.arcanum.localcassandra.testing.CassandraTestNode;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Runs against the real Cassandra started by {@link CassandraTestNode}. */
@ExtendWith(CassandraTestNode.class)
class LocalCassandraTest {

    private static CqlSession connect() {
        Settings settings = CassandraTestNode.settings();
        return CqlSession.builder()
                .addContactPoint(new InetSocketAddress(settings.host(), settings.nativePort()))
                .withLocalDatacenter(LocalCassandra.LOCAL_DATACENTER)
                .build();
    }

    @Test
    void writesAndReadsARow() {
        try (CqlSession session = connect()) {
            session.execute("CREATE KEYSPACE IF NOT EXISTS launcher_test WITH replication = "
                    + "{'class': 'SimpleStrategy', 'replication_factor': 1}");
            session.execute("CREATE TABLE IF NOT EXISTS launcher_test.items (id uuid PRIMARY KEY, name text, size int)");
            UUID id = UUID.randomUUID();
            session.execute("INSERT INTO launcher_test.items (id, name, size) VALUES (?, ?, ?)", id, "secret", 42);

            Row row = session.execute("SELECT name, size FROM launcher_test.items WHERE id = ?", id).one();

            assertNotNull(row);
            assertEquals("secret", row.getString("name"));
            assertEquals(42, row.getInt("size"));
            Row local = session.execute("SELECT release_version, data_center FROM system.local").one();
            assertNotNull(local);
            assertEquals(LocalCassandra.CASSANDRA_VERSION, local.getString("release_version"));
            assertEquals(LocalCassandra.LOCAL_DATACENTER, local.getString("data_center"));
        }
    }

    @Test
    void secondStartIsIdempotent() {
        LocalCassandra node = new LocalCassandra(CassandraTestNode.settings());
        long pidBefore = node.status().pid().orElseThrow();

        LocalCassandra.StartResult again = node.start();

        assertTrue(again.alreadyRunning(), "a second start must report the running node: " + again);
        assertEquals(pidBefore, again.pid());
        assertEquals(CassandraTestNode.contactPoint(), again.contactPoint());
        assertEquals(pidBefore, node.status().pid().orElseThrow());
    }

    @Test
    void statusReportsTheRunningNode() throws Exception {
        Settings settings = CassandraTestNode.settings();
        LocalCassandra node = new LocalCassandra(settings);

        LocalCassandra.Status status = node.status();

        assertTrue(status.running(), status.toString());
        assertTrue(status.cqlReady(), status.toString());
        assertEquals(CassandraTestNode.nativePort(), status.nativePort());
        assertEquals(settings.storagePort(), status.storagePort());
        assertEquals(settings.host() + ":" + CassandraTestNode.nativePort(), node.contactPoint());
        long pidInFile = Long.parseLong(Files.readString(settings.stateDir().resolve("cassandra.pid")).strip());
        assertEquals(pidInFile, status.pid().orElseThrow());
        assertTrue(ProcessHandle.of(pidInFile).map(ProcessHandle::isAlive).orElse(false));
        assertTrue(Files.isRegularFile(settings.stateDir().resolve("logs").resolve("system.log")));
        String yaml = Files.readString(settings.stateDir().resolve("conf").resolve("cassandra.yaml"));
        // acknowledged writes are synced (batch mode by default): they survive kill -9
        assertTrue(yaml.contains("commitlog_sync: batch"), yaml);
    }
}
