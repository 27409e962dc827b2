package io.arcanum.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.arcanum.domain.barrier.Keyring;
import io.arcanum.domain.barrier.SealedEvent;
import io.arcanum.domain.Refusal;
import io.arcanum.domain.Rejected;
import io.arcanum.domain.Reply;
import io.arcanum.domain.kv.KvHistory;
import io.arcanum.domain.kv.KvProtocol;
import io.arcanum.domain.kv.KvProtocol.Origin;
import io.arcanum.domain.kv.KvSecret;
import io.arcanum.domain.kv.KvState;
import io.arcanum.domain.kv.SealedData;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The KV v2 entity through the persistence testkit, with every event and command through real
 * serialization (events through the sealed serializer) and a clock the test moves.
 */
class KvSecretTest {

  private static ActorTestKit testKit;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final KvProtocol.MountConfig MOUNT = KvProtocol.MountConfig.DEFAULT;

  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-30T10:00:00Z"));
  private EventSourcedBehaviorTestKit<KvProtocol.Command, SealedEvent, KvState> kit;
  private final Map<String, byte[]> keys = new java.util.HashMap<>();
  private static final String PID = "kv|mount-uuid/app/db";

  /** A clock the test moves forward. */
  static final class MutableClock extends Clock {
    private Instant now;

    MutableClock(Instant start) {
      now = start;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create(EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()));
    BarrierExtension.get(testKit.system()).barrier().install(Keyring.generate(Instant.now()));
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void fresh() {
    kit = EventSourcedBehaviorTestKit.create(testKit.system(),
        KvSecret.create("mount-uuid/app/db", clock, 5),
        // events and commands go through real serialization; the in-memory state is never serialized
        EventSourcedBehaviorTestKit.enabledSerializationSettings().withVerifyState(false));
    kit.clear();
  }

  private static JsonNode json(String s) {
    try {
      return JSON.readTree(s);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private Reply writeFull(String data, Integer cas, Integer basedOn, KvProtocol.MountConfig mount) {
    SealedData.DataKey key = SealedData.DataKey.generate();
    keys.put(key.keyId(), key.key());
    SealedData sealed = SealedData.seal(PID, key, json(data));
    return kit.<Reply>runCommand(r -> new KvProtocol.Write(sealed, cas, basedOn, mount, Origin.NONE, true, r)).reply();
  }

  private static KvProtocol.Written written(Reply r) {
    return (KvProtocol.Written) r;
  }

  /** @return the new version's info, or the refusal */
  private Object write(String data, Integer cas, KvProtocol.MountConfig mount) {
    Reply r = writeFull(data, cas, null, mount);
    return r instanceof KvProtocol.Written w ? w.info() : ((Rejected) r).refusal();
  }

  private Object write(String data, Integer cas) {
    return write(data, cas, MOUNT);
  }

  private static int version(Object written) {
    return ((KvProtocol.VersionInfo) written).version();
  }

  /** Opens a read's sealed data with the key the test made for it. */
  private JsonNode dataOf(KvProtocol.ReadResult r) {
    return r.data() == null ? null : r.data().open(PID, keys.get(r.data().keyId()));
  }

  private KvProtocol.ReadResult read(Integer version) {
    return (KvProtocol.ReadResult) kit.<Reply>runCommand(r -> new KvProtocol.Read(version, r)).reply();
  }

  private KvProtocol.Metadata metadata() {
    return (KvProtocol.Metadata) kit.<Reply>runCommand(KvProtocol.ReadMetadata::new).reply();
  }

  private Reply writeMetadata(Integer max, Boolean cas, Map<String, String> custom, boolean patch,
      KvProtocol.MountConfig mount) {
    return kit.<Reply>runCommand(r -> new KvProtocol.WriteMetadata(max, cas, null, custom, patch, mount, Origin.NONE,
        true, r)).reply();
  }

  private EventSourcedBehaviorTestKit.CommandResultWithReply<KvProtocol.Command, SealedEvent, KvState, Reply> run(
      java.util.function.Function<org.apache.pekko.actor.typed.ActorRef<Reply>, KvProtocol.Command> command) {
    return kit.runCommand(command::apply);
  }

  @Test
  void writesNumberVersionsFromOne() {
    assertEquals(1, version(write("{\"a\":1}", null)));
    assertEquals(2, version(write("{\"a\":2}", null)));
    assertEquals(json("{\"a\":1}"), dataOf(read(1)));
    assertEquals(2, read(null).info().version());
    assertEquals(json("{\"a\":2}"), dataOf(read(null)));
  }

  @Test
  void checkAndSet() {
    assertEquals(1, version(write("{\"a\":1}", 0)), "cas 0 on a missing path succeeds");
    var again = write("{\"a\":1}", 0);
    assertEquals(Refusal.CAS_MISMATCH, again, "cas 0 succeeds only once");
    assertEquals(2, version(write("{\"a\":2}", 1)));
    assertEquals(Refusal.CAS_MISMATCH, write("{\"a\":3}", 5));
    assertEquals(2, kit.getState().currentVersion());
  }

  @Test
  void casRequiredByKeyOrMount() {
    assertEquals(Refusal.CAS_REQUIRED, write("{\"a\":1}", null, new KvProtocol.MountConfig(0, true, Duration.ZERO)));
    write("{\"a\":1}", null);
    writeMetadata(null, true, null, false, MOUNT);
    assertEquals(Refusal.CAS_REQUIRED, write("{\"a\":2}", null));
    assertEquals(2, version(write("{\"a\":2}", 1)));
  }

  @Test
  void readOfMissingVersion() {
    assertNull(read(null).info());
    write("{\"a\":1}", null);
    assertNull(read(9).info());
    assertFalse(metadata().versions().isEmpty());
  }

  @Test
  void mountMaxVersionsZeroKeepsTen() {
    for (int i = 1; i <= 12; i++) {
      write("{\"v\":" + i + "}", null, new KvProtocol.MountConfig(0, false, Duration.ZERO));
    }
    KvProtocol.Metadata m = metadata();
    assertEquals(10, m.versions().size());
    assertEquals(3, m.oldestVersion());
    assertEquals(12, m.currentVersion());
    assertNull(read(2).info(), "pruned oldest first");
  }

  @Test
  void keyMaxVersionsSmallerThanMountsWins() {
    writeMetadata(2, null, null, false, MOUNT);
    KvProtocol.MountConfig mount = new KvProtocol.MountConfig(5, false, Duration.ZERO);
    for (int i = 1; i <= 4; i++) {
      write("{\"v\":" + i + "}", null, mount);
    }
    assertEquals(List.of(3, 4), metadata().versions().stream().map(KvProtocol.VersionInfo::version).toList());
    assertEquals(2, metadata().maxVersions());
  }

  @Test
  void deleteUndeleteDestroy() {
    write("{\"a\":1}", null);
    write("{\"a\":2}", null);
    run(r -> new KvProtocol.DeleteVersions(List.of(), Origin.NONE, r));
    KvProtocol.ReadResult latest = read(null);
    assertNull(dataOf(latest), "DELETE data/ soft-deletes the latest version");
    assertNotNull(latest.info().deletionTime());
    assertEquals(json("{\"a\":1}"), dataOf(read(1)));
    run(r -> new KvProtocol.UndeleteVersions(List.of(2), Origin.NONE, r));
    assertEquals(json("{\"a\":2}"), dataOf(read(2)));
    String key1 = read(1).data().keyId();
    var destroyed = run(r -> new KvProtocol.DestroyVersions(List.of(1), Origin.NONE, r));
    assertEquals(List.of(key1), ((KvProtocol.ToShred) destroyed.reply()).keyIds(), "destroy hands back the data key to forget");
    assertTrue(read(1).info().destroyed());
    var again = run(r -> new KvProtocol.DestroyVersions(List.of(1), Origin.NONE, r));
    assertTrue(again.hasNoEvents());
    assertEquals(List.of(key1), ((KvProtocol.ToShred) again.reply()).keyIds(), "a repeated destroy forgets the key again");
    assertNull(dataOf(read(1)));
    var undelete = run(r -> new KvProtocol.UndeleteVersions(List.of(1), Origin.NONE, r));
    assertTrue(undelete.hasNoEvents(), "undelete of a destroyed version changes nothing");
    assertTrue(read(1).info().destroyed());
    kit.restart();
    assertTrue(read(1).info().destroyed(), "destroyed stays destroyed after replay");
    assertEquals(json("{\"a\":2}"), dataOf(read(2)));
  }

  @Test
  void deleteVersionAfterSoftDeletesOnTime() {
    write("{\"a\":1}", null, new KvProtocol.MountConfig(0, false, Duration.ofMinutes(10)));
    assertNotNull(dataOf(read(1)));
    assertNotNull(read(1).info().deletionTime(), "the scheduled deletion time is reported");
    clock.advance(Duration.ofMinutes(11));
    assertNull(dataOf(read(1)));
    assertEquals(Duration.ofMinutes(5), KvState.effectiveDeleteVersionAfter(Duration.ofMinutes(5), Duration.ofMinutes(10)));
    assertEquals(Duration.ofMinutes(10), KvState.effectiveDeleteVersionAfter(Duration.ofHours(5), Duration.ofMinutes(10)));
  }

  @Test
  void patchedWriteMustBeBasedOnTheLatestVersion() {
    write("{\"a\":1}", null);
    var patched = run(r -> new KvProtocol.Write(
        SealedData.seal(PID, SealedData.DataKey.generate(), json("{\"a\":2}")), null, 1, MOUNT, Origin.NONE, false, r));
    assertEquals(2, written(patched.reply()).info().version());
    assertFalse(written(patched.reply()).created(), "a second version does not create the key");
    assertTrue(((KvSecret.VersionWritten) patched.event()).patch(), "the event records that a patch made it");
    assertEquals(Rejected.of(Refusal.STALE_PATCH), writeFull("{\"a\":3}", null, 1, MOUNT),
        "a patch computed from version 1 cannot land on version 2");
    assertEquals(Rejected.of(Refusal.CAS_MISMATCH), writeFull("{\"a\":3}", 1, 2, MOUNT),
        "the client's cas is checked as well");
  }

  @Test
  void prunedVersionsHandBackTheirKeys() {
    KvProtocol.MountConfig two = new KvProtocol.MountConfig(2, false, Duration.ZERO);
    writeFull("{\"v\":1}", null, null, two);
    String first = read(1).data().keyId();
    writeFull("{\"v\":2}", null, null, two);
    assertEquals(List.of(first), written(writeFull("{\"v\":3}", null, null, two)).pruned());
    String second = read(2).data().keyId();
    var lowered = (KvProtocol.MetadataChanged) writeMetadata(1, null, null, false, two);
    assertEquals(List.of(second), lowered.pruned());
  }

  @Test
  void sealedDataOpensOnlyForItsSecretAndKey() {
    SealedData.DataKey key = SealedData.DataKey.generate();
    SealedData sealed = SealedData.seal(PID, key, json("{\"p\":\"canary\"}"));
    assertEquals(json("{\"p\":\"canary\"}"), sealed.open(PID, key.key()));
    JsonNode exact = new ObjectMapper().enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
        .setNodeFactory(com.fasterxml.jackson.databind.node.JsonNodeFactory.withExactBigDecimals(true))
        .valueToTree(Map.of("pi", new java.math.BigDecimal("3.141592653589793238462643383279")));
    assertEquals("3.141592653589793238462643383279",
        SealedData.seal(PID, key, exact).open(PID, key.key()).get("pi").decimalValue().toPlainString(),
        "numbers keep their exact value through sealing");
    org.junit.jupiter.api.Assertions.assertThrows(io.arcanum.domain.barrier.IntegrityException.class,
        () -> sealed.open("kv|mount-uuid/other", key.key()));
    org.junit.jupiter.api.Assertions.assertThrows(io.arcanum.domain.barrier.IntegrityException.class,
        () -> sealed.open(PID, SealedData.DataKey.generate().key()));
  }

  @Test
  void metadataDeleteRemovesEverything() {
    assertEquals(Rejected.of(Refusal.NO_METADATA), writeMetadata(null, null, Map.of("a", "b"), true, MOUNT));
    writeMetadata(null, null, Map.of("owner", "ops", "team", "x"), false, MOUNT);
    java.util.Map<String, String> patch = new java.util.HashMap<>();
    patch.put("team", null);
    patch.put("env", "prod");
    writeMetadata(null, null, patch, true, MOUNT);
    assertEquals(Map.of("owner", "ops", "env", "prod"), metadata().customMetadata(), "PATCH merges custom metadata");
    writeMetadata(null, null, Map.of("owner", "ops"), false, MOUNT);
    write("{\"a\":1}", null);
    assertEquals(Map.of("owner", "ops"), metadata().customMetadata());
    run(r -> new KvProtocol.DeleteMetadata(Origin.NONE, true, r));
    assertFalse(metadata().exists());
    assertNull(read(1).info());
    assertEquals(1, version(write("{\"a\":1}", null)), "a new history starts at version 1");
  }

  @Test
  void stateSurvivesRestartThroughSealedEventsAndSnapshots() {
    for (int i = 1; i <= 13; i++) {
      write("{\"user\":\"u" + i + "\",\"n\":[1,2]}", null);
    }
    run(r -> new KvProtocol.DeleteVersions(List.of(12), Origin.NONE, r));
    kit.restart();
    assertEquals(13, kit.getState().currentVersion());
    assertEquals(json("{\"user\":\"u13\",\"n\":[1,2]}"), dataOf(read(13)));
    assertNull(dataOf(read(12)));
    assertEquals(4, metadata().oldestVersion());
  }

  @Test
  void anEventOutOfSequenceFailsTheReplay() {
    SealedData data = SealedData.seal(PID, SealedData.DataKey.generate(), json("{\"a\":1}"));
    Instant t = clock.instant();
    KvSecret.VersionWritten first = new KvSecret.VersionWritten(PID, 1, 1, data, t, null, 1, false, Origin.NONE);
    KvSecret.VersionWritten second = new KvSecret.VersionWritten(PID, 2, 2, data, t, null, 1, false, Origin.NONE);
    assertEquals(2, KvHistory.stateAt("mount-uuid/app/db", List.of(first, second), t).info().version());
    for (List<SealedEvent> bad : List.of(List.<SealedEvent>of(first, first), List.<SealedEvent>of(second, first),
        List.<SealedEvent>of(second))) {
      io.arcanum.domain.barrier.IntegrityException e = org.junit.jupiter.api.Assertions.assertThrows(
          io.arcanum.domain.barrier.IntegrityException.class, () -> KvHistory.stateAt("mount-uuid/app/db", bad, t));
      assertTrue(e.getMessage().contains("out of sequence"), e.getMessage());
    }
  }

  @Test
  void aPatchBasedOnADeletedOrDestroyedVersionIsStale() {
    write("{\"a\":1}", null);
    run(r -> new KvProtocol.DeleteVersions(List.of(1), Origin.NONE, r));
    assertEquals(Rejected.of(Refusal.STALE_PATCH), writeFull("{\"a\":2}", null, 1, MOUNT),
        "a patch merged onto version 1 before its delete must not bring its data back");
    run(r -> new KvProtocol.UndeleteVersions(List.of(1), Origin.NONE, r));
    run(r -> new KvProtocol.DestroyVersions(List.of(1), Origin.NONE, r));
    assertEquals(Rejected.of(Refusal.STALE_PATCH), writeFull("{\"a\":2}", null, 1, MOUNT),
        "nor after its destroy");
  }

  @Test
  void metadataDeleteHandsBackExactlyTheKeysItRemoved() {
    writeFull("{\"a\":1}", null, null, MOUNT);
    writeFull("{\"a\":2}", null, null, MOUNT);
    List<String> expected = List.of(read(1).data().keyId(), read(2).data().keyId());
    var deleted = (KvProtocol.Removed) run(r -> new KvProtocol.DeleteMetadata(Origin.NONE, true, r)).reply();
    assertEquals(expected, deleted.keyIds(),
        "only these: a write racing the delete keeps its own key");
  }

  @Test
  void aChangeThatBringsTheKeyIntoOrOutOfExistenceNeedsAListingIntent() {
    SealedData sealed = SealedData.seal(PID, SealedData.DataKey.generate(), json("{\"a\":1}"));
    var refused = run(r -> new KvProtocol.Write(sealed, null, null, MOUNT, Origin.NONE, false, r));
    assertEquals(Rejected.of(Refusal.LISTING_INTENT_REQUIRED), refused.reply());
    assertTrue(refused.hasNoEvents(), "nothing is stored without the intent");
    var created = run(r -> new KvProtocol.Write(sealed, null, null, MOUNT, Origin.NONE, true, r));
    assertTrue(written(created.reply()).created(), "the first version brings the key into existence");
    var update = run(r -> new KvProtocol.Write(sealed, null, null, MOUNT, Origin.NONE, false, r));
    assertFalse(written(update.reply()).created(), "an update needs no intent and creates nothing");
    assertEquals(Rejected.of(Refusal.LISTING_INTENT_REQUIRED),
        run(r -> new KvProtocol.DeleteMetadata(Origin.NONE, false, r)).reply(), "nor may a delete without one");
    assertTrue(metadata().exists());
    assertFalse(((KvProtocol.Removed) run(r -> new KvProtocol.DeleteMetadata(Origin.NONE, true, r)).reply()).keyIds()
        .isEmpty());
    var nothing = run(r -> new KvProtocol.DeleteMetadata(Origin.NONE, false, r));
    assertFalse(((KvProtocol.Removed) nothing.reply()).existed(), "deleting what does not exist needs no intent");
    assertTrue(nothing.hasNoEvents());
  }

  @Test
  void existenceAndWhenItChangedSurviveReplayAndSnapshots() {
    assertEquals(new KvProtocol.Existence(false, 0), kit.<Reply>runCommand(KvProtocol.Exists::new).reply());
    long created = written(writeFull("{\"a\":1}", null, null, MOUNT)).changedMicros();
    clock.advance(Duration.ofSeconds(1));
    writeFull("{\"a\":2}", null, null, MOUNT);
    assertEquals(new KvProtocol.Existence(true, created), kit.<Reply>runCommand(KvProtocol.Exists::new).reply(),
        "an update does not move the time the key came into existence");
    clock.advance(Duration.ofSeconds(1));
    long deleted = ((KvProtocol.Removed) run(r -> new KvProtocol.DeleteMetadata(Origin.NONE, true, r)).reply())
        .changedMicros();
    assertTrue(deleted > created);
    for (int i = 0; i < 6; i++) { // past a snapshot (every 5 events here)
      clock.advance(Duration.ofSeconds(1));
      writeFull("{\"b\":" + i + "}", null, null, MOUNT);
    }
    KvProtocol.Existence before = (KvProtocol.Existence) kit.<Reply>runCommand(KvProtocol.Exists::new).reply();
    assertTrue(before.exists() && before.changedMicros() > deleted);
    kit.restart();
    assertEquals(before, kit.<Reply>runCommand(KvProtocol.Exists::new).reply());
  }

  @Test
  void eventTimesOfAPathIncreaseEvenWhenTheClockGoesBack() {
    KvProtocol.Written first = written(writeFull("{\"a\":1}", null, null, MOUNT));
    clock.advance(Duration.ofHours(-1)); // the entity moved to a node whose clock is behind
    KvProtocol.Written second = written(writeFull("{\"a\":2}", null, null, MOUNT));
    assertTrue(second.info().createdTime().isAfter(first.info().createdTime()));
    assertTrue(second.changedMicros() > first.changedMicros());
    long deleted = ((KvProtocol.Removed) run(r -> new KvProtocol.DeleteMetadata(Origin.NONE, true, r)).reply())
        .changedMicros();
    assertTrue(deleted > second.changedMicros(), "so the listing's last write is always the last change's");
  }

  @Test
  void aChangeTheJournalFailsIsAnsweredUnconfirmedAtOnce() {
    // the behavior testkit cannot read the state of an entity that stopped, so this runs it plainly
    var entity = testKit.spawn(KvSecret.create("mount-uuid/app/failing", clock, 0));
    var probe = testKit.<Reply>createTestProbe();
    SealedData sealed = SealedData.seal("kv|mount-uuid/app/failing", SealedData.DataKey.generate(), json("{\"a\":1}"));
    entity.tell(new KvProtocol.Write(sealed, null, null, MOUNT, Origin.NONE, true, probe.ref()));
    assertTrue(probe.receiveMessage() instanceof KvProtocol.Written);
    kit.persistenceTestKit().failNextPersisted();
    entity.tell(new KvProtocol.Write(sealed, null, null, MOUNT, Origin.NONE, false, probe.ref()));
    Reply r = probe.receiveMessage(Duration.ofSeconds(2));
    assertTrue(r instanceof KvProtocol.Unconfirmed, "answered at once, not left to a timeout: " + r);
    probe.expectTerminated(entity, Duration.ofSeconds(2));
  }
}
