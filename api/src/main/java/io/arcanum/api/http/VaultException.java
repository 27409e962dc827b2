package io.arcanum.api.http;

import java.util.List;

/**
 * A request that ends in a Vault-style error: an HTTP status and a body {@code {"errors":[...]}}.
 * Messages are Vault's exact wire strings where VAULT-API.md gives one.
 */
public final class VaultException extends RuntimeException {

  /** Vault's message for a missing, unknown or unauthorized token. */
  public static final String PERMISSION_DENIED = "permission denied";

  private final int status;
  private final List<String> errors;

  /**
   * @param status HTTP status, 400 or above
   * @param errors the messages of the {@code errors} array (may be empty, as in Vault's 404)
   */
  public VaultException(int status, List<String> errors) {
    super(errors.isEmpty() ? "status " + status : String.join("; ", errors), null, false, false);
    this.status = status;
    this.errors = List.copyOf(errors);
  }

  /** @return the HTTP status */
  public int status() {
    return status;
  }

  /** @return the error messages */
  public List<String> errors() {
    return errors;
  }

  /**
   * @param message the message
   * @return a 400
   */
  public static VaultException badRequest(String message) {
    return new VaultException(400, List.of(message));
  }

  /** @return a 403 {@code permission denied} */
  public static VaultException permissionDenied() {
    return new VaultException(403, List.of(PERMISSION_DENIED));
  }

  /** @return a 404 with an empty errors array, as Vault answers for a missing secret */
  public static VaultException notFound() {
    return new VaultException(404, List.of());
  }

  /**
   * @param message the message
   * @return a 404 with that message
   */
  public static VaultException notFound(String message) {
    return new VaultException(404, List.of(message));
  }

  /**
   * @param path the request path under /v1/
   * @return Vault's 404 for a path no handler serves
   */
  public static VaultException noHandler(String path) {
    return notFound("no handler for route \"" + path + "\". route entry not found.");
  }

  /** @return Vault's 405 {@code unsupported operation} */
  public static VaultException unsupportedOperation() {
    return new VaultException(405, List.of("unsupported operation"));
  }

  /** @return Vault's 503 {@code Vault is sealed} */
  public static VaultException sealed() {
    return new VaultException(503, List.of(io.arcanum.domain.barrier.SealedException.MESSAGE));
  }

  /**
   * @param message the message, without secret material
   * @return a 500
   */
  public static VaultException internal(String message) {
    return new VaultException(500, List.of(message));
  }
}
