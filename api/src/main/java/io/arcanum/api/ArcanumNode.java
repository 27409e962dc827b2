package io.arcanum.api;

import com.typesafe.config.Config;
import io.arcanum.api.audit.AuditDeviceRunner;
import io.arcanum.api.audit.AuditRoutes;
import io.arcanum.api.audit.ForensicsRoutes;
import io.arcanum.projections.forensics.Forensics;
import io.arcanum.api.audit.AuditService;
import io.arcanum.domain.audit.AuditDevices;
import io.arcanum.projections.audit.AuditDelivery;
import io.arcanum.api.auth.Authorizer;
import io.arcanum.domain.audit.AuditLog;
import io.arcanum.api.auth.PolicyCache;
import io.arcanum.api.auth.TokenRoutes;
import io.arcanum.api.auth.TokenService;
import io.arcanum.api.sys.PolicyRoutes;
import io.arcanum.domain.policy.PolicyStore;
import io.arcanum.domain.token.TokenAccessor;
import io.arcanum.api.http.HttpFront;
import io.arcanum.api.http.RouteTable;
import io.arcanum.api.http.VaultRoutes;
import io.arcanum.api.kv.KvRoutes;
import io.arcanum.api.kv.MountPurger;
import io.arcanum.api.metrics.Metrics;
import io.arcanum.api.kv.MountRouter;
import io.arcanum.api.sys.EntityStopper;
import io.arcanum.api.sys.SealService;
import io.arcanum.api.sys.ServerInfo;
import io.arcanum.api.sys.StorageGate;
import io.arcanum.api.sys.StorageHealth;
import io.arcanum.api.sys.SysRoutes;
import io.arcanum.domain.kv.KvSecret;
import io.arcanum.domain.mount.MountTable;
import io.arcanum.domain.seal.KeyringStore;
import io.arcanum.domain.token.TokenEntry;
import io.arcanum.persistence.BarrierExtension;
import io.arcanum.persistence.JournalConfig;
import io.arcanum.api.sys.KeyRoutes;
import io.arcanum.api.sys.KeyringService;
import io.arcanum.api.sys.RekeyService;
import io.arcanum.api.http.TlsSettings;
import io.arcanum.persistence.kv.DataKeyStore;
import io.arcanum.api.kv.KvService;
import io.arcanum.domain.kv.KvProtocol;
import io.arcanum.persistence.kv.FolderGuard;
import io.arcanum.persistence.kv.KvListing;
import io.arcanum.persistence.kv.ListingIntents;
import io.arcanum.persistence.kv.ListingTable;
import io.arcanum.projections.listing.ListingRepair;
import org.apache.pekko.projection.cassandra.javadsl.CassandraProjection;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.cluster.typed.SingletonActor;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Arcanum node: the actor system (a Pekko cluster, joining itself when no seed nodes are
 * configured), the sharded entities, the seal lifecycle and the HTTP API bound to its address.
 * {@link #stop()} (and SIGTERM, through Pekko's coordinated shutdown) stops accepting connections,
 * lets in-flight requests finish, hands off the entities and terminates.
 */
public final class ArcanumNode {

  private static final Logger LOG = LoggerFactory.getLogger(ArcanumNode.class);

  private final ActorSystem<Void> system;
  private final SealService seal;
  private final MountRouter mounts;
  private final ServerBinding binding;
  private final TlsSettings.Listener listener;

  private ArcanumNode(ActorSystem<Void> system, SealService seal, MountRouter mounts, ServerBinding binding,
      TlsSettings.Listener listener) {
    this.listener = listener;
    this.system = system;
    this.seal = seal;
    this.mounts = mounts;
    this.binding = binding;
  }

  /**
   * Starts a node and binds its HTTP API.
   *
   * @param config the application configuration ({@code arcanum} and {@code pekko} sections)
   * @param journal where the journal lives; put in front of {@code config}
   * @param listen the HTTP address to bind (port 0 picks a free port)
   * @return the running node
   * @throws IllegalStateException if TLS is not configured (see {@link TlsSettings}) or the HTTP
   *     address cannot be bound within 30 s
   */
  public static ArcanumNode start(Config config, JournalConfig journal, InetSocketAddress listen) {
    if (java.util.concurrent.ForkJoinPool.getCommonPoolParallelism() < 2) {
      LOG.warn("the JVM's common pool has parallelism 1: every async callback will start a thread. Start the JVM "
          + "with -D{}=2 (bin/arcanum does)", AsyncPool.PARALLELISM);
    }
    Config full = journal.toPekkoConfig().withFallback(config).resolve();
    TlsSettings.Listener tls = TlsSettings.fromConfig(full, ProjectHome::resolve);
    journal.ensureKeyspace();
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "arcanum", full);
    try {
      createJournalTables(system);
      Cluster cluster = Cluster.get(system);
      if (full.getStringList("pekko.cluster.seed-nodes").isEmpty()) {
        cluster.manager().tell(Join.create(cluster.selfMember().address()));
      }
      Duration timeout = full.getDuration("arcanum.ask-timeout");
      Clock clock = Clock.systemUTC();
      ClusterSharding sharding = ClusterSharding.get(system);
      int snapshotEvery = full.getInt("arcanum.kv.snapshot-every");
      sharding.init(Entity.of(KvSecret.TYPE_KEY, ctx -> KvSecret.create(ctx.getEntityId(), clock, snapshotEvery))
          .withStopMessage(KvProtocol.Stop.INSTANCE));
      sharding.init(Entity.of(TokenEntry.TYPE_KEY, ctx -> TokenEntry.create(ctx.getEntityId(), clock))
          .withStopMessage(TokenEntry.Stop.INSTANCE));
      sharding.init(Entity.of(TokenAccessor.TYPE_KEY, ctx -> TokenAccessor.create(ctx.getEntityId()))
          .withStopMessage(TokenAccessor.Stop.INSTANCE));
      sharding.init(Entity.of(PolicyStore.TYPE_KEY, ctx -> PolicyStore.create())
          .withStopMessage(PolicyStore.Stop.INSTANCE));
      sharding.init(Entity.of(AuditLog.TYPE_KEY, ctx -> AuditLog.create(ctx.getEntityId())));
      sharding.init(Entity.of(AuditDevices.TYPE_KEY, ctx -> AuditDevices.create())
          .withStopMessage(AuditDevices.Stop.INSTANCE));
      AuditDelivery delivery = new AuditDelivery();
      AuditService audit = new AuditService(sharding, BarrierExtension.get(system).barrier(),
          full.getInt("arcanum.audit.streams"), clock, timeout, delivery, full.getBoolean("arcanum.audit.enabled"));
      if (!audit.enabled()) {
        LOG.warn("AUDIT IS OFF (arcanum.audit.enabled = false): requests are not recorded. "
            + "This setting exists only to measure what auditing costs.");
      }
      AuditDeviceRunner auditDevices = new AuditDeviceRunner(system, delivery, timeout, full.getInt("arcanum.audit.streams"));
      sharding.init(Entity.of(MountTable.TYPE_KEY, ctx -> MountTable.create())
          .withStopMessage(MountTable.Stop.INSTANCE));
      ActorRef<KeyringStore.Command> keyringStore =
          ClusterSingleton.get(system).init(SingletonActor.of(KeyringStore.create(), "keyring-store"));

      EntityStopper stopper = new EntityStopper(system, List.of(
          new EntityStopper.StoppableType<>(KvSecret.TYPE_KEY, KvProtocol.Stop.INSTANCE),
          new EntityStopper.StoppableType<>(TokenEntry.TYPE_KEY, TokenEntry.Stop.INSTANCE),
          new EntityStopper.StoppableType<>(MountTable.TYPE_KEY, MountTable.Stop.INSTANCE),
          new EntityStopper.StoppableType<>(TokenAccessor.TYPE_KEY, TokenAccessor.Stop.INSTANCE),
          new EntityStopper.StoppableType<>(PolicyStore.TYPE_KEY, PolicyStore.Stop.INSTANCE),
          new EntityStopper.StoppableType<>(AuditDevices.TYPE_KEY, AuditDevices.Stop.INSTANCE)), timeout);
      MountRouter mounts = new MountRouter(sharding, timeout);
      TokenService tokens = new TokenService(sharding, timeout);
      PolicyCache policyCache = new PolicyCache(system, timeout);
      RouteTable routeTable = RouteTable.vault(full.getBoolean("arcanum.metrics.unauthenticated"));
      Authorizer authorizer = new Authorizer(policyCache, routeTable);
      CassandraSession session = CassandraSessionRegistry.get(system)
          .sessionFor("pekko.projection.cassandra.session-config");
      DataKeyStore dataKeys = new DataKeyStore(session, journal.keyspace(), BarrierExtension.get(system).barrier(),
          full.getLong("arcanum.kv.cached-data-keys"));
      dataKeys.createTable().toCompletableFuture().get(60, TimeUnit.SECONDS);
      // keys of pruned versions wait at most DataKeyStore.PENDING_AT_MOST (5 s) to be forgotten in storage,
      // checked every second (DataKeyStore.forgetSoon)
      system.scheduler().scheduleWithFixedDelay(Duration.ofSeconds(1), Duration.ofSeconds(1),
          () -> dataKeys.flushPending(), system.executionContext());
      // a node that stops forgets the keys it made ahead and did not use, before its session closes
      CoordinatedShutdown.get(system.classicSystem()).addTask(CoordinatedShutdown.PhaseServiceStop(),
          "forget-unused-data-keys", dataKeys::clear);
      SealService seal = new SealService(system, keyringStore, tokens, () -> {
        mounts.clear();
        dataKeys.clear();
        policyCache.invalidate();
        audit.drop();
        auditDevices.stopAll();
      }, auditDevices::reconcile, BarrierExtension.get(system).barrier(), stopper, timeout, clock);
      ListingTable listingTable = new ListingTable(session, journal.keyspace());
      listingTable.createTable().toCompletableFuture().get(60, TimeUnit.SECONDS);
      ListingIntents intents = new ListingIntents(session, journal.keyspace(), clock);
      intents.createTable().toCompletableFuture().get(60, TimeUnit.SECONDS);
      sharding.init(Entity.of(FolderGuard.TYPE_KEY,
          ctx -> FolderGuard.create(ctx.getEntityId(), listingTable, sharding, timeout)));
      KvListing listing = new KvListing(sharding, listingTable, timeout);
      CassandraProjection.createTablesIfNotExists(system).toCompletableFuture().get(60, TimeUnit.SECONDS);
      ServerInfo info = new ServerInfo(ServerInfo.DEFAULT.version(), ServerInfo.DEFAULT.buildDate(),
          full.getString("arcanum.cluster-name"), ServerInfo.DEFAULT.storageType());
      RekeyService rekey = new RekeyService(seal);
      seal.alsoOnSeal(rekey::cancel); // shares given to a rekey do not outlive the seal
      KeyRoutes keyRoutes = new KeyRoutes(
          new KeyringService(system, seal, BarrierExtension.get(system).barrier(), clock),
          rekey, full.getLong("arcanum.keyring.min-rotation-operations"),
          full.getDuration("arcanum.keyring.min-rotation-interval"));
      SysRoutes sysRoutes = new SysRoutes(seal, mounts, new MountPurger(system, listingTable, dataKeys), info, clock);
      KvService kv = new KvService(sharding, dataKeys, listing, intents, timeout);
      KvRoutes kvRoutes = new KvRoutes(kv, mounts);
      new ListingRepair(system, intents, listing, timeout, full.getDuration("arcanum.kv.listing-repair-after"), clock,
          seal::isUnsealed).start(full.getDuration("arcanum.kv.listing-repair-interval"));
      VaultRoutes routes = new VaultRoutes(routeTable, seal, tokens, authorizer, mounts, audit,
          new VaultRoutes.Handlers(sysRoutes, keyRoutes, new AuditRoutes(auditDevices, audit, clock),
              new ForensicsRoutes(new Forensics(system, dataKeys, full.getInt("arcanum.audit.streams")), mounts, clock),
              new PolicyRoutes(policyCache, tokens), new TokenRoutes(tokens, authorizer, policyCache, clock), kvRoutes));
      Metrics metrics = new Metrics(() -> !seal.isUnsealed());
      kv.onJournalWrite(d -> metrics.journalWrite("kv", d));
      io.arcanum.domain.barrier.Barrier barrier = BarrierExtension.get(system).barrier();
      metrics.keyring(() -> activeTerm(barrier), () -> barrier.encryptions(activeTerm(barrier)));
      io.arcanum.api.metrics.EntityCounts.start(system, metrics,
          List.of(KvSecret.TYPE_KEY, TokenEntry.TYPE_KEY, TokenAccessor.TYPE_KEY, AuditLog.TYPE_KEY));
      audit.useMetrics(metrics);
      auditDevices.useMetrics(metrics);
      sysRoutes.withMetrics(metrics);
      StorageHealth storage = new StorageHealth(system, full.getDuration("arcanum.storage-probe.interval"),
          full.getDuration("arcanum.storage-probe.timeout"), full.getInt("arcanum.storage-probe.failures"), clock);
      Runnable probeFailed = metrics.storage(storage::available);
      storage.onProbe(ok -> {
        if (!ok) {
          probeFailed.run();
        }
      });
      storage.start(system);
      sysRoutes.withStorageHealth(storage);
      HttpFront front = new HttpFront(system, routes, Duration.ofSeconds(30)).withMetrics(metrics);
      if (full.getBoolean("arcanum.storage-probe.fail-fast")) {
        boolean openMetrics = full.getBoolean("arcanum.metrics.unauthenticated");
        front.withStorageGate(new StorageGate(storage, seal::isUnsealed, path -> openMetrics && path.equals("sys/metrics")));
      }

      ServerBinding binding = HttpFront.serverAt(system, listen, tls)
          .bind(front::handle)
          .toCompletableFuture()
          .get(30, TimeUnit.SECONDS);
      binding.addToCoordinatedShutdown(Duration.ofSeconds(10), system);
      LOG.info("listening on {}://{}:{}", tls.scheme(), binding.localAddress().getHostString(),
          binding.localAddress().getPort());
      return new ArcanumNode(system, seal, mounts, binding, tls);
    } catch (Exception e) {
      system.terminate();
      throw new IllegalStateException("could not start the node: " + e.getMessage(), e);
    }
  }

  /**
   * Lets the persistence plugin create its tables (tables-autocreate) before any entity uses the journal.
   * The plugin creates them when its session first opens, inside the first journal or snapshot call, which
   * the circuit breakers time out after 2 s (reference.conf): schema changes take longer than that.
   */
  private static void createJournalTables(ActorSystem<Void> system) throws Exception {
    org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal query =
        org.apache.pekko.persistence.query.PersistenceQuery.get(system).getReadJournalFor(
            org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal.class,
            org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal.Identifier());
    // the session shared by the journal, the snapshot store and queries is ready once its tables exist
    query.session().underlying().toCompletableFuture().get(120, TimeUnit.SECONDS);
  }

  private static int activeTerm(io.arcanum.domain.barrier.Barrier barrier) {
    try {
      return barrier.keyring().activeTerm().term();
    } catch (RuntimeException sealed) {
      return 0;
    }
  }

  /** @return the bound HTTP address */
  public InetSocketAddress address() {
    return binding.localAddress();
  }

  /** @return the API's base address, e.g. {@code https://127.0.0.1:8200} */
  public String url() {
    return listener.scheme() + "://" + binding.localAddress().getHostString() + ":" + binding.localAddress().getPort();
  }

  /** @return the PEM file of the dev certificate when dev mode made one, else null */
  public java.nio.file.Path devCertificate() {
    return listener.devCertificate();
  }

  /** @return the actor system */
  public ActorSystem<Void> system() {
    return system;
  }

  /** @return the seal lifecycle */
  public SealService seal() {
    return seal;
  }

  /**
   * What dev mode prints.
   *
   * @param unsealKeyBase64 the single unseal key, base64
   * @param rootToken the root token
   */
  public record DevCredentials(String unsealKeyBase64, String rootToken) {
    /** @return a placeholder: the key and the token are printed once, on purpose, never by toString */
    @Override
    public String toString() {
      return "DevCredentials[unseal key <redacted>, root token <redacted>]";
    }
  }

  /**
   * Dev mode, as Vault's {@code -dev}: initializes with one share, unseals, and mounts KV v2 at
   * {@code secret/}.
   *
   * @return the unseal key and root token
   * @throws IllegalStateException if any step fails (for instance the keyspace was already initialized)
   */
  public DevCredentials initializeDev() {
    try {
      SealService.Initialization init = seal.initialize(1, 1).toCompletableFuture().get(60, TimeUnit.SECONDS);
      byte[] share = init.unsealShares().get(0);
      seal.unseal(share).toCompletableFuture().get(60, TimeUnit.SECONDS);
      MountTable.Mount secret = MountTable.Mount.kv2("secret/", UUID.randomUUID().toString(),
          "kv_" + UUID.randomUUID().toString().substring(0, 8), "key/value secret storage",
          Clock.systemUTC().instant());
      mounts.enable(secret).toCompletableFuture().get(60, TimeUnit.SECONDS);
      mounts.refresh().toCompletableFuture().get(60, TimeUnit.SECONDS);
      return new DevCredentials(Base64.getEncoder().encodeToString(share), init.rootToken());
    } catch (Exception e) {
      throw new IllegalStateException("dev mode initialization failed: " + e.getMessage(), e);
    }
  }

  /**
   * Stops the node gracefully (unbind, finish in-flight requests, hand off entities, terminate) and
   * waits up to 60 s.
   */
  public void stop() {
    try {
      CoordinatedShutdown.get(system.classicSystem()).runAll(CoordinatedShutdown.unknownReason())
          .toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("shutdown did not complete cleanly: {}", e.toString());
    }
  }
}
