package io.arcanum.domain.token;

import io.arcanum.domain.barrier.AesGcm;
import io.arcanum.domain.barrier.Sha256;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * Token and accessor values. A token is {@code hvs.} followed by 32 base62 characters (about 190 bits
 * from a SecureRandom), the prefix Vault uses for service tokens; only its SHA-256 is ever stored.
 */
public final class Tokens {

  private static final char[] BASE62 =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();

  private Tokens() {}

  /** @return a new random service token */
  public static String newToken() {
    return "hvs." + randomBase62(32);
  }

  /** @return a new random accessor (24 base62 characters, as long as Vault's) */
  public static String newAccessor() {
    return randomBase62(24);
  }

  /**
   * The id under which a token is stored: the hex SHA-256 of its UTF-8 bytes.
   *
   * @param token the token as the client sends it
   * @return 64 lowercase hex characters
   */
  public static String hash(String token) {
    return HexFormat.of().formatHex(Sha256.digest(token.getBytes(StandardCharsets.UTF_8)));
  }

  private static String randomBase62(int n) {
    byte[] r = AesGcm.randomBytes(n * 2);
    StringBuilder sb = new StringBuilder(n);
    for (int i = 0; sb.length() < n; i++) {
      int v = r[i % r.length] & 0xff;
      if (v < 248) { // 248 = 4 * 62: keeps the draw uniform
        sb.append(BASE62[v % 62]);
      } else if (i >= r.length - 1) {
        r = AesGcm.randomBytes(n * 2);
        i = -1;
      }
    }
    return sb.toString();
  }
}
