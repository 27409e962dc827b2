package io.arcanum.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the server's relative directories (the dev certificate's) resolve. */
class ProjectHomeTest {

  @Test
  void thePropertyWinsOverTheEnvironmentAndBothOverTheWalk(@TempDir Path dir) {
    Path a = dir.resolve("a");
    Path b = dir.resolve("b");
    assertEquals(a, ProjectHome.resolve(a.toString(), b.toString(), dir));
    assertEquals(b, ProjectHome.resolve(null, b.toString(), dir));
    assertEquals(b, ProjectHome.resolve("  ", b.toString(), dir));
  }

  @Test
  void theWalkUpFindsTheDirectoryWithTheWrapperAndTheApiModule(@TempDir Path dir) throws Exception {
    Path root = dir.resolve("tree");
    Files.createDirectories(root.resolve("api"));
    Files.writeString(root.resolve("mvnw"), "");
    Files.writeString(root.resolve("api").resolve("pom.xml"), "");
    Path nested = Files.createDirectories(root.resolve("api").resolve("target"));
    Files.writeString(nested.resolve("mvnw"), ""); // a wrapper alone does not make a home

    assertEquals(root.toAbsolutePath().normalize(), ProjectHome.resolve(null, null, nested));
  }

  @Test
  void noHomeAboveIsAClearFailure(@TempDir Path dir) {
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> ProjectHome.resolve(null, "", dir));
    assertTrue(e.getMessage().contains(ProjectHome.PROPERTY) && e.getMessage().contains(ProjectHome.ENV), e.getMessage());
  }

  @Test
  void theTestsRunInsideThisRepository() {
    Path home = ProjectHome.resolve(null, null, Path.of(""));
    assertTrue(Files.isRegularFile(home.resolve("api").resolve("pom.xml")), home.toString());
  }
}
