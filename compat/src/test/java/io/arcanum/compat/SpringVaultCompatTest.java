package io.arcanum.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.arcanum.localcassandra.testing.CassandraTestNode;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.core.io.FileSystemResource;
import org.springframework.http.client.ClientHttpRequestFactory;
import org.springframework.vault.authentication.SimpleSessionManager;
import org.springframework.vault.authentication.TokenAuthentication;
import org.springframework.vault.client.ClientHttpRequestFactoryFactory;
import org.springframework.vault.client.VaultEndpoint;
import org.springframework.vault.core.VaultTemplate;
import org.springframework.vault.core.VaultVersionedKeyValueOperations;
import org.springframework.vault.support.ClientOptions;
import org.springframework.vault.support.Policy;
import org.springframework.vault.support.SslConfiguration;
import org.springframework.vault.support.VaultHealth;
import org.springframework.vault.support.VaultInitializationRequest;
import org.springframework.vault.support.VaultInitializationResponse;
import org.springframework.vault.support.VaultMetadataRequest;
import org.springframework.vault.support.VaultMetadataResponse;
import org.springframework.vault.support.VaultMount;
import org.springframework.vault.support.VaultToken;
import org.springframework.vault.support.VaultTokenRequest;
import org.springframework.vault.support.VaultTokenResponse;
import org.springframework.vault.support.VaultUnsealStatus;
import org.springframework.vault.support.Versioned;

/**
 * Spring Vault 4.0 ({@code VaultTemplate}) against a fresh Arcanum over HTTPS, trusting the server's
 * PEM certificate: init and unseal, health, seal status, mounts, policies, KV v2 through
 * {@code opsForVersionedKeyValue} and its metadata, tokens through {@code opsForToken}. Every call is
 * Spring Vault's own code; a failure is a bug in Arcanum.
 */
@ExtendWith(CassandraTestNode.class)
class SpringVaultCompatTest {

  private static VaultTemplate template(CompatServer server, ClientHttpRequestFactory http, String token) {
    return new VaultTemplate(VaultEndpoint.from(URI.create(server.url() + "/v1/")), http,
        new SimpleSessionManager(new TokenAuthentication(token)));
  }

  @Test
  void vaultTemplateWorksUnchanged(@TempDir Path dir) throws Exception {
    try (CompatServer server = new CompatServer("spring", dir)) {
      SslConfiguration ssl = SslConfiguration.forTrustStore(
          SslConfiguration.KeyStoreConfiguration.of(new FileSystemResource(server.caCertificate))
              .withStoreType(SslConfiguration.PEM_KEYSTORE_TYPE));
      ClientHttpRequestFactory http = ClientHttpRequestFactoryFactory.create(new ClientOptions(), ssl);

      // a fresh server: initialize and unseal through opsForSys
      VaultTemplate anonymous = template(server, http, "none");
      assertFalse(anonymous.opsForSys().isInitialized());
      VaultInitializationResponse init = anonymous.opsForSys().initialize(VaultInitializationRequest.create(3, 2));
      assertEquals(3, init.getKeys().size());
      VaultUnsealStatus partly = anonymous.opsForSys().unseal(init.getKeys().get(0));
      assertTrue(partly.isSealed());
      assertEquals(1, partly.getProgress());
      VaultUnsealStatus unsealed = anonymous.opsForSys().unseal(init.getKeys().get(2));
      assertFalse(unsealed.isSealed());
      assertEquals(3, unsealed.getSecretShares());
      assertEquals(2, unsealed.getSecretThreshold());
      VaultHealth health = anonymous.opsForSys().health();
      assertTrue(health.isInitialized());
      assertFalse(health.isSealed());
      assertNotNull(health.getVersion());
      assertFalse(anonymous.opsForSys().getUnsealStatus().isSealed());

      VaultTemplate root = template(server, http, init.getRootToken().getToken());
      root.opsForSys().mount("secret", VaultMount.builder().type("kv").options(Map.of("version", "2")).build());
      assertTrue(root.opsForSys().getMounts().containsKey("secret/"));
      assertEquals("kv", root.opsForSys().getMounts().get("secret/").getType());

      // KV v2
      VaultVersionedKeyValueOperations kv = root.opsForVersionedKeyValue("secret");
      Versioned.Metadata v1 = kv.put("app/db", Map.of("user", "app", "password", "s3cret"));
      assertEquals(1, v1.getVersion().getVersion());
      kv.put("app/db", Map.of("user", "app", "password", "rotated"));
      Versioned<Map<String, Object>> latest = kv.get("app/db");
      assertEquals("rotated", latest.getData().get("password"));
      assertEquals(2, latest.getVersion().getVersion());
      Versioned<Map<String, Object>> first = kv.<Map<String, Object>>get("app/db", Versioned.Version.from(1));
      assertEquals("s3cret", first.getData().get("password"));
      kv.delete("app/db", Versioned.Version.from(2));
      Versioned<Map<String, Object>> deleted = kv.get("app/db");
      assertFalse(deleted.hasData(), "the latest version is deleted: metadata only, as Vault answers");
      assertTrue(deleted.getMetadata().isDeleted());
      kv.undelete("app/db", Versioned.Version.from(2));
      assertEquals("rotated", kv.get("app/db").getData().get("password"));
      kv.destroy("app/db", Versioned.Version.from(1));
      Versioned<Map<String, Object>> destroyed = kv.<Map<String, Object>>get("app/db", Versioned.Version.from(1));
      assertTrue(destroyed == null || !destroyed.hasData(), "a destroyed version has no data");
      kv.opsForKeyValueMetadata().put("app/db", VaultMetadataRequest.builder().maxVersions(5)
          .deleteVersionAfter(Duration.ofHours(1)).customMetadata(Map.of("owner", "team-a")).build());
      VaultMetadataResponse meta = kv.opsForKeyValueMetadata().get("app/db");
      assertEquals(5, meta.getMaxVersions());
      assertEquals(2, meta.getCurrentVersion());
      assertEquals(Duration.ofHours(1), meta.getDeleteVersionAfter());
      // Spring Vault 4.0.4 does not read custom_metadata from a metadata response, only from a data read
      assertEquals("team-a", kv.get("app/db").getMetadata().getCustomMetadata().get("owner"));
      assertTrue(meta.getVersions().get(0).isDestroyed());
      kv.opsForKeyValueMetadata().delete("app/db");
      assertNull(kv.get("app/db"), "nothing left after a metadata delete");

      // policies
      root.opsForSys().createOrUpdatePolicy("app-read", Policy.of(Policy.Rule.builder().path("secret/data/app/*")
          .capabilities(Policy.BuiltinCapabilities.READ, Policy.BuiltinCapabilities.LIST).build()));
      assertTrue(root.opsForSys().getPolicyNames().contains("app-read"));
      Policy policy = root.opsForSys().getPolicy("app-read");
      assertTrue(policy.getRule("secret/data/app/*").getCapabilities().contains(Policy.BuiltinCapabilities.READ));

      // tokens
      kv.put("app/cfg", Map.of("k", "v"));
      VaultTokenResponse created = root.opsForToken().create(VaultTokenRequest.builder().withPolicy("app-read")
          .ttl(Duration.ofHours(1)).renewable().displayName("compat").build());
      VaultToken child = created.getToken();
      VaultTemplate app = template(server, http, child.getToken());
      assertEquals("v", app.opsForVersionedKeyValue("secret").get("app/cfg").getData().get("k"),
          "the child token reads what its policy allows");
      assertThrows(org.springframework.vault.VaultException.class,
          () -> app.opsForVersionedKeyValue("secret").put("app/cfg", Map.of("k", "w")), "and nothing else");
      VaultTokenResponse renewed = root.opsForToken().renew(child);
      assertNotNull(renewed.getAuth());
      root.opsForToken().revoke(child);
      assertThrows(org.springframework.vault.VaultException.class,
          () -> app.opsForVersionedKeyValue("secret").get("app/cfg"), "a revoked token is refused");

      root.opsForSys().deletePolicy("app-read");
      assertFalse(root.opsForSys().getPolicyNames().contains("app-read"));
      root.opsForSys().seal();
      assertTrue(anonymous.opsForSys().getUnsealStatus().isSealed());
    }
  }
}
