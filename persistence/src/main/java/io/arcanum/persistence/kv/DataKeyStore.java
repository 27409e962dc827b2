package io.arcanum.persistence.kv;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.arcanum.domain.barrier.Barrier;
import io.arcanum.persistence.JournalConfig;
import io.arcanum.domain.kv.SealedData.DataKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;

/**
 * The data keys of KV versions, kept outside the append-only journal so that they can be forgotten:
 * table {@code kv_data_keys} in the journal's keyspace, one partition per secret (persistence id),
 * one row per key. Each key is stored sealed by the barrier (associated data
 * {@code kv-data-key|<persistence id>|<key id>}, so a row copied to another secret or key id fails to
 * open). Forgetting a key (crypto-shredding) deletes its row; Cassandra drops the deleted cells from
 * disk when compaction runs after the table's {@code gc_grace_seconds} (docs/audit.md).
 *
 * <p>Opened keys are cached on this node (bounded, dropped when the node seals); writes and deletes
 * use {@code LOCAL_QUORUM}.
 */
public final class DataKeyStore {

  /** Table name inside the journal's keyspace. */
  public static final String TABLE = "kv_data_keys";

  private final CassandraSession session;
  private final String table;
  private final Barrier barrier;
  private final Cache<String, byte[]> cache;
  /** When keys (by cache key) and whole secrets (by persistence id) were last forgotten, in nanoTime. */
  private final Cache<String, Long> forgottenAt =
      Caffeine.newBuilder().expireAfterWrite(java.time.Duration.ofMinutes(10)).maximumSize(1_000_000).build();

  /**
   * @param session a Cassandra session of the actor system
   * @param keyspace the keyspace (the journal's)
   * @param barrier seals the stored keys
   * @param cachedKeys how many opened keys this node keeps in memory
   */
  public DataKeyStore(CassandraSession session, String keyspace, Barrier barrier, long cachedKeys) {
    this.session = session;
    this.table = keyspace + "." + TABLE;
    this.barrier = barrier;
    this.cache = Caffeine.newBuilder().maximumSize(cachedKeys).build();
  }

  /** @return completes once the table exists */
  public CompletionStage<Done> createTable() {
    return session.executeDDL("CREATE TABLE IF NOT EXISTS " + table
        + " (persistence_id text, key_id text, sealed_key blob, PRIMARY KEY ((persistence_id), key_id))");
  }

  /**
   * Makes a new data key for a secret and stores it (sealed) before handing it out.
   *
   * @param persistenceId the secret's persistence id
   * @return the key, once it is durable
   * @throws io.arcanum.domain.barrier.SealedException (in the stage) if the barrier is sealed
   */
  public CompletionStage<DataKey> create(String persistenceId) {
    DataKey key = DataKey.generate();
    byte[] sealed;
    try {
      sealed = barrier.seal(key.key(), aad(persistenceId, key.keyId()));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return insertStatement().thenCompose(ps -> {
      BoundStatement st = ps.bind(persistenceId, key.keyId(), ByteBuffer.wrap(sealed))
          .setExecutionProfileName(JournalConfig.PROFILE).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM);
      return session.executeWrite(st);
    }).thenApply(done -> {
      cache.put(cacheKey(persistenceId, key.keyId()), key.key().clone());
      return key;
    });
  }

  /**
   * Looks a data key up.
   *
   * @param persistenceId the secret's persistence id
   * @param keyId the key id
   * @return the key's bytes (a copy the caller may wipe), or empty when it was forgotten or never stored
   * @throws io.arcanum.domain.barrier.IntegrityException (in the stage) if the stored row fails to open
   */
  public CompletionStage<Optional<byte[]>> get(String persistenceId, String keyId) {
    byte[] cached = cache.getIfPresent(cacheKey(persistenceId, keyId));
    if (cached != null) {
      return CompletableFuture.completedFuture(Optional.of(cached.clone()));
    }
    long started = System.nanoTime();
    return selectStatement().thenCompose(ps -> session.selectOne(ps.bind(persistenceId, keyId)
            .setExecutionProfileName(JournalConfig.PROFILE).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM)))
        .thenApply(row -> {
          if (forgottenSince(persistenceId, keyId, started)) {
            return Optional.<byte[]>empty(); // forgotten while it was being read: never cached, never handed out
          }
          return row.map(r -> {
            ByteBuffer buf = r.getByteBuffer("sealed_key");
            byte[] sealed = new byte[buf.remaining()];
            buf.get(sealed);
            byte[] key = barrier.open(sealed, aad(persistenceId, keyId));
            cache.put(cacheKey(persistenceId, keyId), key.clone());
            if (forgottenSince(persistenceId, keyId, started)) {
              cache.invalidate(cacheKey(persistenceId, keyId));
              return null;
            }
            return key;
          });
        });
  }

  /**
   * Opens a version's sealed data with its data key, overwriting the key's bytes afterwards.
   *
   * @param persistenceId the secret's persistence id
   * @param sealed the version's sealed data
   * @return the data, or null (in the stage) when its key was forgotten: the version is destroyed
   * @throws io.arcanum.domain.barrier.IntegrityException (in the stage) if the data or key fail to open
   */
  public CompletionStage<com.fasterxml.jackson.databind.JsonNode> open(String persistenceId,
      io.arcanum.domain.kv.SealedData sealed) {
    return get(persistenceId, sealed.keyId()).thenApply(key -> {
      if (key.isEmpty()) {
        return null;
      }
      try {
        return sealed.open(persistenceId, key.get());
      } finally {
        Arrays.fill(key.get(), (byte) 0);
      }
    });
  }

  /**
   * Forgets data keys (crypto-shredding): the versions they sealed can never be read again.
   *
   * @param persistenceId the secret's persistence id
   * @param keyIds the key ids (may be empty)
   * @return completes once the deletes are durable
   */
  public CompletionStage<Done> forget(String persistenceId, List<String> keyIds) {
    long now = System.nanoTime();
    keyIds.forEach(k -> {
      forgottenAt.put(cacheKey(persistenceId, k), now);
      cache.invalidate(cacheKey(persistenceId, k));
    });
    if (keyIds.isEmpty()) {
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    return prepared("DELETE FROM " + table + " WHERE persistence_id = ? AND key_id IN ?")
        .thenCompose(ps -> session.executeWrite(ps.bind(persistenceId, keyIds)
            .setExecutionProfileName(JournalConfig.PROFILE).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM)));
  }

  /**
   * Forgets every data key of a secret (its metadata was deleted or its mount disabled).
   *
   * @param persistenceId the secret's persistence id
   * @return completes once the delete is durable
   */
  public CompletionStage<Done> forgetAll(String persistenceId) {
    String prefix = cacheKey(persistenceId, "");
    forgottenAt.put(persistenceId, System.nanoTime());
    cache.asMap().keySet().removeIf(k -> k.startsWith(prefix));
    return prepared("DELETE FROM " + table + " WHERE persistence_id = ?")
        .thenCompose(ps -> session.executeWrite(ps.bind(persistenceId).setExecutionProfileName(JournalConfig.PROFILE).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM)));
  }

  /** Drops every opened key from memory, overwriting the arrays (the node sealed). */
  public void clear() {
    cache.asMap().values().forEach(v -> Arrays.fill(v, (byte) 0));
    cache.invalidateAll();
  }

  /** Statements prepared once (Cassandra parses an unprepared statement on every execution). */
  private final java.util.concurrent.ConcurrentHashMap<String, CompletionStage<PreparedStatement>> prepared =
      new java.util.concurrent.ConcurrentHashMap<>();

  private CompletionStage<PreparedStatement> prepared(String cql) {
    CompletionStage<PreparedStatement> ps = prepared.get(cql);
    if (ps == null || ps.toCompletableFuture().isCompletedExceptionally()) {
      ps = session.prepare(cql);
      prepared.put(cql, ps);
    }
    return ps;
  }

  private CompletionStage<PreparedStatement> insertStatement() {
    return prepared("INSERT INTO " + table + " (persistence_id, key_id, sealed_key) VALUES (?, ?, ?)");
  }

  private CompletionStage<PreparedStatement> selectStatement() {
    return prepared("SELECT sealed_key FROM " + table + " WHERE persistence_id = ? AND key_id = ?");
  }

  private boolean forgottenSince(String persistenceId, String keyId, long started) {
    Long key = forgottenAt.getIfPresent(cacheKey(persistenceId, keyId));
    Long all = forgottenAt.getIfPresent(persistenceId);
    return (key != null && key - started >= 0) || (all != null && all - started >= 0);
  }

  private static String cacheKey(String persistenceId, String keyId) {
    return persistenceId + '\u0000' + keyId;
  }

  private static byte[] aad(String persistenceId, String keyId) {
    return ("kv-data-key|" + persistenceId + "|" + keyId).getBytes(StandardCharsets.UTF_8);
  }
}
