package io.arcanum.persistence.kv;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Statement;
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
 *
 * <p><b>Keys made ahead.</b> The first version of a secret written through this node gets a key of its
 * own; from the second on, the node makes {@value #AHEAD} keys at once, stores them in one write (one
 * partition, one mutation), and hands them out to the secret's next writes: most writes then store no
 * key row of their own. A key made ahead is durable before it is handed out, and is used by at most
 * one version. Keys made ahead but not used yet are forgotten when the node seals or stops
 * ({@link #clear}) and when the secret's metadata is deleted ({@link #forgetSecret}); a node that dies
 * leaves at most {@value #AHEAD} - 1 unused key rows per secret it was writing: keys that sealed
 * nothing and that no version refers to (they go with the secret's mount).
 */
public final class DataKeyStore {

  /** Table name inside the journal's keyspace. */
  public static final String TABLE = "kv_data_keys";

  private final CassandraSession session;
  private final String table;
  private final Barrier barrier;
  private final Cache<String, byte[]> cache;

  /** How many keys a secret written before through this node gets made at once. */
  public static final int AHEAD = 8;
  /** Keys made ahead and not handed out yet, by persistence id (durable, unused by any version). */
  private final Cache<String, java.util.ArrayDeque<DataKey>> ahead;
  /**
   * Keys of pruned versions to forget soon, by persistence id ({@link #forgetSoon}).
   *
   * @param since when the first of them was queued, in nanoTime
   * @param keyIds the key ids
   */
  private record Pending(long since, java.util.Set<String> keyIds) {}

  private final java.util.concurrent.ConcurrentHashMap<String, Pending> pending =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** How long a pruned version's key may wait to go with its secret's next keys before it is flushed alone. */
  public static final java.time.Duration PENDING_AT_MOST = java.time.Duration.ofSeconds(5);
  /** Secrets that got a key through this node before (their next key comes with {@value #AHEAD} - 1 more). */
  private final Cache<String, Boolean> writtenBefore;
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
    this.ahead = Caffeine.newBuilder().maximumSize(Math.max(1, cachedKeys / AHEAD))
        .expireAfterAccess(java.time.Duration.ofMinutes(10))
        .<String, java.util.ArrayDeque<DataKey>>removalListener((pid, keys, cause) -> {
          if (pid != null && keys != null && cause.wasEvicted()) {
            forgetUnused(pid, keys); // an idle secret's keys made ahead: not worth keeping
          }
        })
        .build();
    this.writtenBefore = Caffeine.newBuilder().maximumSize(cachedKeys)
        .expireAfterAccess(java.time.Duration.ofMinutes(10)).build();
  }

  /** @return completes once the table exists */
  public CompletionStage<Done> createTable() {
    return session.executeDDL("CREATE TABLE IF NOT EXISTS " + table
        + " (persistence_id text, key_id text, sealed_key blob, PRIMARY KEY ((persistence_id), key_id))");
  }

  /**
   * Hands out a new data key for a secret's next version: one made ahead for it on this node, or a new
   * one (with {@value #AHEAD} - 1 more made ahead when the secret was written through this node
   * before), stored sealed before it is handed out.
   *
   * @param persistenceId the secret's persistence id
   * @return the key, once it is durable; used by no other version; its bytes are the caller's to wipe
   * @throws io.arcanum.domain.barrier.SealedException (in the stage) if the barrier is sealed
   */
  public CompletionStage<DataKey> create(String persistenceId) {
    java.util.ArrayDeque<DataKey> pool = ahead.getIfPresent(persistenceId);
    if (pool != null) {
      DataKey k;
      synchronized (pool) {
        k = pool.poll();
      }
      if (k != null) {
        return CompletableFuture.completedFuture(k);
      }
    }
    int count = writtenBefore.getIfPresent(persistenceId) != null ? AHEAD : 1;
    writtenBefore.put(persistenceId, Boolean.TRUE);
    List<DataKey> made = new java.util.ArrayList<>(count);
    List<byte[]> sealed = new java.util.ArrayList<>(count);
    try {
      for (int i = 0; i < count; i++) {
        DataKey key = DataKey.generate();
        made.add(key);
        sealed.add(barrier.seal(key.key(), aad(persistenceId, key.keyId())));
      }
    } catch (RuntimeException e) {
      made.forEach(k -> Arrays.fill(k.key(), (byte) 0));
      return CompletableFuture.failedFuture(e);
    }
    List<String> toForget = takePending(persistenceId);
    return insertStatement().thenCombine(deleteStatement(), (ps, del) -> {
      Statement<?> st;
      if (count == 1 && toForget.isEmpty()) {
        st = ps.bind(persistenceId, made.get(0).keyId(), ByteBuffer.wrap(sealed.get(0)));
      } else {
        // one partition: Cassandra applies the rows (and the pruned keys' deletion) as one mutation
        com.datastax.oss.driver.api.core.cql.BatchStatementBuilder batch =
            com.datastax.oss.driver.api.core.cql.BatchStatement.builder(
                com.datastax.oss.driver.api.core.cql.DefaultBatchType.UNLOGGED);
        for (int i = 0; i < count; i++) {
          batch.addStatement(ps.bind(persistenceId, made.get(i).keyId(), ByteBuffer.wrap(sealed.get(i))));
        }
        if (!toForget.isEmpty()) {
          batch.addStatement(del.bind(persistenceId, toForget));
        }
        st = batch.build();
      }
      return st.setExecutionProfileName(JournalConfig.PROFILE).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM);
    }).thenCompose(session::executeWrite).whenComplete((done, e) -> {
      if (e != null && !toForget.isEmpty()) {
        forgetSoon(persistenceId, toForget); // not forgotten yet: next time
      }
    }).thenApply(done -> {
      for (DataKey k : made) {
        cache.put(cacheKey(persistenceId, k.keyId()), k.key().clone());
      }
      if (count > 1) {
        java.util.ArrayDeque<DataKey> spare = ahead.get(persistenceId, pid -> new java.util.ArrayDeque<>());
        synchronized (spare) {
          spare.addAll(made.subList(1, count));
        }
      }
      return made.get(0);
    });
  }

  private CompletionStage<Done> forgetUnused(String persistenceId, java.util.Collection<DataKey> keys) {
    List<String> ids = new java.util.ArrayList<>();
    synchronized (keys) {
      keys.forEach(k -> {
        ids.add(k.keyId());
        Arrays.fill(k.key(), (byte) 0);
      });
      keys.clear();
    }
    return forget(persistenceId, ids);
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
    if (cached == null && forgottenAt.getIfPresent(cacheKey(persistenceId, keyId)) != null) {
      return CompletableFuture.completedFuture(Optional.empty()); // forgotten here, its row maybe not yet
    }
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
    return deleteStatement()
        .thenCompose(ps -> session.executeWrite(ps.bind(persistenceId, keyIds)
            .setExecutionProfileName(JournalConfig.PROFILE).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM)));
  }

  /**
   * Forgets data keys of pruned versions soon: at once on this node (they are never handed out or read
   * here again), and in storage together with the secret's next keys made ahead, or by
   * {@link #flushPending} once they waited {@link #PENDING_AT_MOST}, whichever comes first: a busy
   * secret's pruned keys go in the write that stores its next keys, instead of one write per pruned
   * version. A node that dies before leaves those keys behind (the versions stay pruned: no read can
   * reach them).
   *
   * @param persistenceId the secret's persistence id
   * @param keyIds the pruned versions' key ids (may be empty)
   */
  public void forgetSoon(String persistenceId, List<String> keyIds) {
    if (keyIds.isEmpty()) {
      return;
    }
    long now = System.nanoTime();
    keyIds.forEach(k -> {
      forgottenAt.put(cacheKey(persistenceId, k), now);
      cache.invalidate(cacheKey(persistenceId, k));
    });
    pending.compute(persistenceId, (pid, p) -> {
      Pending q = p == null ? new Pending(now, new java.util.LinkedHashSet<>()) : p;
      q.keyIds().addAll(keyIds);
      return q;
    });
  }

  /**
   * Forgets, in storage, the keys {@link #forgetSoon} queued on this node at least
   * {@link #PENDING_AT_MOST} ago (the node runs this every second).
   *
   * @return completes when the deletes are durable (failed ones stay queued)
   */
  public CompletionStage<Done> flushPending() {
    return flushPending(PENDING_AT_MOST);
  }

  /**
   * @param olderThan flush the keys queued at least this long ago ({@code Duration.ZERO}: all)
   * @return completes when the deletes are durable (failed ones stay queued)
   */
  public CompletionStage<Done> flushPending(java.time.Duration olderThan) {
    long cutoff = System.nanoTime() - olderThan.toNanos();
    List<CompletableFuture<Done>> writes = new java.util.ArrayList<>();
    for (java.util.Map.Entry<String, Pending> queued : new java.util.ArrayList<>(pending.entrySet())) {
      if (queued.getValue().since() - cutoff > 0) {
        continue;
      }
      String pid = queued.getKey();
      List<String> ids = takePending(pid);
      if (!ids.isEmpty()) {
        writes.add(forget(pid, ids).whenComplete((d, e) -> {
          if (e != null) {
            forgetSoon(pid, ids);
          }
        }).toCompletableFuture());
      }
    }
    return CompletableFuture.allOf(writes.toArray(new CompletableFuture[0])).thenApply(v -> Done.getInstance());
  }

  private List<String> takePending(String persistenceId) {
    Pending p = pending.remove(persistenceId);
    return p == null ? List.of() : List.copyOf(p.keyIds());
  }

  private CompletionStage<PreparedStatement> deleteStatement() {
    return prepared("DELETE FROM " + table + " WHERE persistence_id = ? AND key_id IN ?");
  }

  /**
   * Forgets a secret's data keys when its metadata was deleted: its versions' keys, the keys this node
   * made ahead for it and did not hand out, and its pruned versions' keys still queued here, in one
   * write. Keys that a concurrent write took already are left alone (a partition-wide delete could
   * shadow the key of a version written right after the delete).
   *
   * @param persistenceId the secret's persistence id
   * @param keyIds the key ids of the versions the secret had
   * @return completes once the delete is durable
   */
  public CompletionStage<Done> forgetSecret(String persistenceId, List<String> keyIds) {
    java.util.Set<String> ids = new java.util.LinkedHashSet<>(keyIds);
    java.util.ArrayDeque<DataKey> pool = ahead.asMap().remove(persistenceId);
    if (pool != null) {
      synchronized (pool) {
        pool.forEach(k -> {
          ids.add(k.keyId());
          Arrays.fill(k.key(), (byte) 0);
        });
        pool.clear();
      }
    }
    ids.addAll(takePending(persistenceId));
    CompletionStage<Done> forgotten = forget(persistenceId, List.copyOf(ids));
    return forgotten.whenComplete((d, e) -> {
      if (e != null) {
        forgetSoon(persistenceId, List.copyOf(ids)); // retried by flushPending; the caller reports it too
      }
    });
  }

  /**
   * Forgets every data key of a secret (its metadata was deleted or its mount disabled).
   *
   * @param persistenceId the secret's persistence id
   * @return completes once the delete is durable
   */
  public CompletionStage<Done> forgetAll(String persistenceId) {
    java.util.ArrayDeque<DataKey> pool = ahead.getIfPresent(persistenceId);
    ahead.invalidate(persistenceId);
    if (pool != null) {
      synchronized (pool) {
        pool.forEach(k -> Arrays.fill(k.key(), (byte) 0));
        pool.clear();
      }
    }
    String prefix = cacheKey(persistenceId, "");
    forgottenAt.put(persistenceId, System.nanoTime());
    cache.asMap().keySet().removeIf(k -> k.startsWith(prefix));
    return prepared("DELETE FROM " + table + " WHERE persistence_id = ?")
        .thenCompose(ps -> session.executeWrite(ps.bind(persistenceId).setExecutionProfileName(JournalConfig.PROFILE).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM)));
  }

  /**
   * Drops every opened key from memory, overwriting the arrays (the node sealed or stops); keys made
   * ahead and not used, and keys of pruned versions still queued, are forgotten (their rows deleted).
   *
   * @return completes once those deletes are durable (or failed: the rows of unused keys stay behind)
   */
  public CompletionStage<Done> clear() {
    List<CompletableFuture<Done>> writes = new java.util.ArrayList<>();
    writes.add(flushPending(java.time.Duration.ZERO).toCompletableFuture());
    java.util.Map<String, java.util.ArrayDeque<DataKey>> pools = new java.util.HashMap<>(ahead.asMap());
    ahead.invalidateAll();
    pools.forEach((pid, keys) -> writes.add(forgetUnused(pid, keys).toCompletableFuture()));
    cache.asMap().values().forEach(v -> Arrays.fill(v, (byte) 0));
    cache.invalidateAll();
    return CompletableFuture.allOf(writes.toArray(new CompletableFuture[0]))
        .handle((v, e) -> Done.getInstance());
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

  /**
   * Whether a key was forgotten on this node, at any time (a key id is never used again; a key queued by
   * {@link #forgetSoon} may still have its row), or with all of its secret's keys while this read ran.
   */
  private boolean forgottenSince(String persistenceId, String keyId, long started) {
    Long key = forgottenAt.getIfPresent(cacheKey(persistenceId, keyId));
    Long all = forgottenAt.getIfPresent(persistenceId);
    return key != null || (all != null && all - started >= 0);
  }

  private static String cacheKey(String persistenceId, String keyId) {
    return persistenceId + '\u0000' + keyId;
  }

  private static byte[] aad(String persistenceId, String keyId) {
    return ("kv-data-key|" + persistenceId + "|" + keyId).getBytes(StandardCharsets.UTF_8);
  }
}
