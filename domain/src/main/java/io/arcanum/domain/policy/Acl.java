package io.arcanum.domain.policy;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The compiled access control list of a set of policies: which capabilities a token holding them has
 * on a path. Deny by default.
 *
 * <p>Rules (VAULT-API.md, "ACL policies"): {@code *} only at the end of a pattern (prefix match),
 * {@code +} matches exactly one path segment. Of all patterns that match a path only the most
 * specific applies: the later its first wildcard, the more specific; then no trailing {@code *}
 * beats a trailing {@code *}; then fewer {@code +}; then longer; then lexically larger. The same
 * pattern in several policies unions their capabilities, and within the applying pattern
 * {@code deny} beats everything, {@code sudo} included.
 */
public final class Acl {

  /** One pattern with the union of its capabilities. */
  private record Rule(String pattern, Pattern regex, Set<Capability> capabilities, int firstWildcard,
      boolean trailingStar, int plusCount) {}

  /** Most specific first. */
  private static final Comparator<Rule> SPECIFICITY = Comparator
      .comparingInt(Rule::firstWildcard).reversed()
      .thenComparing(Rule::trailingStar)
      .thenComparingInt(Rule::plusCount)
      .thenComparing(Comparator.comparingInt((Rule r) -> r.pattern().length()).reversed())
      .thenComparing(Comparator.comparing(Rule::pattern).reversed());

  private final boolean root;
  private final List<Rule> rules;

  private Acl(boolean root, List<Rule> rules) {
    this.root = root;
    this.rules = rules;
  }

  /**
   * Compiles policies into one ACL.
   *
   * @param policies the token's policies (the {@code root} policy, by name, allows everything)
   * @return the ACL
   */
  public static Acl compile(Collection<Policy> policies) {
    boolean root = false;
    Map<String, Set<Capability>> union = new HashMap<>();
    for (Policy p : policies) {
      if (Policy.ROOT.equals(p.name())) {
        root = true;
        continue;
      }
      p.rules().forEach((pattern, caps) -> union.computeIfAbsent(pattern, k -> EnumSet.noneOf(Capability.class)).addAll(caps));
    }
    List<Rule> rules = new ArrayList<>();
    union.forEach((pattern, caps) -> rules.add(rule(pattern, caps)));
    rules.sort(SPECIFICITY);
    return new Acl(root, List.copyOf(rules));
  }

  /** @return the ACL of the root policy */
  public static Acl root() {
    return new Acl(true, List.of());
  }

  /** @return whether this ACL holds the root policy */
  public boolean isRoot() {
    return root;
  }

  /**
   * @param path a request path under /v1/ (no leading slash)
   * @return the capabilities on that path: empty when nothing matches or the applying pattern denies;
   *     every capability but {@code deny} for root
   */
  public Set<Capability> capabilities(String path) {
    if (root) {
      Set<Capability> all = EnumSet.allOf(Capability.class);
      all.remove(Capability.DENY);
      return all;
    }
    for (Rule r : rules) {
      if (r.regex().matcher(path).matches()) {
        if (r.capabilities().contains(Capability.DENY)) {
          return EnumSet.noneOf(Capability.class);
        }
        return EnumSet.copyOf(r.capabilities().isEmpty() ? EnumSet.noneOf(Capability.class) : r.capabilities());
      }
    }
    return EnumSet.noneOf(Capability.class);
  }

  /**
   * Whether some rule grants something on a path under {@code prefix}, as Vault decides which mounts
   * a token may see in {@code sys/internal/ui/mounts}.
   *
   * @param prefix a mount path such as {@code secret/}
   * @return true for root, or when a non-deny rule's literal part and the prefix overlap
   */
  public boolean reaches(String prefix) {
    if (root) {
      return true;
    }
    for (Rule r : rules) {
      if (r.capabilities().isEmpty() || r.capabilities().contains(Capability.DENY)) {
        continue;
      }
      String literal = r.firstWildcard() == Integer.MAX_VALUE ? r.pattern() : r.pattern().substring(0, r.firstWildcard());
      if (literal.startsWith(prefix) || prefix.startsWith(literal)) {
        return true;
      }
    }
    return false;
  }

  /**
   * @param path a request path
   * @param capability a capability
   * @return whether the ACL grants it on that path
   */
  public boolean allows(String path, Capability capability) {
    return capabilities(path).contains(capability);
  }

  private static Rule rule(String pattern, Set<Capability> caps) {
    boolean star = pattern.endsWith("*");
    String body = star ? pattern.substring(0, pattern.length() - 1) : pattern;
    StringBuilder re = new StringBuilder();
    int plus = 0;
    int first = Integer.MAX_VALUE;
    String[] segments = body.split("/", -1);
    int offset = 0;
    for (int i = 0; i < segments.length; i++) {
      if (i > 0) {
        re.append('/');
      }
      if (segments[i].equals("+")) {
        re.append("[^/]+");
        plus++;
        first = Math.min(first, offset);
      } else {
        re.append(Pattern.quote(segments[i]));
      }
      offset += segments[i].length() + 1;
    }
    if (star) {
      re.append(".*");
      first = Math.min(first, pattern.length() - 1);
    }
    return new Rule(pattern, Pattern.compile(re.toString(), Pattern.DOTALL), EnumSet.copyOf(
        caps.isEmpty() ? EnumSet.noneOf(Capability.class) : caps), first, star, plus);
  }
}
