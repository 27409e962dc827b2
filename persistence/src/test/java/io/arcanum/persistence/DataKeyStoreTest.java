package io.arcanum.persistence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.typesafe.config.ConfigFactory;
import io.arcanum.domain.barrier.IntegrityException;
import io.arcanum.domain.barrier.Keyring;
import io.arcanum.domain.kv.SealedData.DataKey;
import io.arcanum.localcassandra.testing.CassandraTestNode;
import io.arcanum.persistence.kv.DataKeyStore;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The data key store against the real local Cassandra: keys are stored sealed, come back only for
 * their own secret, and are gone once forgotten, also for a node with an empty cache.
 */
@ExtendWith(CassandraTestNode.class)
class DataKeyStoreTest {

  private static final String KEYSPACE = "arcanum_data_keys_test";
  private static ActorTestKit testKit;
  private static JournalConfig journal;
  private static DataKeyStore store;

  @BeforeAll
  static void start() throws Exception {
    journal = new JournalConfig(List.of(CassandraTestNode.contactPoint()), KEYSPACE, "datacenter1", 1);
    journal.dropKeyspace();
    journal.ensureKeyspace();
    testKit = ActorTestKit.create("DataKeyStoreTest", journal.toPekkoConfig().withFallback(ConfigFactory.load()));
    BarrierExtension.get(testKit.system()).barrier().install(Keyring.generate(Instant.now()));
    store = newStore();
    store.createTable().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  private static DataKeyStore newStore() {
    return new DataKeyStore(CassandraSessionRegistry.get(testKit.system()).sessionFor("pekko.persistence.cassandra"),
        KEYSPACE, BarrierExtension.get(testKit.system()).barrier(), 100);
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
    journal.dropKeyspace();
  }

  private static <T> T await(java.util.concurrent.CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void keysAreStoredSealedAndForgottenForGood() throws Exception {
    DataKey key = await(store.create("kv|m/a"));
    DataKey other = await(store.create("kv|m/a"));
    DataKeyStore cold = newStore(); // another node: nothing cached
    assertArrayEquals(key.key(), await(cold.get("kv|m/a", key.keyId())).orElseThrow());
    try (CqlSession cql = journal.openSession()) {
      Row row = cql.execute(SimpleStatement.newInstance("SELECT sealed_key FROM " + KEYSPACE + "." + DataKeyStore.TABLE
          + " WHERE persistence_id = ? AND key_id = ?", "kv|m/a", key.keyId())).one();
      ByteBuffer stored = row.getByteBuffer("sealed_key");
      byte[] bytes = new byte[stored.remaining()];
      stored.get(bytes);
      assertFalse(java.util.Collections.indexOfSubList(toList(bytes), toList(key.key())) >= 0,
          "the key is stored sealed, never in clear");
      // the row copied to another secret does not open there
      cql.execute(SimpleStatement.newInstance("INSERT INTO " + KEYSPACE + "." + DataKeyStore.TABLE
          + " (persistence_id, key_id, sealed_key) VALUES (?, ?, ?)", "kv|m/b", key.keyId(), ByteBuffer.wrap(bytes)));
    }
    CompletionException copied = assertThrows(CompletionException.class,
        () -> cold.get("kv|m/b", key.keyId()).toCompletableFuture().join());
    assertInstanceOf(IntegrityException.class, copied.getCause());

    await(store.forget("kv|m/a", List.of(key.keyId())));
    assertTrue(await(store.get("kv|m/a", key.keyId())).isEmpty(), "forgotten on the node that forgot it");
    assertTrue(await(newStore().get("kv|m/a", key.keyId())).isEmpty(), "and for any other node");
    assertTrue(await(cold.get("kv|m/a", other.keyId())).isPresent(), "other keys of the secret stay");

    await(store.forgetAll("kv|m/a"));
    assertTrue(await(newStore().get("kv|m/a", other.keyId())).isEmpty());
    Optional<byte[]> never = await(store.get("kv|m/a", "no-such-key"));
    assertTrue(never.isEmpty());
  }

  @Test
  void aKeyForgottenWhileBeingReadIsNeverCachedAgain() throws Exception {
    DataKey key = await(store.create("kv|m/race"));
    for (int i = 0; i < 20; i++) {
      DataKeyStore cold = newStore();
      DataKey k = await(store.create("kv|m/race"));
      java.util.concurrent.CompletableFuture<Optional<byte[]>> reading = cold.get("kv|m/race", k.keyId()).toCompletableFuture();
      await(cold.forget("kv|m/race", List.of(k.keyId())));
      reading.get(30, TimeUnit.SECONDS);
      assertTrue(await(cold.get("kv|m/race", k.keyId())).isEmpty(), "whichever finished first, the key stays forgotten");
    }
    assertTrue(await(store.get("kv|m/race", key.keyId())).isPresent());
  }

  private static List<Byte> toList(byte[] bytes) {
    List<Byte> out = new java.util.ArrayList<>();
    for (byte b : bytes) {
      out.add(b);
    }
    return out;
  }

  private static long rows(String pid) {
    try (CqlSession cql = journal.openSession()) {
      return cql.execute(SimpleStatement.newInstance("SELECT count(*) FROM " + KEYSPACE + "." + DataKeyStore.TABLE
          + " WHERE persistence_id = ?", pid)).one().getLong(0);
    }
  }

  @Test
  void keysMadeAheadAreDurableUniqueAndForgottenWhenUnused() throws Exception {
    String pid = "kv|m/ahead";
    DataKeyStore node = newStore();
    DataKey first = await(node.create(pid));
    assertEquals(1, rows(pid), "a secret's first key is made alone");
    java.util.Set<String> ids = new java.util.HashSet<>(List.of(first.keyId()));
    DataKey second = await(node.create(pid));
    assertEquals(1 + DataKeyStore.AHEAD, rows(pid), "the second comes with the next ones, in one write");
    ids.add(second.keyId());
    DataKeyStore cold = newStore();
    for (int i = 2; i < 1 + DataKeyStore.AHEAD; i++) {
      DataKey k = await(node.create(pid));
      assertTrue(ids.add(k.keyId()), "each key is handed out once");
      assertArrayEquals(k.key(), await(cold.get(pid, k.keyId())).orElseThrow(), "durable before handed out");
    }
    assertEquals(1 + DataKeyStore.AHEAD, rows(pid), "those came from the keys made ahead");
    DataKey more = await(node.create(pid));
    assertTrue(ids.add(more.keyId()));
    assertEquals(1 + 2 * DataKeyStore.AHEAD, rows(pid), "then the next ones are made");
    node.clear(); // the node seals: what it made ahead and did not hand out is forgotten
    long used = ids.size();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (rows(pid) != used && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertEquals(used, rows(pid), "only the keys handed out stay");
    for (String id : ids) {
      assertTrue(await(cold.get(pid, id)).isPresent(), "a key handed out is never forgotten by a seal");
    }
  }

  @Test
  void prunedKeysAreForgottenAtOnceHereAndSoonInStorage() throws Exception {
    String pid = "kv|m/pruned";
    DataKeyStore node = newStore();
    DataKey a = await(node.create(pid));
    DataKey b = await(node.create(pid)); // makes the next ones ahead
    node.forgetSoon(pid, List.of(a.keyId()));
    assertTrue(await(node.get(pid, a.keyId())).isEmpty(), "never handed out again on this node");
    assertTrue(await(newStore().get(pid, a.keyId())).isPresent(), "not yet deleted in storage");
    await(node.flushPending());
    assertTrue(await(newStore().get(pid, a.keyId())).isPresent(), "it may wait for the secret's next write");
    await(node.flushPending(java.time.Duration.ZERO));
    assertTrue(await(newStore().get(pid, a.keyId())).isEmpty(), "deleted once flushed");
    // queued keys also go with the secret's next keys made ahead, in the same write
    for (int i = 2; i <= DataKeyStore.AHEAD; i++) {
      await(node.create(pid));
    }
    node.forgetSoon(pid, List.of(b.keyId()));
    DataKey next = await(node.create(pid)); // the keys made ahead are used up: a new write
    assertTrue(await(newStore().get(pid, b.keyId())).isEmpty(), "forgotten with the next keys");
    assertTrue(await(newStore().get(pid, next.keyId())).isPresent());
  }
}
