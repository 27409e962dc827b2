package io.arcanum.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.arcanum.api.ProjectHome;
import io.arcanum.api.http.HttpFront;
import io.arcanum.api.http.TlsSettings;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.stream.Materializer;

/**
 * The HTTP ceiling of the benchmark ({@code load-tests/bench.sh}): a bare Pekko HTTP server that
 * answers every request with a small constant JSON body (the size of a {@code sys/health} answer),
 * doing nothing else. It binds through {@link HttpFront#serverAt}, with the same configuration
 * ({@code application.conf}: {@code pekko.http.server}, TLS from {@code arcanum.tls}) as an Arcanum
 * node, so that whatever separates the two figures is Arcanum's own work.
 *
 * <p>Usage: {@code HttpCeiling host:port}. TLS as a dev server: a fresh self-signed certificate
 * unless {@code arcanum.tls.keystore} is set, plain HTTP with {@code ARCANUM_TLS_DISABLE=true}. Prints
 * {@code listening on <scheme>://host:port} once bound, and runs until SIGTERM.
 */
public final class HttpCeiling {

  private static final byte[] BODY = ("{\"initialized\":true,\"sealed\":false,\"standby\":false,"
      + "\"performance_standby\":false,\"replication_dr_mode\":\"disabled\",\"server_time_utc\":1764496800,"
      + "\"version\":\"1.21.0\",\"cluster_name\":\"arcanum\"}").getBytes(StandardCharsets.UTF_8);

  private HttpCeiling() {}

  /**
   * @param args one argument, the {@code host:port} to bind
   * @throws Exception if the address cannot be bound within 30 s
   */
  public static void main(String[] args) throws Exception {
    if (args.length != 1 || args[0].lastIndexOf(':') <= 0) {
      System.err.println("usage: HttpCeiling host:port");
      System.exit(2);
    }
    io.arcanum.api.AsyncPool.ensureCommonPool(); // as the server's main does
    String hostPort = args[0];
    int colon = hostPort.lastIndexOf(':');
    InetSocketAddress listen = new InetSocketAddress(hostPort.substring(0, colon),
        Integer.parseInt(hostPort.substring(colon + 1)));
    // the node's configuration, as a dev server reads it; a plain local actor system (no cluster)
    Config config = ConfigFactory.parseString("pekko.actor.provider = local\narcanum.dev = true")
        .withFallback(ConfigFactory.load()).resolve();
    TlsSettings.Listener tls = TlsSettings.fromConfig(config, ProjectHome::resolve);
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "http-ceiling", config);
    Materializer materializer = Materializer.matFromSystem(system);
    HttpResponse response = HttpResponse.create()
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, BODY));
    ServerBinding binding = HttpFront.serverAt(system, listen, tls)
        .bind((org.apache.pekko.japi.function.Function<HttpRequest, CompletionStage<HttpResponse>>) request -> {
          request.discardEntityBytes(materializer);
          return CompletableFuture.completedFuture(response);
        })
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
    binding.addToCoordinatedShutdown(java.time.Duration.ofSeconds(5), system);
    System.out.println("listening on " + tls.scheme() + "://" + binding.localAddress().getHostString() + ":"
        + binding.localAddress().getPort());
    System.out.flush();
  }
}
