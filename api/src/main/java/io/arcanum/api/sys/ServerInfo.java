package io.arcanum.api.sys;

/**
 * Identity strings this server reports in sys/health and sys/seal-status.
 *
 * @param version the version string (Vault-style semver, with Arcanum's version as build metadata)
 * @param buildDate the build date, RFC 3339
 * @param clusterName the configured cluster name
 * @param storageType the storage type reported by seal-status
 */
public record ServerInfo(String version, String buildDate, String clusterName, String storageType) {

  /** Defaults for this build. */
  public static final ServerInfo DEFAULT =
      new ServerInfo("1.15.0+arcanum.0.1.0", "2026-11-30T00:00:00Z", "arcanum", "cassandra");
}
