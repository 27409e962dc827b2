package io.arcanum.api.auth;

import io.arcanum.domain.token.TokenEntry;

/**
 * The authenticated caller of a request.
 *
 * @param token the client token as sent (kept in memory for the request only; never logged or stored)
 * @param tokenHash its SHA-256 id
 * @param view the token's state
 */
public record Caller(String token, String tokenHash, TokenEntry.View view) {

  /** @return the caller without its token: its accessor and policies */
  @Override
  public String toString() {
    return "Caller[token <redacted>, accessor " + view.info().accessor() + ", policies " + view.info().policies() + "]";
  }

  /** @return whether the caller holds the root policy */
  public boolean isRoot() {
    return view.info().policies().contains(io.arcanum.domain.policy.Policy.ROOT);
  }
}
