package io.arcanum.loadtests;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Parameters of the simulations: a Java system property first ({@code -Darcanum.users=32}), then
 * environment variables in the order given, then a default. Blank values count as unset.
 */
public final class Params {

  private Params() {}

  /**
   * @param property the system property, e.g. {@code arcanum.addr}
   * @param defaultValue returned when neither the property nor any variable is set (may be null)
   * @param envVars environment variables tried in order after the property
   * @return the trimmed value, or {@code defaultValue}
   */
  public static String param(String property, String defaultValue, String... envVars) {
    String value = System.getProperty(property);
    if (isSet(value)) {
      return value.trim();
    }
    for (String env : envVars) {
      value = System.getenv(env);
      if (isSet(value)) {
        return value.trim();
      }
    }
    return defaultValue;
  }

  /**
   * The server address: {@code arcanum.addr}, then ARCANUM_ADDR, then VAULT_ADDR, default {@code
   * https://127.0.0.1:8200}.
   *
   * @return the address without trailing slashes
   */
  public static String addr() {
    return stripTrailingSlash(param("arcanum.addr", "https://127.0.0.1:8200", "ARCANUM_ADDR", "VAULT_ADDR"));
  }

  /**
   * The KV v2 mount: {@code arcanum.mount}, then ARCANUM_MOUNT, default {@code secret}.
   *
   * @return the mount path without leading or trailing slashes
   */
  public static String mount() {
    return trimSlashes(param("arcanum.mount", "secret", "ARCANUM_MOUNT"));
  }

  /**
   * The token: {@code arcanum.token}, then ARCANUM_TOKEN, then VAULT_TOKEN.
   *
   * @param simulation the simulation's name, for the message
   * @return the token
   * @throws IllegalStateException when none is set (the message is also printed on stderr)
   */
  public static String requiredToken(String simulation) {
    String token = param("arcanum.token", null, "ARCANUM_TOKEN", "VAULT_TOKEN");
    if (token == null) {
      String message =
          simulation + ": no token. Pass -Darcanum.token=<token> (or set ARCANUM_TOKEN or VAULT_TOKEN),"
              + " e.g. the 'Root Token' printed by `bin/arcanum server -dev`.";
      System.err.println(message);
      throw new IllegalStateException(message);
    }
    return token;
  }

  /**
   * @param property the system property
   * @param defaultValue the default, used when neither the property nor the variable is set
   * @param envVar the environment variable tried after the property
   * @return the value, {@code > 0}
   * @throws IllegalArgumentException when the value is not a positive integer
   */
  public static int positiveInt(String property, int defaultValue, String envVar) {
    String raw = param(property, Integer.toString(defaultValue), envVar);
    try {
      int value = Integer.parseInt(raw);
      if (value > 0) {
        return value;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new IllegalArgumentException(
        property + " (or " + envVar + ") must be a positive integer, got '" + raw + "'");
  }

  /**
   * @param property the system property
   * @param defaultValue the default, used when neither the property nor the variable is set
   * @param envVar the environment variable tried after the property
   * @return the value: {@code true}/{@code false} (also {@code yes}/{@code no}, {@code 1}/{@code 0})
   * @throws IllegalArgumentException for any other value
   */
  public static boolean bool(String property, boolean defaultValue, String envVar) {
    String raw = param(property, Boolean.toString(defaultValue), envVar).toLowerCase(java.util.Locale.ROOT);
    switch (raw) {
      case "true":
      case "yes":
      case "1":
        return true;
      case "false":
      case "no":
      case "0":
        return false;
      default:
        throw new IllegalArgumentException(
            property + " (or " + envVar + ") must be true or false, got '" + raw + "'");
    }
  }

  /**
   * Soak mode: {@code arcanum.soak}, then ARCANUM_SOAK, default false.
   *
   * @return whether to run in soak mode
   */
  public static boolean soak() {
    return bool("arcanum.soak", false, "ARCANUM_SOAK");
  }

  /**
   * The soak reporter's interval: {@code arcanum.reportSeconds}, then ARCANUM_REPORT_SECONDS, default 30.
   *
   * @return seconds, {@code > 0}
   */
  public static int reportSeconds() {
    return positiveInt("arcanum.reportSeconds", 30, "ARCANUM_REPORT_SECONDS");
  }

  /**
   * Requests in flight during setup and the write checker: {@code arcanum.setupInFlight}, then
   * ARCANUM_SETUP_IN_FLIGHT, default 32.
   *
   * @return the number, {@code > 0}
   */
  public static int setupInFlight() {
    return positiveInt("arcanum.setupInFlight", 32, "ARCANUM_SETUP_IN_FLIGHT");
  }

  /**
   * The directory whose size the soak reporter prints: {@code arcanum.cassandraDir}, then
   * ARCANUM_CASSANDRA_DIR, then ARCANUM_CASSANDRA_STATE_DIR (the dev server's setting), default
   * {@code <repository>/.arcanum/cassandra} (the local Cassandra's state directory).
   *
   * @return the directory (it may not exist)
   */
  public static Path cassandraDir() {
    return Paths.get(param("arcanum.cassandraDir", moduleDir().getParent().resolve(".arcanum/cassandra").toString(),
        "ARCANUM_CASSANDRA_DIR", "ARCANUM_CASSANDRA_STATE_DIR")).toAbsolutePath();
  }

  /**
   * The directory of this Maven module ({@code load-tests}), found from where the compiled classes
   * are ({@code load-tests/target/test-classes}); the working directory when that fails.
   *
   * @return the absolute module directory
   */
  public static Path moduleDir() {
    try {
      Path classes = Paths.get(Params.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (Files.isDirectory(classes) && classes.getParent() != null
          && classes.getParent().getFileName().toString().equals("target")) {
        return classes.getParent().getParent().toAbsolutePath().normalize();
      }
    } catch (URISyntaxException | RuntimeException ignored) {
      // fall back below
    }
    return Paths.get("").toAbsolutePath();
  }

  /**
   * @return {@code load-tests/target} (absolute), created if missing
   */
  public static Path targetDir() {
    Path target = moduleDir().resolve("target");
    try {
      Files.createDirectories(target);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return target;
  }

  /**
   * @param s a string
   * @return {@code s} without trailing slashes
   */
  public static String stripTrailingSlash(String s) {
    String t = s;
    while (t.endsWith("/")) {
      t = t.substring(0, t.length() - 1);
    }
    return t;
  }

  /**
   * @param s a string
   * @return {@code s} without leading or trailing slashes
   */
  public static String trimSlashes(String s) {
    String t = stripTrailingSlash(s);
    while (t.startsWith("/")) {
      t = t.substring(1);
    }
    return t;
  }

  private static boolean isSet(String value) {
    return value != null && !value.isBlank();
  }
}
