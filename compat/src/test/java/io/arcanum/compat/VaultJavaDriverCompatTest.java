package io.arcanum.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.arcanum.localcassandra.testing.CassandraTestNode;
import io.github.jopenlibs.vault.SslConfig;
import io.github.jopenlibs.vault.Vault;
import io.github.jopenlibs.vault.VaultConfig;
import io.github.jopenlibs.vault.VaultException;
import io.github.jopenlibs.vault.api.Auth;
import io.github.jopenlibs.vault.response.AuthResponse;
import io.github.jopenlibs.vault.response.HealthResponse;
import io.github.jopenlibs.vault.response.LogicalResponse;
import io.github.jopenlibs.vault.response.LookupResponse;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code io.github.jopenlibs:vault-java-driver} 6.x against Arcanum over HTTPS (the server's PEM
 * certificate as its trust): KV engine versions read from {@code sys/mounts} at start, logical
 * read/write/list/delete on KV v2, token create, lookup-self, renew-self, revoke-self, seal, unseal
 * and health. The driver has no init call, so the server is initialized over plain HTTPS first.
 */
@ExtendWith(CassandraTestNode.class)
class VaultJavaDriverCompatTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static HttpClient trusting(Path pem) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (var in = java.nio.file.Files.newInputStream(pem)) {
      trust.setCertificateEntry("arcanum", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(ctx).build();
  }

  private static JsonNode send(HttpClient http, String method, String url, String token, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("X-Vault-Token", token);
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return r.body().isEmpty() ? null : JSON.readTree(r.body());
  }

  private static Vault driver(CompatServer server, String token) throws VaultException {
    VaultConfig config = new VaultConfig().address(server.url()).token(token)
        .sslConfig(new SslConfig().pemFile(server.caCertificate.toFile()).build()).build();
    // the driver reads sys/mounts at start; it matches a mount only when given the mount path itself,
    // so deeper paths take the fallback version (its own behaviour against Vault too): KV v2
    return Vault.create(config, true, 2);
  }

  @Test
  void driverWorksUnchanged(@TempDir Path dir) throws Exception {
    try (CompatServer server = new CompatServer("driver", dir)) {
      HttpClient http = trusting(server.caCertificate);
      JsonNode init = send(http, "PUT", server.url() + "/v1/sys/init", null, "{\"secret_shares\":1,\"secret_threshold\":1}");
      String root = init.get("root_token").asText();
      String unsealKey = init.get("keys").get(0).asText();

      Vault anonymous = Vault.create(new VaultConfig().address(server.url())
          .sslConfig(new SslConfig().pemFile(server.caCertificate.toFile()).build()).build());
      assertTrue(anonymous.seal().sealStatus().getSealed());
      assertFalse(anonymous.seal().unseal(unsealKey).getSealed());
      HealthResponse health = anonymous.debug().health();
      assertTrue(health.getInitialized());
      assertFalse(health.getSealed());
      send(http, "POST", server.url() + "/v1/sys/mounts/secret", root, "{\"type\":\"kv\",\"options\":{\"version\":\"2\"}}");

      Vault vault = driver(server, root);
      assertEquals("2", vault.getSecretEngineVersions().get("secret/"), "read from sys/mounts");
      vault.logical().write("secret/app/db", Map.of("user", "app", "password", "s3cret"));
      vault.logical().write("secret/app/db", Map.of("user", "app", "password", "rotated"));
      vault.logical().write("secret/app/cache", Map.of("url", "redis://x"));
      LogicalResponse read = vault.logical().read("secret/app/db");
      assertEquals("rotated", read.getData().get("password"));
      assertEquals(200, read.getRestResponse().getStatus());
      assertEquals("s3cret", vault.logical().read("secret/app/db", true, 1).getData().get("password"));
      List<String> keys = List.of();
      for (int i = 0; i < 50 && keys.size() < 2; i++) { // listing follows the journal within about a second
        Thread.sleep(100);
        try {
          keys = vault.logical().list("secret/app").getListData();
        } catch (VaultException e) {
          keys = List.of();
        }
      }
      assertEquals(List.of("cache", "db"), keys);
      vault.logical().delete("secret/app/cache");
      LogicalResponse gone = vault.logical().read("secret/app/cache"); // the driver returns 4xx reads, not throws
      assertEquals(404, gone.getRestResponse().getStatus());
      assertFalse(gone.getData().containsKey("url"), "a deleted version has no data");
      vault.logical().destroy("secret/app/db", new int[] {1});
      vault.logical().delete("secret/app/db", new int[] {2});
      vault.logical().unDelete("secret/app/db", new int[] {2});
      assertEquals("rotated", vault.logical().read("secret/app/db").getData().get("password"));

      AuthResponse created = vault.auth().createToken(new Auth.TokenRequest().polices(List.of("default"))
          .ttl("1h").displayName("driver"));
      String child = created.getAuthClientToken();
      assertTrue(child.startsWith("hvs."));
      // a default-policy token may not read sys/mounts (as in Vault), so it names the KV version itself
      Vault asChild = Vault.create(new VaultConfig().address(server.url()).token(child)
          .sslConfig(new SslConfig().pemFile(server.caCertificate.toFile()).build()).build(), 2);
      LookupResponse self = asChild.auth().lookupSelf();
      assertTrue(self.getPolicies().contains("default"));
      assertTrue(self.getTTL() > 3000);
      assertTrue(asChild.auth().renewSelf(600).getAuthLeaseDuration() > 0);
      asChild.auth().revokeSelf();
      VaultException revoked = assertThrows(VaultException.class, () -> asChild.auth().lookupSelf());
      assertEquals(403, revoked.getHttpStatusCode());

      assertEquals(204, vault.seal().seal().getRestResponse().getStatus());
      assertTrue(anonymous.seal().sealStatus().getSealed());
      assertFalse(anonymous.seal().unseal(unsealKey).getSealed());
      assertEquals("rotated", driver(server, root).logical().read("secret/app/db").getData().get("password"));
    }
  }
}
