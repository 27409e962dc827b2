package io.arcanum.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code arcanum kv put|get|patch|delete|undelete|destroy|list|metadata}: KV version 2 as Vault's
 * {@code vault kv}. A path is {@code <mount>/<key>} (the mount is found through
 * {@code sys/internal/ui/mounts}) or a key with {@code -mount=<mount>}.
 */
@Command(name = "kv", mixinStandardHelpOptions = true, description = "KV version 2 secrets.",
    subcommands = {KvCommand.Put.class, KvCommand.Get.class, KvCommand.Patch.class, KvCommand.Delete.class,
        KvCommand.Undelete.class, KvCommand.Destroy.class, KvCommand.ListKeys.class, KvCommand.Metadata.class})
final class KvCommand {

  /** A KV path split into its mount ({@code secret/}) and key. */
  record KvPath(String mount, String key) {
    String api(String area) {
      return mount + area + "/" + key;
    }
  }

  /** Options every kv verb has. */
  static final class PathOptions {
    @Option(names = "-mount", description = "The KV v2 mount; the path is then the key alone.") String mount;
    @Parameters(index = "0", paramLabel = "PATH") String path;

    KvPath resolve(CliClient client) {
      String p = path.replaceAll("^/+", "");
      if (mount != null) {
        return new KvPath(mount.replaceAll("/+$", "") + "/", p);
      }
      CliClient.Reply found = client.call("GET", "sys/internal/ui/mounts/" + p, null, true);
      if (found.status() == 403) {
        throw new CliException("no KV v2 mount at " + p + ", or this token may not use it (permission denied)");
      }
      if (found.status() >= 400) {
        client.call("GET", "sys/internal/ui/mounts/" + p, null); // throws with the server's message
      }
      JsonNode m = found.body().path("data");
      String mountPath = m.path("path").asText("");
      if (mountPath.isEmpty() || !p.startsWith(mountPath.replaceAll("/$", ""))) {
        throw new CliException("no KV v2 mount found for " + p);
      }
      String key = p.length() > mountPath.length() ? p.substring(mountPath.length()) : "";
      return new KvPath(mountPath, key);
    }
  }

  private static List<Integer> versions(String csv) {
    List<Integer> out = new ArrayList<>();
    if (csv != null) {
      for (String v : csv.split(",")) {
        try {
          out.add(Integer.parseInt(v.trim()));
        } catch (NumberFormatException e) {
          throw new CliException("-versions must be numbers separated by commas");
        }
      }
    }
    return out;
  }

  private static ObjectNode versionsBody(String csv) {
    ObjectNode body = CliClient.JSON.createObjectNode();
    ArrayNode arr = body.putArray("versions");
    versions(csv).forEach(arr::add);
    return body;
  }

  @Command(name = "put", mixinStandardHelpOptions = true, description = "Write a new version: key=value pairs (value, @file or -), or - for a JSON object on stdin.")
  static final class Put implements Callable<Integer> {
    @Mixin PathOptions target;
    @Mixin FormatOption out;
    @Option(names = "-cas", description = "Check-and-set: the version the write expects to replace.") Integer cas;
    @Parameters(index = "1..*", arity = "1..*", paramLabel = "K=V") List<String> pairs;

    @Override
    public Integer call() {
      return writeData("POST", target, out, cas, pairs);
    }
  }

  @Command(name = "patch", mixinStandardHelpOptions = true, description = "Merge key=value pairs into the latest version.")
  static final class Patch implements Callable<Integer> {
    @Mixin PathOptions target;
    @Mixin FormatOption out;
    @Option(names = "-cas", description = "Check-and-set version.") Integer cas;
    @Parameters(index = "1..*", arity = "1..*", paramLabel = "K=V") List<String> pairs;

    @Override
    public Integer call() {
      return writeData("PATCH", target, out, cas, pairs);
    }
  }

  /** An undelete or destroy of {@code -versions}: POST {@code <mount><area>/<key>}. */
  private static int postVersions(PathOptions target, String area, String versions) {
    CliClient client = CliClient.fromEnvironment();
    KvPath kv = target.resolve(client);
    client.call("POST", kv.api(area), versionsBody(versions));
    System.out.println("Success! Data written to: " + kv.api(area));
    return 0;
  }

  /** A put (POST) or merge patch (PATCH) of {@code data/<key>}; prints the new version's metadata. */
  private static int writeData(String method, PathOptions target, FormatOption out, Integer cas, List<String> pairs) {
    CliClient client = CliClient.fromEnvironment();
    KvPath kv = target.resolve(client);
    ObjectNode body = CliClient.JSON.createObjectNode();
    body.set("data", CliInputs.keyValues(pairs));
    if (cas != null) {
      body.putObject("options").put("cas", cas);
    }
    CliOutput.print(client.call(method, kv.api("data"), body).body().get("data"), out.format);
    return 0;
  }

  @Command(name = "get", mixinStandardHelpOptions = true, description = "Read a version (the latest by default).")
  static final class Get implements Callable<Integer> {
    @Mixin PathOptions target;
    @Mixin FormatOption out;
    @Option(names = "-version", description = "The version to read.") Integer version;
    @Option(names = "-field", description = "Print only this field's value.") String field;

    @Override
    public Integer call() {
      CliClient client = CliClient.fromEnvironment();
      KvPath kv = target.resolve(client);
      CliClient.Reply r = client.call("GET", kv.api("data") + (version == null ? "" : "?version=" + version), null, true);
      if (r.status() == 404 && (r.body() == null || r.body().path("data").isMissingNode())) {
        throw new CliException("No value found at " + kv.api("data"));
      }
      JsonNode data = r.body().path("data").path("data");
      if (data.isNull() || data.isMissingNode()) {
        throw new CliException("No value found at " + kv.api("data") + " (version deleted or destroyed)");
      }
      if (field != null) {
        JsonNode v = data.get(field);
        if (v == null) {
          throw new CliException("field \"" + field + "\" not present in secret");
        }
        System.out.println(v.isValueNode() ? v.asText() : v.toString());
        return 0;
      }
      CliOutput.print(out.format.equals("json") ? r.body().get("data") : data, out.format);
      return 0;
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true, description = "Soft-delete the latest version, or -versions.")
  static final class Delete implements Callable<Integer> {
    @Mixin PathOptions target;
    @Option(names = "-versions", description = "Versions, comma separated.") String versions;

    @Override
    public Integer call() {
      CliClient client = CliClient.fromEnvironment();
      KvPath kv = target.resolve(client);
      if (versions == null) {
        client.call("DELETE", kv.api("data"), null);
      } else {
        client.call("POST", kv.api("delete"), versionsBody(versions));
      }
      System.out.println("Success! Data deleted (if it existed) at: " + kv.api("data"));
      return 0;
    }
  }

  @Command(name = "undelete", mixinStandardHelpOptions = true, description = "Undo soft deletes of -versions.")
  static final class Undelete implements Callable<Integer> {
    @Mixin PathOptions target;
    @Option(names = "-versions", required = true, description = "Versions, comma separated.") String versions;

    @Override
    public Integer call() {
      return postVersions(target, "undelete", versions);
    }
  }

  @Command(name = "destroy", mixinStandardHelpOptions = true, description = "Destroy -versions for good (their data keys are forgotten).")
  static final class Destroy implements Callable<Integer> {
    @Mixin PathOptions target;
    @Option(names = "-versions", required = true, description = "Versions, comma separated.") String versions;

    @Override
    public Integer call() {
      return postVersions(target, "destroy", versions);
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the keys under a folder.")
  static final class ListKeys implements Callable<Integer> {
    @Mixin PathOptions target;
    @Mixin FormatOption out;

    @Override
    public Integer call() {
      CliClient client = CliClient.fromEnvironment();
      KvPath kv = target.resolve(client);
      CliClient.Reply r = client.call("LIST", kv.api("metadata"), null, true);
      if (r.status() == 404) {
        throw new CliException("No value found at " + kv.api("metadata"));
      }
      if (r.status() >= 400) {
        client.call("LIST", kv.api("metadata"), null); // throws with the server's message
      }
      JsonNode keys = r.body().path("data").path("keys");
      CliOutput.print(keys, out.format);
      return 0;
    }
  }

  @Command(name = "metadata", mixinStandardHelpOptions = true, description = "Read, write or delete a key's metadata.",
      subcommands = {Metadata.MetaGet.class, Metadata.MetaPut.class, Metadata.MetaDelete.class})
  static final class Metadata {

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Read the metadata and every version's state.")
    static final class MetaGet implements Callable<Integer> {
      @Mixin PathOptions target;
      @Mixin FormatOption out;

      @Override
      public Integer call() {
        CliClient client = CliClient.fromEnvironment();
        KvPath kv = target.resolve(client);
        CliOutput.print(client.call("GET", kv.api("metadata"), null).body().get("data"), out.format);
        return 0;
      }
    }

    @Command(name = "put", mixinStandardHelpOptions = true, description = "Change the key's settings.")
    static final class MetaPut implements Callable<Integer> {
      @Mixin PathOptions target;
      @Option(names = "-max-versions", description = "Versions kept (0: the mount's).") Integer maxVersions;
      @Option(names = "-cas-required", arity = "0..1", fallbackValue = "true", description = "Writes need -cas.") Boolean casRequired;
      @Option(names = "-delete-version-after", description = "Soft-delete versions this long after writing, e.g. 3h.") String deleteAfter;
      @Option(names = "-custom-metadata", description = "key=value, repeatable.") List<String> custom;

      @Override
      public Integer call() {
        CliClient client = CliClient.fromEnvironment();
        KvPath kv = target.resolve(client);
        ObjectNode body = CliClient.JSON.createObjectNode();
        if (maxVersions != null) {
          body.put("max_versions", maxVersions);
        }
        if (casRequired != null) {
          body.put("cas_required", casRequired);
        }
        if (deleteAfter != null) {
          body.put("delete_version_after", deleteAfter);
        }
        if (custom != null) {
          body.set("custom_metadata", CliInputs.keyValues(custom));
        }
        client.call("POST", kv.api("metadata"), body);
        System.out.println("Success! Data written to: " + kv.api("metadata"));
        return 0;
      }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete every version and the metadata.")
    static final class MetaDelete implements Callable<Integer> {
      @Mixin PathOptions target;

      @Override
      public Integer call() {
        CliClient client = CliClient.fromEnvironment();
        KvPath kv = target.resolve(client);
        client.call("DELETE", kv.api("metadata"), null);
        System.out.println("Success! Data deleted (if it existed) at: " + kv.api("metadata"));
        return 0;
      }
    }
  }

}
