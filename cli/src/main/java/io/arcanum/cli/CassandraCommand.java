package io.arcanum.cli;

import io.arcanum.localcassandra.LocalCassandra;
import io.arcanum.localcassandra.LocalCassandraException;
import io.arcanum.localcassandra.Settings;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code arcanum cassandra start|stop|status}: the project's local Cassandra node. */
@Command(name = "cassandra", mixinStandardHelpOptions = true,
    description = "Start, stop or inspect the local Cassandra node (state in .arcanum/cassandra).")
final class CassandraCommand implements Callable<Integer> {

  @Parameters(index = "0", description = "start, stop or status")
  String action;

  @Override
  public Integer call() {
    LocalCassandra node = new LocalCassandra(Settings.fromEnvironment());
    try {
      switch (action) {
        case "start":
          System.out.println(node.start());
          return 0;
        case "stop":
          System.out.println(node.stop() ? "Cassandra stopped" : "Cassandra was not running");
          return 0;
        case "status":
          LocalCassandra.Status s = node.status();
          System.out.println(s);
          return s.running() ? 0 : 3;
        default:
          System.err.println("Error: unknown action '" + action + "' (start, stop or status)");
          return 2;
      }
    } catch (LocalCassandraException e) {
      System.err.println("Error: " + e.getMessage());
      return 1;
    }
  }
}
