package io.arcanum.api.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpMethod;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.RequestEntityAcceptances;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.stream.Materializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns Pekko HTTP requests into {@link VaultRequest}s and {@link VaultResponse}s back into HTTP:
 * the {@code /v1/} prefix, the token headers, the non-standard {@code LIST} method, JSON bodies
 * whatever their content type, and the Vault error body for every failure. A client mistake is never
 * a 500; an unexpected failure is logged (without request data) and answered with a 500.
 */
public final class HttpFront {

  private static final Logger LOG = LoggerFactory.getLogger(HttpFront.class);

  /** The non-standard LIST method Vault clients send. */
  public static final HttpMethod LIST =
      HttpMethods.custom("LIST", true, true, RequestEntityAcceptances.Tolerated);

  /** Vault's request body limit: 32 MiB. */
  public static final long MAX_BODY_BYTES = 32L * 1024 * 1024;

  /** Prometheus' text exposition format is plain UTF-8 text. */
  private static final org.apache.pekko.http.javadsl.model.ContentType.WithCharset PROMETHEUS = ContentTypes.TEXT_PLAIN_UTF8;

  private final VaultRoutes routes;
  private io.arcanum.api.metrics.Metrics metrics;
  private volatile io.arcanum.api.sys.StorageGate storageGate;
  private final Materializer materializer;
  private final Duration bodyTimeout;

  /**
   * @param system the actor system
   * @param routes the routes
   * @param bodyTimeout how long to wait for a request body
   */
  public HttpFront(ActorSystem<?> system, VaultRoutes routes, Duration bodyTimeout) {
    this.routes = routes;
    this.materializer = Materializer.matFromSystem(system);
    this.bodyTimeout = bodyTimeout;
  }

  /**
   * @param m where request counts and latencies are recorded
   * @return this
   */
  public HttpFront withMetrics(io.arcanum.api.metrics.Metrics m) {
    this.metrics = m;
    return this;
  }

  /**
   * @param g fails requests that need storage at once while storage is unavailable
   *     ({@link io.arcanum.api.sys.StorageGate})
   * @return this
   */
  public HttpFront withStorageGate(io.arcanum.api.sys.StorageGate g) {
    this.storageGate = g;
    return this;
  }

  /**
   * The HTTP server every Arcanum listener uses: Pekko HTTP's {@code pekko.http.server} settings from
   * the configuration, the {@code LIST} method, and HTTPS when the listener has a TLS context. The
   * benchmark's bare route ({@code io.arcanum.bench.HttpCeiling}) binds through this too, so both
   * are measured with the same server settings.
   *
   * @param system the actor system whose configuration holds {@code pekko.http.server}
   * @param listen the address to bind (port 0 picks a free port)
   * @param tls the listener's TLS settings ({@link TlsSettings#fromConfig})
   * @return a server builder, ready to {@code bind}
   */
  public static org.apache.pekko.http.javadsl.ServerBuilder serverAt(ActorSystem<?> system,
      java.net.InetSocketAddress listen, TlsSettings.Listener tls) {
    org.apache.pekko.http.javadsl.settings.ParserSettings parser =
        org.apache.pekko.http.javadsl.settings.ParserSettings.forServer(system).withCustomMethods(LIST);
    org.apache.pekko.http.javadsl.settings.ServerSettings settings =
        org.apache.pekko.http.javadsl.settings.ServerSettings.create(system.classicSystem()).withParserSettings(parser);
    org.apache.pekko.http.javadsl.ServerBuilder server = org.apache.pekko.http.javadsl.Http.get(system)
        .newServerAt(listen.getHostString(), listen.getPort())
        .withSettings(settings);
    return tls.https() != null ? server.enableHttps(tls.https()) : server;
  }

  /**
   * Serves one HTTP request and records its status and latency.
   *
   * @param http the request
   * @return the response
   */
  public CompletionStage<HttpResponse> handle(HttpRequest http) {
    long start = System.nanoTime();
    return serve(http).whenComplete((resp, e) -> {
      if (metrics != null && resp != null) {
        String path = http.getUri().path();
        String area = path.startsWith("/v1/sys/") ? "sys" : path.startsWith("/v1/auth/") ? "auth"
            : path.startsWith("/v1/") ? "kv" : "other";
        metrics.request(area, http.method().value().toLowerCase(java.util.Locale.ROOT), resp.status().intValue(),
            java.time.Duration.ofNanos(System.nanoTime() - start));
      }
    });
  }

  private CompletionStage<HttpResponse> serve(HttpRequest http) {
    String requestId = UUID.randomUUID().toString();
    String rawPath = http.getUri().path();
    if (!rawPath.startsWith("/v1/")) {
      http.discardEntityBytes(materializer);
      return CompletableFuture.completedFuture(render(VaultResponse.error(VaultException.notFound())));
    }
    if (http.getHeader("X-Vault-Wrap-TTL").isPresent()) {
      http.discardEntityBytes(materializer);
      return CompletableFuture.completedFuture(render(VaultResponse.error(
          VaultException.badRequest("response wrapping is not supported by this server"))));
    }
    // the size limit fails an oversized body with EntityStreamSizeException (a 413 below); toStrict's own
    // limit is not used, since it fails with a plain EntityStreamException told apart only by its message
    return http.entity().withSizeLimit(MAX_BODY_BYTES).toStrict(bodyTimeout.toMillis(), Long.MAX_VALUE, materializer)
        .exceptionally(e -> {
          Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
          if (t instanceof java.util.concurrent.TimeoutException) {
            // a client that stops sending its body: its fault, not storage's
            throw new VaultException(408, java.util.List.of("request body was not received in time"));
          }
          throw e instanceof CompletionException ce ? ce : new CompletionException(t);
        })
        .thenCompose(strict -> {
          String method = http.method().value();
          // as Vault, bodies of reads are ignored
          boolean readsOnly = method.equals("GET") || method.equals("HEAD") || method.equals("LIST");
          VaultRequest req = new VaultRequest(requestId, method, decodePath(rawPath.substring(4)),
              query(http), token(http), readsOnly ? null : Json.parseBody(strict.getData().toArray()),
              strict.getContentType().mediaType().toString(),
              http.getAttribute(AttributeKeys.remoteAddress)
                  .flatMap(a -> a.getAddress()).map(a -> a.getHostAddress()).orElse(""));
          io.arcanum.api.sys.StorageGate gate = storageGate;
          boolean reads = method.equals("GET") || method.equals("HEAD") || method.equals("LIST");
          return gate == null ? routes.handle(req) : gate.guard(req.path(), !reads, () -> routes.handle(req));
        })
        .handle((resp, failure) -> {
          if (failure == null) {
            return render(resp);
          }
          return render(VaultResponse.error(toVault(failure, requestId)));
        });
  }

  private static VaultException toVault(Throwable failure, String requestId) {
    Throwable t = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    if (t instanceof EntityStreamSizeException) {
      return new VaultException(413, java.util.List.of("request body too large"));
    }
    VaultException v = Replies.toVault(t);
    if (v != null) {
      if (v.status() == 500) {
        LOG.warn("request {} failed: {}", requestId, v.getMessage());
      }
      return v;
    }
    LOG.error("request {} failed unexpectedly: {}", requestId, t.getClass().getName(), t);
    return VaultException.internal("internal error");
  }

  private static HttpResponse render(VaultResponse r) {
    // Vault lets clients pick any status for sys/health (e.g. sealedcode=299): register unknown ones.
    StatusCode status = StatusCodes.lookup(r.status()).orElseGet(() -> StatusCodes.custom(r.status(),
        "Status " + r.status(), "", r.status() < 400, true));
    HttpResponse resp = HttpResponse.create().withStatus(status);
    if (r.text() != null) {
      return resp.withEntity(HttpEntities.create(PROMETHEUS, r.text()));
    }
    if (r.status() == 204) {
      // Vault names application/json even on a 204 without body, and some clients (vault-java-driver's
      // seal) check it; an empty strict entity carries the content type and no bytes
      return resp.withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, new byte[0]));
    }
    if (r.body() == null || !status.allowsEntity()) {
      return resp; // a status that carries no body
    }
    return resp.withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, Json.bytes(r.body())));
  }

  /**
   * Percent-decodes a request path as Go's URL.Path does (a '+' stays a '+'), and refuses dot
   * segments, so that ACL checks, routes and stored keys all see the same path.
   *
   * @param raw the raw path after /v1/
   * @return the decoded path
   * @throws VaultException 400 when it is not valid percent-encoded UTF-8 or has dot segments
   */
  static String decodePath(String raw) {
    String path = raw;
    if (raw.indexOf('%') >= 0) {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      for (int i = 0; i < raw.length(); i++) {
        char c = raw.charAt(i);
        if (c == '%') {
          if (i + 2 >= raw.length()) {
            throw VaultException.badRequest("invalid path: bad percent-encoding");
          }
          try {
            out.write(Integer.parseInt(raw.substring(i + 1, i + 3), 16));
          } catch (NumberFormatException e) {
            throw VaultException.badRequest("invalid path: bad percent-encoding");
          }
          i += 2;
        } else {
          byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
          out.write(b, 0, b.length);
        }
      }
      java.nio.charset.CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder();
      try {
        path = dec.decode(java.nio.ByteBuffer.wrap(out.toByteArray())).toString();
      } catch (java.nio.charset.CharacterCodingException e) {
        throw VaultException.badRequest("invalid path: not UTF-8");
      }
    }
    for (String seg : path.split("/", -1)) {
      if (seg.equals(".") || seg.equals("..")) {
        throw VaultException.badRequest("invalid path: relative path segments are not allowed");
      }
    }
    return path;
  }

  private static Map<String, String> query(HttpRequest http) {
    Map<String, String> q = new HashMap<>();
    Optional<String> raw = http.getUri().rawQueryString();
    if (raw.isPresent()) {
      for (String pair : raw.get().split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String k = eq < 0 ? pair : pair.substring(0, eq);
        String v = eq < 0 ? "" : pair.substring(eq + 1);
        try {
          q.putIfAbsent(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
          throw VaultException.badRequest("invalid query string");
        }
      }
    }
    return q;
  }

  private static String token(HttpRequest http) {
    Optional<HttpHeader> vaultToken = http.getHeader("X-Vault-Token");
    if (vaultToken.isPresent() && !vaultToken.get().value().isEmpty()) {
      return vaultToken.get().value().trim();
    }
    Optional<HttpHeader> auth = http.getHeader("Authorization");
    if (auth.isPresent()) {
      String v = auth.get().value().trim();
      if (v.regionMatches(true, 0, "Bearer ", 0, 7)) {
        return v.substring(7).trim();
      }
    }
    return null;
  }

}
