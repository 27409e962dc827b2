package io.arcanum.api.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.arcanum.api.kv.KvService.Target;
import io.arcanum.api.outcome.Failure;
import io.arcanum.domain.Refusal;
import io.arcanum.domain.Reply;
import io.arcanum.domain.barrier.Keyring;
import io.arcanum.domain.kv.KvProtocol;
import io.arcanum.domain.kv.KvProtocol.MountConfig;
import io.arcanum.domain.kv.KvProtocol.Origin;
import io.arcanum.domain.kv.KvSecret;
import io.arcanum.domain.kv.SealedData;
import io.arcanum.persistence.BarrierExtension;
import io.arcanum.persistence.JournalConfig;
import io.arcanum.persistence.kv.DataKeyStore;
import io.arcanum.persistence.kv.FolderGuard;
import io.arcanum.persistence.kv.KvListing;
import io.arcanum.persistence.kv.ListingIntents;
import io.arcanum.persistence.kv.ListingTable;
import io.arcanum.localcassandra.testing.CassandraTestNode;
import io.arcanum.projections.listing.ListingRepair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The KV service without HTTP, over the real local Cassandra (journal, data keys, listing): what a
 * write, a delete and a listing do, that an unknown outcome keeps a stored version readable, that a
 * refused write leaves no data key behind, and that the listing is repaired from the journal after a
 * node died between a change and its listing update. The journal can be made slow on demand
 * ({@link SlowJournal}).
 */
@ExtendWith(CassandraTestNode.class)
class KvServiceTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration ASK = Duration.ofSeconds(3);
  private static final MountConfig MOUNT = MountConfig.DEFAULT;
  private static final Origin ORIGIN = new Origin("test-request", "test-accessor");

  private static ActorTestKit testKit;
  private static JournalConfig journal;
  private static KvService kv;
  private static DataKeyStore keys;
  private static KvListing listing;
  private static ListingIntents intents;
  private static ClusterSharding sharding;
  private static CqlSession cql;

  private final String mount = UUID.randomUUID().toString();

  @BeforeAll
  static void start() throws Exception {
    String keyspace = "it_kvservice_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    journal = new JournalConfig(List.of(CassandraTestNode.contactPoint()), keyspace, "datacenter1", 1);
    journal.ensureKeyspace();
    Config config = ConfigFactory.parseString(String.join("\n",
            "pekko.persistence.cassandra.journal.class = \"" + SlowJournal.class.getName() + "\"",
            // a write held back longer than this fails in the journal (and the entity answers at once)
            "pekko.persistence.cassandra.journal.circuit-breaker.call-timeout = 6s",
            "pekko.remote.artery.canonical.port = 0"))
        .withFallback(journal.toPekkoConfig())
        .withFallback(ConfigFactory.load());
    testKit = ActorTestKit.create("KvServiceTest", config);
    Cluster cluster = Cluster.get(testKit.system());
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    BarrierExtension.get(testKit.system()).barrier().install(Keyring.generate(Instant.now()));
    sharding = ClusterSharding.get(testKit.system());
    sharding.init(Entity.of(KvSecret.TYPE_KEY, ctx -> KvSecret.create(ctx.getEntityId(), Clock.systemUTC(), 100)));
    CassandraSession session = CassandraSessionRegistry.get(testKit.system())
        .sessionFor("pekko.projection.cassandra.session-config");
    keys = new DataKeyStore(session, keyspace, BarrierExtension.get(testKit.system()).barrier(), 1000);
    keys.createTable().toCompletableFuture().get(60, TimeUnit.SECONDS);
    ListingTable table = new ListingTable(session, keyspace);
    table.createTable().toCompletableFuture().get(60, TimeUnit.SECONDS);
    intents = new ListingIntents(session, keyspace, Clock.systemUTC());
    intents.createTable().toCompletableFuture().get(60, TimeUnit.SECONDS);
    sharding.init(Entity.of(FolderGuard.TYPE_KEY, ctx -> FolderGuard.create(ctx.getEntityId(), table, sharding, ASK)));
    listing = new KvListing(sharding, table, ASK);
    kv = new KvService(sharding, keys, listing, intents, ASK);
    cql = journal.openSession();
    // the cluster, sharding and the journal's tables come up first (slowly on a busy machine)
    Target warm = new Target("warm-up", "x", "warm-up/x");
    TestSupport.eventually(() -> {
      try {
        return !kv.exists(warm).toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        return false;
      }
    }, "the first entity answers");
  }

  @AfterAll
  static void stop() {
    SlowJournal.delayMillis = 0;
    if (cql != null) {
      cql.close();
    }
    if (testKit != null) {
      testKit.shutdownTestKit();
    }
    journal.dropKeyspace();
  }

  @AfterEach
  void fastJournal() {
    SlowJournal.delayMillis = 0;
  }

  private Target target(String path) {
    return new Target(mount, path, "secret/data/" + path);
  }

  private static JsonNode json(String s) {
    try {
      return JSON.readTree(s);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static <T> T await(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new CompletionException(e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A failure, unwrapped, or an assertion error when the stage succeeds. */
  private static Throwable failureOf(CompletionStage<?> stage) {
    try {
      stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    throw new AssertionError("expected a failure");
  }

  private static final CompletionStage<Void> RECORDED = CompletableFuture.completedFuture(null);

  private KvProtocol.VersionInfo write(String path, String data) {
    KvService.Settled<KvProtocol.VersionInfo> w = await(kv.write(target(path), json(data), null, MOUNT, ORIGIN, RECORDED));
    await(w.settled());
    return w.value();
  }

  private List<String> list(String folder) {
    return await(kv.list(mount, folder, null, 0));
  }

  private long dataKeyRows(Target t) {
    return cql.execute(SimpleStatement.newInstance("SELECT count(*) FROM " + journal.keyspace() + "."
        + DataKeyStore.TABLE + " WHERE persistence_id = ?", t.persistenceId())).one().getLong(0);
  }

  private long intentsOf(Target t) {
    return await(intents.olderThan(Instant.now().plusSeconds(1))).stream()
        .filter(i -> i.persistenceId().equals(t.persistenceId())).count();
  }

  @Test
  void aWriteIsListedAndReadableWhenItAnswersAndADeleteUnlistsItsFolders() {
    assertEquals(1, write("app/db/main", "{\"pw\":\"one\"}").version());
    assertEquals(List.of("app/"), list(""));
    assertEquals(List.of("db/"), list("app/"));
    assertEquals(List.of("main"), list("app/db/"));
    assertEquals(json("{\"pw\":\"one\"}"), await(kv.read(target("app/db/main"), null)).data());
    // the intent is cleared once listed, after the reply (off the request's path)
    TestSupport.eventually(() -> intentsOf(target("app/db/main")) == 0, "the intent is cleared once listed");
    await(await(kv.deleteMetadata(target("app/db/main"), ORIGIN, RECORDED)).settled());
    assertEquals(List.of(), list(""), "every folder it left empty is gone");
    assertEquals(0, dataKeyRows(target("app/db/main")), "its data keys are forgotten");
  }

  @Test
  void aWriteDoesNotTakeEffectBeforeItsRequestRecordAndChangesNothingWhenTheRecordFails() {
    Target t = target("gated");
    CompletableFuture<Void> recorded = new CompletableFuture<>();
    CompletionStage<KvService.Settled<KvProtocol.VersionInfo>> w = kv.write(t, json("{\"a\":1}"), null, MOUNT, ORIGIN,
        recorded);
    assertFalse(await(kv.exists(t)), "not before the record is durable");
    recorded.completeExceptionally(new Failure.AuditFailed(false));
    assertInstanceOf(Failure.AuditFailed.class, failureOf(w));
    assertFalse(await(kv.exists(t)));
    TestSupport.eventually(() -> dataKeyRows(t) == 0 && intentsOf(t) == 0, "what was prepared is undone");
  }

  @Test
  void aRefusedWriteForgetsItsUnusedDataKey() {
    Target t = target("cas");
    Throwable first = failureOf(kv.write(t, json("{\"a\":0}"), 7, MOUNT, ORIGIN, RECORDED));
    assertEquals(Refusal.CAS_MISMATCH, ((Failure.Refused) first).refusal());
    TestSupport.eventually(() -> dataKeyRows(t) == 0, "the refused first version's key is forgotten");
    write("cas", "{\"a\":1}");
    // written through this node before: this write's key comes with AHEAD - 1 more made ahead
    assertEquals(DataKeyStore.AHEAD, dataKeyRows(t));
    Throwable refused = failureOf(kv.write(t, json("{\"a\":2}"), 7, MOUNT, ORIGIN, RECORDED));
    assertEquals(Refusal.CAS_MISMATCH, ((Failure.Refused) refused).refusal());
    TestSupport.eventually(() -> dataKeyRows(t) == DataKeyStore.AHEAD - 1,
        "the refused version's key, made ahead, is forgotten");
    write("cas", "{\"a\":3}");
    assertEquals(DataKeyStore.AHEAD - 1, dataKeyRows(t), "the next write used a key made ahead: no new row");
  }

  @Test
  void aWriteWhoseAcknowledgementIsLateIsReportedUnknownAndStaysReadable() {
    Target t = target("slow/one");
    write("slow/one", "{\"v\":1}");
    SlowJournal.delayMillis = 4000; // longer than the service waits, shorter than the journal's breaker
    Throwable unknown = failureOf(kv.write(t, json("{\"v\":2}"), null, MOUNT, ORIGIN, RECORDED));
    assertInstanceOf(Failure.OutcomeUnknown.class, unknown);
    assertTrue(((Failure.OutcomeUnknown) unknown).howToFindOut().contains("secret/data/slow/one"));
    SlowJournal.delayMillis = 0;
    // the version was stored: once the journal caught up it must be readable, its data key kept
    TestSupport.eventually(() -> await(kv.read(t, null)).info().version() == 2, "version 2 was stored");
    assertEquals(json("{\"v\":2}"), await(kv.read(t, 2)).data(), "and its data key was not forgotten");
  }

  @Test
  void aWriteTheJournalFailsIsReportedUnknownAtOnceAndStaysReadableOnceStored() {
    Target t = target("slow/two");
    write("slow/two", "{\"v\":1}");
    SlowJournal.delayMillis = 7000; // past the journal's 6 s breaker: the entity is told the write failed
    KvService patient = new KvService(sharding, keys, listing, intents, Duration.ofSeconds(20));
    long started = System.nanoTime();
    Throwable unknown = failureOf(patient.write(t, json("{\"v\":2}"), null, MOUNT, ORIGIN, RECORDED));
    assertInstanceOf(Failure.OutcomeUnknown.class, unknown);
    SlowJournal.delayMillis = 0;
    assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(15),
        "answered when the journal gave up, not when the service's own wait ran out");
    assertTrue(unknown.getMessage().contains("journal did not confirm"), unknown.getMessage());
    // the event was written to Cassandra all the same: the restarted entity replays it
    TestSupport.eventually(() -> {
      try {
        return await(kv.read(t, null)).info().version() == 2;
      } catch (Failure.Unavailable stillRestarting) {
        return false;
      }
    }, "version 2 was stored");
    assertEquals(json("{\"v\":2}"), await(kv.read(t, 2)).data(), "readable: its data key was kept");
  }

  @Test
  void theListingIsRepairedFromIntentsLeftByANodeThatDied() {
    Target created = target("crash/created");
    Target deleted = target("crash/deleted");
    write("crash/deleted", "{\"a\":1}");
    // a node records the intents and persists the events, then dies before updating the listing
    await(intents.record(created.persistenceId()));
    await(intents.record(deleted.persistenceId()));
    SealedData sealed = SealedData.seal(created.persistenceId(), SealedData.DataKey.generate(), json("{\"a\":1}"));
    Reply written = await(sharding.entityRefFor(KvSecret.TYPE_KEY, created.entityId())
        .<Reply>ask(r -> new KvProtocol.Write(sealed, null, null, MOUNT, ORIGIN, true, r), ASK));
    assertInstanceOf(KvProtocol.Written.class, written);
    Reply removed = await(sharding.entityRefFor(KvSecret.TYPE_KEY, deleted.entityId())
        .<Reply>ask(r -> new KvProtocol.DeleteMetadata(ORIGIN, true, r), ASK));
    assertInstanceOf(KvProtocol.Removed.class, removed);
    assertEquals(List.of("deleted"), list("crash/"), "the listing missed both changes");

    ListingRepair repair = new ListingRepair(testKit.system(), intents, listing, ASK, Duration.ZERO,
        Clock.systemUTC(), () -> true);
    assertTrue(await(repair.runOnce()) >= 2);
    assertEquals(List.of("created"), list("crash/"));
    TestSupport.eventually(() -> intentsOf(created) + intentsOf(deleted) == 0, "the intents are cleared");
  }

  @Test
  void aStoreListedByAnEarlierVersionIsCheckedAgainstTheJournalOnce() {
    Target missed = target("old/missed");
    // an event the old listing projection never applied: no intent, no listing row
    SealedData sealed = SealedData.seal(missed.persistenceId(), SealedData.DataKey.generate(), json("{\"a\":1}"));
    assertInstanceOf(KvProtocol.Written.class, await(sharding.entityRefFor(KvSecret.TYPE_KEY, missed.entityId())
        .<Reply>ask(r -> new KvProtocol.Write(sealed, null, null, MOUNT, ORIGIN, true, r), ASK)));
    cql.execute("DELETE FROM " + journal.keyspace() + "." + ListingIntents.STATE_TABLE + " WHERE name = '"
        + ListingIntents.REBUILT + "'");
    assertFalse(await(intents.rebuilt()));
    ListingRepair repair = new ListingRepair(testKit.system(), intents, listing, ASK, Duration.ofMinutes(1),
        Clock.systemUTC(), () -> true);
    await(repair.runOnce());
    assertEquals(List.of("missed"), list("old/"));
    assertTrue(await(intents.rebuilt()), "done once for the store");
  }

  @Test
  void aPatchOfNothingIsNotFoundAndAValueTooLargeIsRefused() {
    Throwable none = failureOf(kv.patch(target("nothing"), json("{\"a\":1}"), null, MOUNT, ORIGIN, RECORDED));
    assertEquals(Refusal.NO_METADATA, ((Failure.Refused) none).refusal());
    String big = "{\"v\":\"" + "x".repeat(KvService.MAX_VALUE_BYTES) + "\"}";
    Throwable large = failureOf(kv.write(target("big"), json(big), null, MOUNT, ORIGIN, RECORDED));
    assertEquals(Refusal.VALUE_TOO_LARGE, ((Failure.Refused) large).refusal());
    assertNotNull(((Failure.Refused) large).rejected().message());
    assertFalse(await(kv.exists(target("big"))));
  }

  @Test
  void concurrentCreatesAndDeletesInSharedFoldersNeverLeaveAFolderMissingOrAPhantom() throws Exception {
    // 16 clients, each owning 3 keys, create and delete them at random; the 48 keys sit two by two (of
    // different clients) in 24 folders two levels deep (race/f0..f5/g0..g3/), so that folders keep
    // emptying and filling while another client changes the same folder. After every acknowledged
    // change the client's key is (not) listed, with every folder above it, whatever the others do.
    int clients = 16;
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(clients);
    java.util.Map<String, Boolean> present = new java.util.concurrent.ConcurrentHashMap<>();
    List<java.util.concurrent.Future<Integer>> done = new java.util.ArrayList<>();
    for (int c = 0; c < clients; c++) {
      int client = c;
      done.add(pool.submit(() -> {
        java.util.Random random = new java.util.Random(client);
        int checks = 0;
        for (int op = 0; op < 40; op++) {
          int k = random.nextInt(3);
          int leaf = (client * 3 + k) % 24;
          String f = "f" + (leaf / 4) + "/";
          String g = "g" + (leaf % 4) + "/";
          String path = "race/" + f + g + "c" + client + "k" + k;
          Target t = target(path);
          String folder = KvListing.folderOf(path);
          if (present.getOrDefault(path, false)) {
            await(await(kv.deleteMetadata(t, ORIGIN, RECORDED)).settled());
            present.put(path, false);
            assertFalse(list(folder).contains(path.substring(folder.length())), "deleted, yet listed: " + path);
          } else {
            await(await(kv.write(t, json("{\"op\":" + op + "}"), null, MOUNT, ORIGIN, RECORDED)).settled());
            present.put(path, true);
            assertTrue(list(folder).contains(path.substring(folder.length())), "written, not listed: " + path);
            assertTrue(list("race/" + f).contains(g), "folder missing: " + path);
            assertTrue(list("race/").contains(f), "folder missing: " + path);
          }
          checks++;
        }
        return checks;
      }));
    }
    int total = 0;
    for (var f : done) {
      total += f.get(5, TimeUnit.MINUTES);
    }
    pool.shutdown();
    assertEquals(clients * 40, total);
    // at rest: exactly the existing keys are listed, and exactly the folders that hold one
    java.util.Set<String> expectedKeys = new java.util.TreeSet<>();
    present.forEach((path, p) -> {
      if (p) {
        expectedKeys.add(path);
      }
    });
    java.util.Set<String> listedKeys = new java.util.TreeSet<>();
    walk("", listedKeys);
    assertEquals(expectedKeys, listedKeys, "no phantom key, no key missing");
  }

  /** Collects every key under a folder; asserts that every folder listed holds something. */
  private void walk(String folder, java.util.Set<String> keysFound) {
    List<String> names = list(folder);
    if (!folder.isEmpty()) {
      assertFalse(names.isEmpty(), "an empty folder is listed: " + folder);
    }
    for (String n : names) {
      if (n.endsWith("/")) {
        walk(folder + n, keysFound);
      } else {
        keysFound.add(folder + n);
      }
    }
  }
}
