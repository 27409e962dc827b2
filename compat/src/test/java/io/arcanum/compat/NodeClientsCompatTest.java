package io.arcanum.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.arcanum.localcassandra.testing.CassandraTestNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Node.js clients node-vault 0.12.0 and hashi-vault-js 0.5.1 on Node 20, installed with
 * {@code npm ci} from the committed lock file in {@code compat/node}, drive a fresh Arcanum over HTTPS
 * through {@code compat/node/compat.mjs}: init, unseal, status, mounts, KV v2 read/write/list/delete,
 * metadata, policies, tokens, seal and unseal. The script's output is printed; any failed step fails
 * this test with the step's name.
 */
@ExtendWith(CassandraTestNode.class)
class NodeClientsCompatTest {

  private static final Path NODE_DIR = Path.of("node").toAbsolutePath();

  private static String run(List<String> command, Map<String, String> env, long minutes) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).directory(NODE_DIR.toFile()).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IllegalStateException(String.join(" ", command) + " did not finish in " + minutes + " min");
    }
    String text = new String(out, StandardCharsets.UTF_8);
    System.out.println(text);
    assertEquals(0, p.exitValue(), () -> String.join(" ", command) + " failed:\n" + text);
    return text;
  }

  @BeforeAll
  static void install() throws Exception {
    assertTrue(Files.exists(NODE_DIR.resolve("package-lock.json")), "compat/node/package-lock.json is committed");
    // npm ci installs exactly the locked versions, from nothing, every run
    run(List.of("npm", "ci", "--no-audit", "--no-fund"), Map.of(), 10);
  }

  @Test
  void nodeClientsWorkUnchanged(@TempDir Path dir) throws Exception {
    try (CompatServer server = new CompatServer("node", dir)) {
      String out = run(List.of("node", "compat.mjs"),
          Map.of("ARCANUM_ADDR", server.url(), "ARCANUM_CACERT", server.caCertificate.toString()), 5);
      assertTrue(out.contains("all steps passed"), out);
    }
  }
}
