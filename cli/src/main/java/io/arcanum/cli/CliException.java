package io.arcanum.cli;

/** A CLI failure whose message is printed as one line ({@code Error: ...}) before a non-zero exit. */
final class CliException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** @param message what went wrong, one line */
  CliException(String message) {
    super(message);
  }
}
