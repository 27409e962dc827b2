package io.arcanum.api;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Optional;

/**
 * The Arcanum source tree a server runs from: relative working directories of the server (such as
 * the dev certificate's, {@code arcanum.tls.dev-directory}) resolve against it.
 *
 * <p>Found as the local Cassandra launcher ({@code io.arcanum.localcassandra.Settings}) finds it, here
 * so that the runtime does not need the launcher: system property {@code arcanum.home} (which
 * {@code bin/arcanum} sets), else environment variable {@code ARCANUM_HOME}, else the first
 * directory, walking up from the current one, that holds both {@code mvnw} and {@code api/pom.xml}
 * (the launcher looks for its own {@code local-cassandra/cassandra-server/pom.xml} instead; in this
 * repository both walks end at its root).
 */
public final class ProjectHome {

  /** System property naming the project home; wins over {@link #ENV}. */
  public static final String PROPERTY = "arcanum.home";
  /** Environment variable naming the project home. */
  public static final String ENV = "ARCANUM_HOME";
  /** Files, relative to a directory, that mark it as the project home in the walk up. */
  static final String[] MARKERS = {"mvnw", "api/pom.xml"};

  private ProjectHome() {}

  /**
   * The project home of this process, from {@code arcanum.home}, {@code ARCANUM_HOME} or the walk
   * up from the current directory.
   *
   * @return the absolute, normalised project home
   * @throws IllegalStateException when neither is set and no directory above the current one holds
   *     the markers
   */
  public static Path resolve() {
    return resolve(System.getProperty(PROPERTY), System.getenv(ENV), Paths.get(""));
  }

  /**
   * The project home from explicit inputs (for tests).
   *
   * @param property value of {@code arcanum.home}, or null
   * @param env value of {@code ARCANUM_HOME}, or null
   * @param start where the walk up begins when both are null or blank
   * @return the absolute, normalised project home
   * @throws IllegalStateException when no directory from {@code start} up holds the markers
   */
  static Path resolve(String property, String env, Path start) {
    Optional<String> explicit = nonBlank(property).or(() -> nonBlank(env));
    if (explicit.isPresent()) {
      return Paths.get(explicit.get()).toAbsolutePath().normalize();
    }
    Path from = start.toAbsolutePath().normalize();
    for (Path dir = from; dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve(MARKERS[0])) && Files.isRegularFile(dir.resolve(MARKERS[1]))) {
        return dir;
      }
    }
    throw new IllegalStateException("cannot find the Arcanum project home (a directory with " + MARKERS[0] + " and "
        + MARKERS[1] + ") above " + from + "; set -D" + PROPERTY + " or " + ENV);
  }

  private static Optional<String> nonBlank(String value) {
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value);
  }
}
