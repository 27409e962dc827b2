package io.arcanum.domain.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Table-driven ACL cases: globs, {@code +}, precedence, deny, sudo, unions across policies. */
class AclTest {

  private static final String APP = """
      path "secret/data/app/*" { capabilities = ["read", "list"] }
      path "secret/data/app/+/admin" { capabilities = ["deny"] }
      path "secret/metadata/app/*" { capabilities = ["list"] }
      """;
  private static final String OPS = """
      path "secret/data/app/*" { capabilities = ["update", "create"] }
      path "secret/data/app/db" { capabilities = ["read", "delete"] }
      path "secret/*" { capabilities = ["deny"] }
      path "sys/mounts/*" { capabilities = ["update", "sudo"] }
      path "sys/seal" { capabilities = ["update"] }
      """;
  private static final String GLOBS = """
      path "kv/+/team/*" { capabilities = ["read"] }
      path "kv/a/team/*" { capabilities = ["update"] }
      path "kv/+/+/x" { capabilities = ["patch"] }
      path "kv/a/+/x" { capabilities = ["delete"] }
      path "kv/a/b/x" { capabilities = ["list"] }
      path "kv/a/b*" { capabilities = ["create"] }
      path "kv/a/bc*" { capabilities = ["sudo", "read"] }
      path "kv/z/*" { capabilities = ["read"] }
      path "kv/z/*" { capabilities = ["list"] }
      path "exact" { capabilities = ["read"] }
      path "deny/*" { capabilities = ["read", "sudo", "deny"] }
      """;

  private static Acl acl(String... texts) {
    List<Policy> ps = new ArrayList<>();
    for (int i = 0; i < texts.length; i++) {
      ps.add(Policy.parse("p" + i, texts[i]));
    }
    return Acl.compile(ps);
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        // single policy, prefix glob
        Arguments.of("app", "secret/data/app/db", "list,read"),
        Arguments.of("app", "secret/data/app/", "list,read"),
        Arguments.of("app", "secret/data/app", ""),
        Arguments.of("app", "secret/data/other", ""),
        Arguments.of("app", "secret/data/application", ""),
        Arguments.of("app", "secret/data/app/x/y/z", "list,read"),
        // + matches exactly one segment; the + pattern's first wildcard is earlier, so the * one wins? no:
        // "secret/data/app/+/admin" first wildcard at 16, "secret/data/app/*" at 16 too; no trailing * wins
        Arguments.of("app", "secret/data/app/team/admin", ""),
        Arguments.of("app", "secret/data/app/team/admin/x", "list,read"),
        Arguments.of("app", "secret/data/app/a/b/admin", "list,read"),
        Arguments.of("app", "secret/metadata/app/db", "list"),
        Arguments.of("app", "secret/metadata/app", ""),
        Arguments.of("app", "sys/mounts", ""),
        // deny by default
        Arguments.of("app", "", ""),
        Arguments.of("app", "auth/token/create", ""),
        // two policies: the same pattern unions
        Arguments.of("app+ops", "secret/data/app/db", "delete,read"),
        Arguments.of("app+ops", "secret/data/app/web", "create,list,read,update"),
        Arguments.of("app+ops", "secret/data/app/team/admin", ""),
        // a broad deny does not override a more specific grant ...
        Arguments.of("app+ops", "secret/data/other", ""),
        Arguments.of("ops", "secret/data/app/db", "delete,read"),
        Arguments.of("ops", "secret/config", ""),
        // ... but denies where it is the most specific
        Arguments.of("ops", "secret/anything/else", ""),
        Arguments.of("ops", "sys/mounts/kv", "sudo,update"),
        Arguments.of("ops", "sys/mounts", ""),
        Arguments.of("ops", "sys/seal", "update"),
        // glob precedence: later first wildcard wins
        Arguments.of("globs", "kv/a/team/1", "update"),
        Arguments.of("globs", "kv/b/team/1", "read"),
        Arguments.of("globs", "kv/c/d/x", "patch"),
        Arguments.of("globs", "kv/a/d/x", "delete"),
        Arguments.of("globs", "kv/a/b/x", "list"),
        Arguments.of("globs", "kv/a/bc/x", "read,sudo"),
        Arguments.of("globs", "kv/a/bz", "create"),
        Arguments.of("globs", "kv/a/b", "create"),
        Arguments.of("globs", "kv/a/bc", "read,sudo"),
        Arguments.of("globs", "kv/a/team/x", "update"),
        Arguments.of("globs", "kv/b/team/x", "patch"),
        // same pattern twice in one policy unions
        Arguments.of("globs", "kv/z/1", "list,read"),
        // exact paths
        Arguments.of("globs", "exact", "read"),
        Arguments.of("globs", "exact/", ""),
        Arguments.of("globs", "exac", ""),
        // deny beats sudo in the same pattern
        Arguments.of("globs", "deny/x", ""),
        Arguments.of("globs", "deny", ""),
        // + does not match an empty segment or several segments
        Arguments.of("globs", "kv//team/1", ""),
        Arguments.of("globs", "kv/x/y/team/1", ""),
        // union across three policies
        Arguments.of("app+ops+globs", "kv/a/b/x", "list"),
        Arguments.of("app+ops+globs", "secret/data/app/db", "delete,read"));
  }

  @ParameterizedTest(name = "{0} on {1} -> [{2}]")
  @MethodSource("cases")
  void capabilities(String policies, String path, String expected) {
    List<String> texts = new ArrayList<>();
    for (String p : policies.split("\\+")) {
      texts.add(switch (p) {
        case "app" -> APP;
        case "ops" -> OPS;
        default -> GLOBS;
      });
    }
    Set<String> got = acl(texts.toArray(new String[0])).capabilities(path).stream()
        .map(Capability::wireName).collect(Collectors.toCollection(TreeSet::new));
    Set<String> want = expected.isEmpty() ? Set.of() : new TreeSet<>(Arrays.asList(expected.split(",")));
    assertEquals(want, got);
  }

  @Test
  void rootAllowsEverythingButIsNotDeny() {
    Acl root = Acl.compile(List.of(new Policy(Policy.ROOT, "", java.util.Map.of())));
    assertTrue(root.isRoot());
    assertTrue(root.allows("anything/at/all", Capability.SUDO));
    assertEquals(EnumSet.complementOf(EnumSet.of(Capability.DENY)), root.capabilities("x"));
  }

  @Test
  void jsonAndBase64FormsParse() {
    Policy json = Policy.parse("j", "{\"path\": {\"secret/*\": {\"capabilities\": [\"read\"]}}}");
    assertEquals(EnumSet.of(Capability.READ), json.rules().get("secret/*"));
    String b64 = Base64.getEncoder().encodeToString(APP.getBytes(StandardCharsets.UTF_8));
    Policy decoded = Policy.parse("b", b64);
    assertEquals(EnumSet.of(Capability.DENY), decoded.rules().get("secret/data/app/+/admin"));
    assertEquals(EnumSet.of(Capability.READ, Capability.LIST),
        Policy.parse("legacy", "path \"a/*\" { policy = \"read\" }").rules().get("a/*"));
    assertTrue(Policy.parse(Policy.DEFAULT, Policy.DEFAULT_TEXT).rules().containsKey("auth/token/lookup-self"));
  }

  @Test
  void invalidPoliciesAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> Policy.parse("x", ""));
    assertThrows(IllegalArgumentException.class, () -> Policy.parse("x", "path { oops"));
    assertThrows(IllegalArgumentException.class, () -> Policy.parse("x", "path \"a\" { capabilities = [\"fly\"] }"));
    assertThrows(IllegalArgumentException.class, () -> Policy.parse("x", "path \"a/*/b\" { capabilities = [\"read\"] }"));
    assertThrows(IllegalArgumentException.class, () -> Policy.parse("x", "path \"a\" { }"));
    assertThrows(IllegalArgumentException.class, () -> Policy.parse("x", "{\"path\": 5}"));
  }
}
