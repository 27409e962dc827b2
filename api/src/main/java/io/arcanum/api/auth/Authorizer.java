package io.arcanum.api.auth;

import io.arcanum.api.http.VaultException;
import io.arcanum.api.http.VaultRequest;
import io.arcanum.domain.token.TokenEntry;

/**
 * The one authorization step every authenticated route goes through: may this token perform this
 * operation on this path? Deny by default. Today only the built-in {@code root} policy grants
 * anything; ACL policies plug in here.
 */
public final class Authorizer {

  /**
   * @param token what the token grants
   * @param path the request path under /v1/
   * @param operation the operation
   * @throws VaultException 403 {@code permission denied} when not allowed
   */
  public void authorize(TokenEntry.Info token, String path, VaultRequest.Operation operation) {
    if (token.policies().contains("root")) {
      return;
    }
    throw VaultException.permissionDenied();
  }
}
