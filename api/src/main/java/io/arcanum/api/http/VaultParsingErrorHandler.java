package io.arcanum.api.http;

import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.ParsingErrorHandler;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.scaladsl.model.ErrorInfo;
import org.apache.pekko.http.scaladsl.model.StatusCode;
import org.apache.pekko.http.scaladsl.settings.ServerSettings;

/**
 * Answers requests that Pekko HTTP refuses before they reach the routes (unknown method, request
 * target or header too long, malformed request line) in Vault's error format, {@code {"errors":[...]}}:
 * an unknown method is Vault's 405 {@code unsupported operation}; anything else keeps Pekko's status
 * with a short summary, never internal details.
 */
public final class VaultParsingErrorHandler extends ParsingErrorHandler {

  @Override
  public HttpResponse handle(StatusCode status, ErrorInfo info, LoggingAdapter log, ServerSettings settings) {
    int code = status.intValue();
    String message;
    if (code == 501) {
      code = 405;
      message = "unsupported operation";
    } else {
      message = info.summary() == null || info.summary().isEmpty() ? status.reason() : info.summary();
    }
    return HttpResponse.create().withStatus(code).withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON,
        Json.bytes(VaultResponse.error(new VaultException(code, java.util.List.of(message))).body())));
  }
}
