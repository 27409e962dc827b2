package io.arcanum.persistence.kv;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.Statement;
import io.arcanum.persistence.JournalConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.Done;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;

/**
 * The Cassandra table behind KV {@code LIST}, {@code kv_index} in the journal's keyspace: one row per
 * (mount, folder, name), where a name ending with {@code /} is a sub-folder. Partitions are (mount
 * uuid, folder) and names are clustered in ascending order, so a page is one range read
 * ({@code name > after LIMIT n}): stable order and pagination as OpenBao offers ({@code after},
 * {@code limit}).
 *
 * <p>This class only reads and writes rows; {@link KvListing} decides which, and when. A key's row
 * is written with the time of the change as its write timestamp, so that the latest change of a path
 * wins whatever order the writes arrive in; folder rows use the driver's own timestamps. Reads and
 * writes use {@code LOCAL_QUORUM}, so that a row written is seen by the next read on any node.
 */
public final class ListingTable {

  /** Table name inside the journal's keyspace (the name it had when a projection maintained it). */
  public static final String TABLE = "kv_index";

  private final CassandraSession session;
  private final String table;
  private final ConcurrentHashMap<String, CompletionStage<PreparedStatement>> prepared = new ConcurrentHashMap<>();

  /**
   * @param session a Cassandra session of the actor system
   * @param keyspace the keyspace (the journal's)
   */
  public ListingTable(CassandraSession session, String keyspace) {
    this.session = session;
    this.table = keyspace + "." + TABLE;
  }

  /** @return completes once the table exists */
  public CompletionStage<Done> createTable() {
    return session.executeDDL("CREATE TABLE IF NOT EXISTS " + table
        + " (mount text, folder text, name text, PRIMARY KEY ((mount, folder), name))"
        + " WITH CLUSTERING ORDER BY (name ASC)");
  }

  private CompletionStage<PreparedStatement> statement(String cql) {
    CompletionStage<PreparedStatement> ps = prepared.get(cql);
    if (ps == null || ps.toCompletableFuture().isCompletedExceptionally()) {
      ps = session.prepare(cql);
      prepared.put(cql, ps);
    }
    return ps;
  }

  private CompletionStage<Done> write(String cql, Object... values) {
    return statement(cql).thenCompose(ps -> session.executeWrite(bound(ps, values)));
  }

  private static Statement<?> bound(PreparedStatement ps, Object... values) {
    // the short-timeout profile: a request that needs storage fails fast when storage does not answer
    return ps.bind(values).setExecutionProfileName(JournalConfig.PROFILE).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM);
  }

  /**
   * Writes a key's row.
   *
   * @param mount the mount uuid
   * @param folder the folder holding the key ({@code ""} or ending with {@code /})
   * @param name the key's name in it (no slash)
   * @param micros the write timestamp: the time of the change that brought the key into existence,
   *     in microseconds since the epoch
   * @return completes when durable
   */
  public CompletionStage<Done> insertKey(String mount, String folder, String name, long micros) {
    return write("INSERT INTO " + table + " (mount, folder, name) VALUES (?, ?, ?) USING TIMESTAMP ?",
        mount, folder, name, micros);
  }

  /**
   * Deletes a key's row, unless a later change wrote it again.
   *
   * @param mount the mount uuid
   * @param folder the folder holding the key
   * @param name the key's name in it
   * @param micros the time of the change that took the key out of existence, in microseconds since the
   *     epoch (a row written with a later timestamp stays)
   * @return completes when durable
   */
  public CompletionStage<Done> deleteKey(String mount, String folder, String name, long micros) {
    return write("DELETE FROM " + table + " USING TIMESTAMP ? WHERE mount = ? AND folder = ? AND name = ?",
        micros, mount, folder, name);
  }

  /**
   * Writes a folder's row in its parent.
   *
   * @param mount the mount uuid
   * @param parent the parent folder ({@code ""} or ending with {@code /})
   * @param name the folder's name, ending with {@code /}
   * @return completes when durable
   */
  public CompletionStage<Done> insertFolder(String mount, String parent, String name) {
    return write("INSERT INTO " + table + " (mount, folder, name) VALUES (?, ?, ?)", mount, parent, name);
  }

  /**
   * Deletes a folder's row in its parent.
   *
   * @param mount the mount uuid
   * @param parent the parent folder
   * @param name the folder's name, ending with {@code /}
   * @return completes when durable
   */
  public CompletionStage<Done> deleteFolder(String mount, String parent, String name) {
    return write("DELETE FROM " + table + " WHERE mount = ? AND folder = ? AND name = ?", mount, parent, name);
  }

  /**
   * @param mount the mount uuid
   * @param folder a folder
   * @return whether it holds any key or sub-folder
   */
  public CompletionStage<Boolean> holdsAny(String mount, String folder) {
    return statement("SELECT name FROM " + table + " WHERE mount = ? AND folder = ? LIMIT 1")
        .thenCompose(ps -> session.selectOne(bound(ps, mount, folder)))
        .thenApply(row -> row.isPresent());
  }

  /**
   * @param mount the mount uuid
   * @param parent a folder
   * @param name a name in it
   * @return whether that row exists
   */
  public CompletionStage<Boolean> has(String mount, String parent, String name) {
    return statement("SELECT name FROM " + table + " WHERE mount = ? AND folder = ? AND name = ?")
        .thenCompose(ps -> session.selectOne(bound(ps, mount, parent, name)))
        .thenApply(row -> row.isPresent());
  }

  /**
   * Lists a folder.
   *
   * @param mount the mount uuid
   * @param folder the folder ({@code ""} for the mount's root, else ending with {@code /})
   * @param after return only names after this one (exclusive), or null
   * @param limit at most this many names; 0 or less for all
   * @return the names in ascending order, folders ending with {@code /}
   */
  public CompletionStage<List<String>> list(String mount, String folder, String after, int limit) {
    String cql = "SELECT name FROM " + table + " WHERE mount = ? AND folder = ?"
        + (after != null ? " AND name > ?" : "") + (limit > 0 ? " LIMIT ?" : "");
    List<Object> values = new ArrayList<>(List.of(mount, folder));
    if (after != null) {
      values.add(after);
    }
    if (limit > 0) {
      values.add(limit);
    }
    return statement(cql).thenCompose(ps -> session.selectAll(bound(ps, values.toArray()))).thenApply(rs -> {
      List<String> names = new ArrayList<>(rs.size());
      for (Row r : rs) {
        names.add(r.getString(0));
      }
      return names;
    });
  }

  /**
   * Every key of a mount, by walking its folders.
   *
   * @param mount the mount uuid
   * @return the keys' paths relative to the mount
   */
  public CompletionStage<List<String>> allKeys(String mount) {
    List<String> out = new ArrayList<>();
    return walk(mount, "", out, false).thenApply(d -> out);
  }

  /**
   * Removes every row of a mount (its partitions are found by walking its folders).
   *
   * @param mount the mount uuid
   * @return completes when done
   */
  public CompletionStage<Done> dropMount(String mount) {
    List<String> folders = new ArrayList<>();
    folders.add("");
    return walk(mount, "", folders, true).thenCompose(d -> {
      List<CompletableFuture<Done>> deletes = new ArrayList<>();
      for (String f : folders) {
        deletes.add(write("DELETE FROM " + table + " WHERE mount = ? AND folder = ?", mount, f).toCompletableFuture());
      }
      return CompletableFuture.allOf(deletes.toArray(new CompletableFuture[0])).thenApply(v -> Done.getInstance());
    });
  }

  /** Collects the keys (or, with {@code folders}, the sub-folders) under a folder, depth first. */
  private CompletionStage<Done> walk(String mount, String folder, List<String> out, boolean folders) {
    return list(mount, folder, null, 0).thenCompose(names -> {
      CompletionStage<Done> chain = CompletableFuture.completedFuture(Done.getInstance());
      for (String n : names) {
        if (n.endsWith("/")) {
          if (folders) {
            out.add(folder + n);
          }
          chain = chain.thenCompose(d -> walk(mount, folder + n, out, folders));
        } else if (!folders) {
          out.add(folder + n);
        }
      }
      return chain;
    });
  }
}
