package io.arcanum.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.arcanum.localcassandra.LocalCassandra;
import io.arcanum.localcassandra.testing.CassandraTestNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Everything at rest is encrypted: after writing a canary secret, tokens and the keyring, the
 * Cassandra node is stopped (which flushes its memtables) and every file under its data, commit
 * log, hints and saved caches directories is searched for the canary value, the root token, a child
 * token and the unseal key in hex and base64. None may appear. The journal's tables are switched to
 * uncompressed SSTables first, and a positive control (the secret's path, which is stored in clear
 * as part of its persistence id, outside the threat model) must be found, so the search is shown
 * to read what Cassandra wrote.
 */
@ExtendWith(CassandraTestNode.class)
class CanaryScanTest {

  @Test
  void noSecretTokenOrKeyIsStoredInClear() throws Exception {
    String keyspace = TestServer.freshKeyspace("it_canary");
    TestServer server = new TestServer(keyspace);
    String root = server.initUnsealAndMount("secret");
    try (CqlSession cql = server.journal.openSession()) {
      cql.execute(SimpleStatement.newInstance("SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?",
          keyspace)).forEach(row -> cql.execute(SimpleStatement.newInstance("ALTER TABLE " + keyspace + "."
              + row.getString("table_name") + " WITH compression = {'enabled': 'false'}")
          .setTimeout(java.time.Duration.ofSeconds(30))));
    }
    String marker = "canarypath" + UUID.randomUUID().toString().replace("-", "");
    String canary = "canary-secret-" + UUID.randomUUID();
    assertEquals(200, server.call("POST", "secret/data/" + marker, root,
        "{\"data\":{\"password\":\"" + canary + "\"}}").status());
    assertEquals(200, server.call("PATCH", "secret/data/" + marker, root,
        "{\"data\":{\"other\":\"" + canary + "-2\"}}", "application/merge-patch+json").status());
    String child = server.call("POST", "auth/token/create", root, "{\"policies\":[\"default\"]}")
        .body().get("auth").get("client_token").asText();
    assertEquals(200, server.call("GET", "secret/data/" + marker, root, null).status());
    byte[] unsealKey = Base64.getDecoder().decode(server.unsealKey);
    server.node.stop(); // keep the keyspace: it is what we search

    Map<String, byte[]> secrets = new LinkedHashMap<>();
    secrets.put("canary secret", canary.getBytes(StandardCharsets.UTF_8));
    secrets.put("root token", root.getBytes(StandardCharsets.UTF_8));
    secrets.put("root token without prefix", root.substring(4).getBytes(StandardCharsets.UTF_8));
    secrets.put("child token", child.getBytes(StandardCharsets.UTF_8));
    secrets.put("unseal key (hex)", HexFormat.of().formatHex(unsealKey).getBytes(StandardCharsets.UTF_8));
    secrets.put("unseal key (base64)", server.unsealKey.getBytes(StandardCharsets.UTF_8));
    secrets.put("unseal key (raw bytes)", unsealKey);

    LocalCassandra cassandra = CassandraTestNode.ensureStarted();
    Path state = cassandra.settings().stateDir();
    cassandra.stop(); // flushes memtables to SSTables
    List<String> found = new ArrayList<>();
    boolean markerFound = false;
    try {
      List<Path> files = new ArrayList<>();
      for (String dir : List.of("data", "commitlog", "hints", "saved_caches", "cdc")) {
        Path d = state.resolve(dir);
        if (Files.isDirectory(d)) {
          try (Stream<Path> walk = Files.walk(d)) {
            walk.filter(Files::isRegularFile).forEach(files::add);
          }
        }
      }
      assertTrue(files.size() > 10, "the scan sees Cassandra's files");
      byte[] markerBytes = marker.getBytes(StandardCharsets.UTF_8);
      for (Path f : files) {
        byte[] content = read(f);
        markerFound |= indexOf(content, markerBytes) >= 0;
        for (Map.Entry<String, byte[]> s : secrets.entrySet()) {
          if (indexOf(content, s.getValue()) >= 0) {
            found.add(s.getKey() + " in " + state.relativize(f));
          }
        }
      }
    } finally {
      cassandra.start();
      server.journal.dropKeyspace();
    }
    assertTrue(markerFound, "positive control: the path, stored in clear, is found by the scan");
    assertEquals(List.of(), found, "nothing secret is stored in clear");
  }

  private static byte[] read(Path f) throws IOException {
    try {
      return Files.readAllBytes(f);
    } catch (java.nio.file.NoSuchFileException e) {
      return new byte[0]; // a file Cassandra removed meanwhile
    }
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
