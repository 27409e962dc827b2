package io.arcanum.projections.kvindex;

import com.datastax.oss.driver.api.core.cql.Row;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;

/**
 * The Cassandra table behind KV {@code LIST}: one row per (mount, folder, name), where a name ending
 * with {@code /} is a sub-folder. Partitions are (mount uuid, folder) and names are clustered in
 * ascending order, so a page is one range read ({@code name > after LIMIT n}): stable order and
 * pagination as OpenBao offers ({@code after}, {@code limit}).
 *
 * <p>Written by the listing projections, one per KV tag, which may run at the same time on one folder
 * (two keys of a folder usually have different tags). So an addition writes bottom-up (the key,
 * then each folder above it), and a removal that drops a folder which looked empty reads the folder
 * once more afterwards and puts it back if an addition reached it meanwhile: whatever the
 * interleaving, a folder holding a key stays listed. Every write is idempotent, as at-least-once
 * delivery requires.
 */
public final class KvIndex {

  /** Table name inside the journal's keyspace. */
  public static final String TABLE = "kv_index";

  private final CassandraSession session;
  private final String table;

  /**
   * @param session a Cassandra session of the actor system
   * @param keyspace the keyspace (the journal's)
   */
  public KvIndex(CassandraSession session, String keyspace) {
    this.session = session;
    this.table = keyspace + "." + TABLE;
  }

  /** @return completes once the table exists */
  public CompletionStage<Done> createTable() {
    return session.executeDDL("CREATE TABLE IF NOT EXISTS " + table
        + " (mount text, folder text, name text, PRIMARY KEY ((mount, folder), name))"
        + " WITH CLUSTERING ORDER BY (name ASC)");
  }

  /**
   * Records a key, then every folder above it, deepest first (see the class comment for why in this
   * order).
   *
   * @param mount the mount uuid
   * @param path the key's path relative to the mount ({@code a/b/c})
   * @return completes when written
   */
  public CompletionStage<Done> add(String mount, String path) {
    List<String> segs = segments(path);
    List<String> folders = folders(segs);
    CompletionStage<Done> chain = CompletableFuture.completedFuture(Done.getInstance());
    for (int i = segs.size() - 1; i >= 0; i--) {
      final String parent = folders.get(i);
      final String name = segs.get(i);
      chain = chain.thenCompose(d -> insert(mount, parent, name));
    }
    return chain;
  }

  private CompletionStage<Done> insert(String mount, String folder, String name) {
    return session.executeWrite("INSERT INTO " + table + " (mount, folder, name) VALUES (?, ?, ?)", mount, folder, name);
  }

  /** @return for each segment, the folder that holds it ({@code ""}, {@code a/}, {@code a/b/}, ...) */
  private static List<String> folders(List<String> segs) {
    List<String> folders = new ArrayList<>();
    String folder = "";
    for (String s : segs) {
      folders.add(folder);
      folder = folder + (s.endsWith("/") ? s : "");
    }
    return folders;
  }

  /**
   * Removes a key, then every folder above it that became empty, deepest first; a folder dropped
   * this way is read once more and put back if a key reached it meanwhile.
   *
   * @param mount the mount uuid
   * @param path the key's path
   * @return completes when done
   */
  public CompletionStage<Done> remove(String mount, String path) {
    List<String> segs = segments(path);
    List<String> folders = folders(segs);
    // folders.get(i) holds segs.get(i); walk from the key upwards
    CompletionStage<Done> chain = session.executeWrite(
        "DELETE FROM " + table + " WHERE mount = ? AND folder = ? AND name = ?",
        mount, folders.get(segs.size() - 1), segs.get(segs.size() - 1));
    for (int i = segs.size() - 2; i >= 0; i--) {
      final String parent = folders.get(i);
      final String child = segs.get(i);
      final String childFolder = parent + child;
      chain = chain.thenCompose(d -> holdsAny(mount, childFolder))
          .thenCompose(held -> held
              ? CompletableFuture.completedFuture(Done.getInstance())
              : session.executeWrite("DELETE FROM " + table + " WHERE mount = ? AND folder = ? AND name = ?",
                      mount, parent, child)
                  // an addition by another projection may have reached the folder since it was read
                  .thenCompose(d -> holdsAny(mount, childFolder))
                  .thenCompose(heldNow -> heldNow ? insert(mount, parent, child)
                      : CompletableFuture.completedFuture(Done.getInstance())));
    }
    return chain;
  }

  private CompletionStage<Boolean> holdsAny(String mount, String folder) {
    return session.selectOne("SELECT name FROM " + table + " WHERE mount = ? AND folder = ? LIMIT 1", mount, folder)
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
        + (after != null ? " AND name > ?" : "") + (limit > 0 ? " LIMIT " + limit : "");
    CompletionStage<List<Row>> rows = after != null
        ? session.selectAll(cql, mount, folder, after)
        : session.selectAll(cql, mount, folder);
    return rows.thenApply(rs -> {
      List<String> names = new ArrayList<>(rs.size());
      rs.forEach(r -> names.add(r.getString(0)));
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
    return walk(mount, "", out).thenApply(d -> out);
  }

  private CompletionStage<Done> walk(String mount, String folder, List<String> out) {
    return list(mount, folder, null, 0).thenCompose(names -> {
      CompletionStage<Done> chain = CompletableFuture.completedFuture(Done.getInstance());
      for (String n : names) {
        if (n.endsWith("/")) {
          chain = chain.thenCompose(d -> walk(mount, folder + n, out));
        } else {
          synchronized (out) {
            out.add(folder + n);
          }
        }
      }
      return chain;
    });
  }

  /**
   * Removes every row of a mount (its partitions are found by walking its folders).
   *
   * @param mount the mount uuid
   * @return completes when done
   */
  public CompletionStage<Done> dropMount(String mount) {
    List<String> folders = new ArrayList<>();
    return collectFolders(mount, "", folders).thenCompose(d -> {
      List<CompletableFuture<Done>> deletes = new ArrayList<>();
      for (String f : folders) {
        deletes.add(session.executeWrite("DELETE FROM " + table + " WHERE mount = ? AND folder = ?", mount, f)
            .toCompletableFuture());
      }
      return CompletableFuture.allOf(deletes.toArray(new CompletableFuture[0])).thenApply(v -> Done.getInstance());
    });
  }

  private CompletionStage<Done> collectFolders(String mount, String folder, List<String> out) {
    out.add(folder);
    return list(mount, folder, null, 0).thenCompose(names -> {
      CompletionStage<Done> chain = CompletableFuture.completedFuture(Done.getInstance());
      for (String n : names) {
        if (n.endsWith("/")) {
          chain = chain.thenCompose(d -> collectFolders(mount, folder + n, out));
        }
      }
      return chain;
    });
  }

  /**
   * Splits a key path into its listing names: {@code a/b/c} gives {@code a/}, {@code b/}, {@code c}.
   *
   * @param path a key path (no leading or trailing slash)
   * @return the names, folders ending with {@code /}
   */
  static List<String> segments(String path) {
    String[] parts = path.split("/");
    List<String> out = new ArrayList<>(parts.length);
    for (int i = 0; i < parts.length; i++) {
      out.add(i < parts.length - 1 ? parts[i] + "/" : parts[i]);
    }
    return out;
  }
}
