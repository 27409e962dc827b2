package io.arcanum.api.http;

import io.arcanum.api.audit.AuditRoutes;
import io.arcanum.api.audit.AuditService;
import io.arcanum.api.audit.ForensicsRoutes;
import io.arcanum.api.auth.Authorizer;
import io.arcanum.api.auth.Caller;
import io.arcanum.api.auth.TokenRoutes;
import io.arcanum.api.auth.TokenService;
import io.arcanum.api.http.RouteTable.Access;
import io.arcanum.api.http.RouteTable.Endpoint;
import io.arcanum.api.http.RouteTable.Route;
import io.arcanum.api.kv.KvRoutes;
import io.arcanum.api.kv.MountRouter;
import io.arcanum.api.outcome.Failure;
import io.arcanum.api.sys.KeyRoutes;
import io.arcanum.api.sys.PolicyRoutes;
import io.arcanum.api.sys.SealService;
import io.arcanum.api.sys.SysRoutes;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The path of every request, top to bottom (ARCHITECTURE.md, "The path of a request"), driven by the
 * request's route in the {@link RouteTable}: an open route is served at once (no token; while sealed
 * too, unless it needs the keys); any other passes the seal gate, then authentication (the token
 * store) and, unless any valid token will do, the one authorization step (the node's compiled ACLs,
 * with the route's sudo rule and existence check); then the audit request record (durable before a
 * state-changing request executes, for audited routes); then the route's endpoint, if it serves the
 * operation; then the audit response record, durable before the reply leaves.
 */
public final class VaultRoutes {

  /** The handlers of the endpoints, by area. */
  private final SysRoutes sys;
  private final KeyRoutes keys;
  private final AuditRoutes auditRoutes;
  private final ForensicsRoutes forensics;
  private final PolicyRoutes policies;
  private final TokenRoutes tokenRoutes;
  private final KvRoutes kv;

  private final RouteTable table;
  private final SealService seal;
  private final TokenService tokens;
  private final Authorizer authorizer;
  private final MountRouter mounts;
  private final AuditService audit;

  /**
   * The endpoints' handlers.
   *
   * @param sys seal lifecycle, metrics and mounts
   * @param keys rotation and rekeying
   * @param audit audit devices
   * @param forensics forensics
   * @param policies policies and capabilities
   * @param tokens {@code auth/token/}
   * @param kv the KV v2 mounts
   */
  public record Handlers(SysRoutes sys, KeyRoutes keys, AuditRoutes audit, ForensicsRoutes forensics,
      PolicyRoutes policies, TokenRoutes tokens, KvRoutes kv) {}

  /**
   * @param table every route and what it takes
   * @param seal the seal lifecycle (the gate)
   * @param tokens authentication
   * @param authorizer authorization
   * @param mounts mount resolution
   * @param audit records requests and responses before they go on
   * @param handlers the endpoints' handlers
   */
  public VaultRoutes(RouteTable table, SealService seal, TokenService tokens, Authorizer authorizer,
      MountRouter mounts, AuditService audit, Handlers handlers) {
    this.table = table;
    this.seal = seal;
    this.tokens = tokens;
    this.authorizer = authorizer;
    this.mounts = mounts;
    this.audit = audit;
    this.sys = handlers.sys();
    this.keys = handlers.keys();
    this.auditRoutes = handlers.audit();
    this.forensics = handlers.forensics();
    this.policies = handlers.policies();
    this.tokenRoutes = handlers.tokens();
    this.kv = handlers.kv();
  }

  /**
   * Serves one request. Failures are Vault errors in the stage (or thrown for bad input).
   *
   * @param raw the request
   * @return the response
   */
  public CompletionStage<VaultResponse> handle(VaultRequest raw) {
    VaultRequest req = normalize(raw);
    Route route = table.find(req.path());
    if (route.open()) {
      return open(route, req);
    }
    // a route that is not counted in flight (sys/seal) only needs the node unsealed: the seal it asks
    // for waits for the others to finish
    boolean counted = route.counted();
    if (counted ? !seal.enter() : !seal.isUnsealed()) {
      return CompletableFuture.failedFuture(VaultException.sealed());
    }
    CompletionStage<VaultResponse> served;
    try {
      VaultRequest.Operation op = req.operation(); // an unknown method is a 405 before anything else
      served = serve(req, route, op).exceptionally(e -> {
        // a request caught by a seal in flight answers as sealed, not with a storage timeout
        if (!seal.isUnsealed()) {
          throw VaultException.sealed();
        }
        return Replies.rethrow(e);
      });
    } catch (RuntimeException e) {
      if (counted) {
        seal.leave();
      }
      throw e;
    }
    return counted ? served.whenComplete((r, e) -> seal.leave()) : served;
  }

  /**
   * Policy names are case-insensitive and stored lower-case: the path is lower-cased before the ACL
   * sees it, so that {@code sys/policies/acl/ADMIN} cannot slip past a rule on {@code .../admin}.
   */
  private static VaultRequest normalize(VaultRequest req) {
    String p = req.path();
    for (String prefix : new String[] {"sys/policies/acl/", "sys/policy/"}) {
      if (p.startsWith(prefix) && !p.equals(p.toLowerCase(Locale.ROOT))) {
        return new VaultRequest(req.requestId(), req.method(), prefix + p.substring(prefix.length()).toLowerCase(Locale.ROOT),
            req.query(), req.token(), req.body(), req.contentType(), req.remoteAddress());
      }
    }
    return req;
  }

  /** An open route: no token, no audit; one that needs the keys answers 503 while sealed. */
  private CompletionStage<VaultResponse> open(Route route, VaultRequest req) {
    if (route.access() == Access.OPEN_UNSEALED && !seal.isUnsealed()) {
      throw VaultException.sealed();
    }
    requireServed(route, req.operation());
    return endpoint(route.endpoint(), req, null);
  }

  /**
   * A route chosen and authorized, not run yet. It is given {@code recorded}, which completes once the
   * request's audit record is durable (at once for requests recorded after they run: reads, or when
   * auditing is off); a route may prepare what no client can see meanwhile, but changes nothing
   * before it completes.
   */
  @FunctionalInterface
  private interface Run {
    CompletionStage<Served> run(CompletionStage<Void> recorded);
  }

  private CompletionStage<VaultResponse> serve(VaultRequest req, Route route, VaultRequest.Operation op) {
    boolean audited = audit.enabled() && route.audited();
    return tokens.authenticate(req.token())
        .handle((caller, authFailure) -> {
          if (authFailure != null) {
            return audited(req, null, CompletableFuture.failedFuture(authFailure), DONE, audited);
          }
          CompletionStage<Run> authorized = authorize(req, route, caller);
          if (!audited || AuditService.readOnly(op)) {
            return audited(req, caller, authorized.thenCompose(run -> run(run, DONE)), DONE, audited);
          }
          // a request that may change state is recorded before it changes anything; the route may
          // prepare meanwhile
          // once the request record is started, only its own outcome says whether it was written (a route
          // that fails at once must not make the response record stand for a request record that exists);
          // a request refused before that has none
          CompletableFuture<Boolean> recorded = new CompletableFuture<>();
          java.util.concurrent.atomic.AtomicBoolean started = new java.util.concurrent.atomic.AtomicBoolean();
          CompletionStage<Served> executed = authorized.thenCompose(run -> {
            CompletionStage<Void> record = audit.recordRequest(req, caller); // if this throws, none started
            started.set(true);
            record.whenComplete((v, e) -> recorded.complete(e == null));
            return run(run, record);
          });
          return audited(req, caller, executed.whenComplete((r, e) -> {
            if (!started.get()) {
              recorded.complete(false);
            }
          }), recorded, audited);
        })
        .thenCompose(stage -> stage);
  }

  private static final CompletionStage<Boolean> DONE = CompletableFuture.completedFuture(false);

  private static CompletionStage<Served> run(Run run, CompletionStage<?> recorded) {
    try {
      return run.run(recorded.thenApply(v -> (Void) null));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e); // bad input found while parsing: changes nothing
    }
  }

  /**
   * Authorizes a request as its route says (any valid token, or the ACL with the route's sudo rule
   * and existence check), without running it yet.
   *
   * @return what runs once the request may go on
   */
  private CompletionStage<Run> authorize(VaultRequest req, Route route, Caller caller) {
    if (route.endpoint() != Endpoint.SECRETS) {
      CompletionStage<Void> allowed = route.access() == Access.ANY_TOKEN
          ? CompletableFuture.completedFuture(null)
          : authorizer.authorize(caller, req, exists(route, Optional.empty()));
      return allowed.thenApply(ok -> recorded -> recorded.thenCompose(v -> {
        requireServed(route, req.operation());
        return Served.of(endpoint(route.endpoint(), req, caller));
      }));
    }
    return mounts.resolve(req.path()).thenCompose(resolved -> {
      // authorize first, so that an unauthorized caller cannot tell mounted from unmounted paths
      CompletionStage<Void> allowed = authorizer.authorize(caller, req, exists(route, resolved));
      if (resolved.isEmpty()) {
        return allowed.thenApply(ok -> recorded -> CompletableFuture.failedFuture(VaultException.noHandler(req.path())));
      }
      MountRouter.Resolved r = resolved.get();
      return allowed.thenApply(ok -> recorded -> kv.handle(req, caller, r.mount(), r.relativePath(), recorded));
    });
  }

  /** The route's existence check, for a write the ACL allows only as create or only as update. */
  private Supplier<CompletionStage<Boolean>> exists(Route route, Optional<MountRouter.Resolved> mount) {
    switch (route.existence()) {
      case SECRET:
        if (mount.isEmpty()) {
          return () -> CompletableFuture.completedFuture(false); // nothing is mounted, so nothing exists
        }
        MountRouter.Resolved r = mount.get();
        return () -> kv.exists(r.mount(), r.relativePath());
      default:
        return () -> CompletableFuture.completedFuture(true);
    }
  }

  private static void requireServed(Route route, VaultRequest.Operation op) {
    if (!route.serves(op)) {
      throw VaultException.unsupportedOperation();
    }
  }

  /** Runs the endpoint of a route (any but {@link Endpoint#SECRETS}, which needs its mount). */
  private CompletionStage<VaultResponse> endpoint(Endpoint endpoint, VaultRequest req, Caller caller) {
    return switch (endpoint) {
      case INIT -> sys.init(req);
      case UNSEAL -> sys.unseal(req);
      case SEAL_STATUS -> sys.sealStatus(req);
      case HEALTH -> sys.health(req);
      case REKEY_INIT -> keys.rekeyInit(req);
      case REKEY_UPDATE -> keys.rekeyUpdate(req);
      case SEAL -> sys.seal(req);
      case METRICS -> sys.metrics(req);
      case MOUNTS -> sys.mounts(req);
      case MOUNT -> sys.mount(req);
      case MOUNT_TUNE -> sys.tune(req);
      case UI_MOUNTS -> authorizer.acl(caller).thenCompose(acl -> sys.internalUiMounts(req, acl));
      case AUDIT_DEVICES -> auditRoutes.devices(req);
      case AUDIT_DEVICE -> auditRoutes.device(req);
      case AUDIT_HASH -> auditRoutes.hash(req);
      case FORENSICS_VERIFY -> forensics.verify(req);
      case FORENSICS_TIMELINE -> forensics.timeline(req);
      case FORENSICS_STATE -> forensics.state(req);
      case ROTATE -> keys.rotate(req);
      case ROTATE_CONFIG -> keys.rotationConfig(req);
      case KEY_STATUS -> keys.keyStatus(req);
      case POLICIES -> policies.list(req, false);
      case POLICY -> policies.policy(req, false);
      case LEGACY_POLICIES -> policies.list(req, true);
      case LEGACY_POLICY -> policies.policy(req, true);
      case CAPABILITIES -> policies.capabilities(req, caller, false);
      case CAPABILITIES_SELF -> policies.capabilities(req, caller, true);
      case TOKEN_CREATE -> tokenRoutes.create(req, caller, false);
      case TOKEN_CREATE_ORPHAN -> tokenRoutes.create(req, caller, true);
      case TOKEN_LOOKUP_SELF -> tokenRoutes.lookupSelf(req, caller);
      case TOKEN_LOOKUP -> tokenRoutes.lookup(req);
      case TOKEN_LOOKUP_ACCESSOR -> tokenRoutes.lookupAccessor(req);
      case TOKEN_RENEW_SELF -> tokenRoutes.renewSelf(req, caller);
      case TOKEN_RENEW -> tokenRoutes.renew(req);
      case TOKEN_REVOKE_SELF -> tokenRoutes.revokeSelf(req, caller);
      case TOKEN_REVOKE -> tokenRoutes.revoke(req, false);
      case TOKEN_REVOKE_ORPHAN -> tokenRoutes.revoke(req, true);
      case TOKEN_REVOKE_ACCESSOR -> tokenRoutes.revokeAccessor(req);
      case SECRETS -> throw new IllegalStateException("a mount's routes are served with their mount");
      case NONE -> throw VaultException.noHandler(req.path());
    };
  }

  /**
   * Records the response (and the request, unless it was recorded before execution) while the route's
   * remaining work settles, and replies once both are done. A reply that may carry secret material
   * leaves only once its record is durable; when the record cannot be made durable, the reply is that
   * failure instead (fail closed). A reply that carries none (a KV change's: a version's metadata or no
   * content), whose request record is durable, leaves once the change settled, its response record
   * still being written. An error reply (no secret material) waits for its record at most
   * {@link #ERROR_RECORD_WAIT}, so that a storage outage fails requests fast.
   */
  private CompletionStage<VaultResponse> audited(VaultRequest req, Caller caller, CompletionStage<Served> outcome,
      CompletionStage<Boolean> requestRecorded, boolean audited) {
    if (!audited) {
      return outcome.thenCompose(served -> served.settled().thenApply(v -> served.response()));
    }
    return outcome.handle((served, failure) -> requestRecorded.thenCompose(recorded -> {
      if (failure != null) {
        VaultException error = Replies.toVaultOrInternal(failure);
        if (unwrap(failure) instanceof Failure.AuditFailed) {
          return CompletableFuture.<VaultResponse>failedFuture(failure); // the request record itself failed
        }
        return errorRecorded(audit.recordResponse(req, caller, null, error, !recorded))
            .thenApply(v -> Replies.<VaultResponse>rethrow(failure));
      }
      CompletableFuture<Void> record = audit.recordResponse(req, caller, served.response(), null, !recorded)
          .toCompletableFuture();
      CompletableFuture<Void> settled = served.settled().toCompletableFuture();
      if (!served.carriesSecret() && recorded) {
        // no secret material in the reply, and the request record is durable: the reply need not wait for
        // the response record (it is written all the same; one that fails is counted and logged)
        record.whenComplete((v, e) -> {
          if (e != null) {
            audit.responseNotRecorded(req);
          }
        });
        return settled.handle((v, e) -> {
          if (e == null) {
            return CompletableFuture.completedFuture(served.response());
          }
          Throwable unsettled = unwrap(e);
          return errorRecorded(audit.recordResponse(req, caller, null, Replies.toVaultOrInternal(unsettled), false))
              .thenApply(x -> Replies.<VaultResponse>rethrow(unsettled));
        }).thenCompose(stage -> stage);
      }
      return CompletableFuture.allOf(record, settled).handle((v, e) -> {
        if (!settled.isCompletedExceptionally() && record.isCompletedExceptionally()) {
          // served, but its response could not be recorded: the reply is withheld
          throw new Failure.AuditFailed(!AuditService.readOnly(req.operation()));
        }
        if (settled.isCompletedExceptionally()) {
          // the change was made but not completed: the client gets that error, and it is recorded too
          Throwable unsettled = unwrap(settled.handle((x, err) -> err).join());
          return errorRecorded(audit.recordResponse(req, caller, null, Replies.toVaultOrInternal(unsettled), false))
              .thenApply(x -> Replies.<VaultResponse>rethrow(unsettled));
        }
        return CompletableFuture.completedFuture(served.response());
      }).thenCompose(stage -> stage);
    })).thenCompose(stage -> stage);
  }

  /** How long an error reply waits for its response record before it leaves anyway. */
  static final java.time.Duration ERROR_RECORD_WAIT = java.time.Duration.ofMillis(500);

  private static CompletionStage<Void> errorRecorded(CompletionStage<Void> record) {
    return record.toCompletableFuture()
        .completeOnTimeout(null, ERROR_RECORD_WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
        .exceptionally(e -> null);
  }

  private static Throwable unwrap(Throwable t) {
    return t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
  }
}
