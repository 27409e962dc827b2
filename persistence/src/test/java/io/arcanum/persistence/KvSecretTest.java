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
import io.arcanum.domain.kv.KvSecret;
import io.arcanum.domain.kv.SealedData;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
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
  private static final KvSecret.MountConfig MOUNT = KvSecret.MountConfig.DEFAULT;

  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-30T10:00:00Z"));
  private EventSourcedBehaviorTestKit<KvSecret.Command, SealedEvent, KvSecret.State> kit;
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

  private StatusReply<KvSecret.Written> writeFull(String data, Integer cas, Integer basedOn, KvSecret.MountConfig mount) {
    SealedData.DataKey key = SealedData.DataKey.generate();
    keys.put(key.keyId(), key.key());
    SealedData sealed = SealedData.seal(PID, key, json(data));
    return kit.<StatusReply<KvSecret.Written>>runCommand(
        r -> new KvSecret.Write(sealed, cas, basedOn, mount, KvSecret.Origin.NONE, r)).reply();
  }

  private StatusReply<KvSecret.VersionInfo> write(String data, Integer cas, KvSecret.MountConfig mount) {
    StatusReply<KvSecret.Written> r = writeFull(data, cas, null, mount);
    return r.isSuccess() ? StatusReply.success(r.getValue().info()) : StatusReply.error(r.getError());
  }

  private StatusReply<KvSecret.VersionInfo> write(String data, Integer cas) {
    return write(data, cas, MOUNT);
  }

  /** Opens a read's sealed data with the key the test made for it. */
  private JsonNode dataOf(KvSecret.ReadResult r) {
    return r.data() == null ? null : r.data().open(PID, keys.get(r.data().keyId()));
  }

  private KvSecret.ReadResult read(Integer version) {
    return kit.<StatusReply<KvSecret.ReadResult>>runCommand(r -> new KvSecret.Read(version, r)).reply().getValue();
  }

  private KvSecret.Metadata metadata() {
    return kit.<StatusReply<KvSecret.Metadata>>runCommand(KvSecret.ReadMetadata::new).reply().getValue();
  }

  @Test
  void eachPathHasOneFixedTagSlice() {
    // the formula is part of the stored format: a path's tag must never change (KvSecret.TAG_SLICES)
    assertEquals("kv-3", KvSecret.tagFor(PID));
    assertEquals(List.of("kv-0", "kv-1", "kv-2", "kv-3", "kv"), KvSecret.TAGS);
    java.util.Set<String> used = new java.util.HashSet<>();
    for (int i = 0; i < 200; i++) {
      used.add(KvSecret.tagFor("kv|mount-uuid/app/k" + i));
    }
    assertEquals(java.util.Set.of("kv-0", "kv-1", "kv-2", "kv-3"), used);
  }

  @Test
  void writesNumberVersionsFromOne() {
    assertEquals(1, write("{\"a\":1}", null).getValue().version());
    assertEquals(2, write("{\"a\":2}", null).getValue().version());
    assertEquals(json("{\"a\":1}"), dataOf(read(1)));
    assertEquals(2, read(null).info().version());
    assertEquals(json("{\"a\":2}"), dataOf(read(null)));
  }

  @Test
  void checkAndSet() {
    assertTrue(write("{\"a\":1}", 0).isSuccess(), "cas 0 on a missing path succeeds");
    var again = write("{\"a\":1}", 0);
    assertEquals(KvSecret.CAS_MISMATCH, again.getError().getMessage(), "cas 0 succeeds only once");
    assertTrue(write("{\"a\":2}", 1).isSuccess());
    assertEquals(KvSecret.CAS_MISMATCH, write("{\"a\":3}", 5).getError().getMessage());
    assertEquals(2, kit.getState().currentVersion());
  }

  @Test
  void casRequiredByKeyOrMount() {
    assertEquals(KvSecret.CAS_REQUIRED,
        write("{\"a\":1}", null, new KvSecret.MountConfig(0, true, Duration.ZERO)).getError().getMessage());
    write("{\"a\":1}", null);
    kit.<StatusReply<KvSecret.ToShred>>runCommand(r -> new KvSecret.WriteMetadata(null, true, null, null, false, MOUNT, KvSecret.Origin.NONE, r));
    assertEquals(KvSecret.CAS_REQUIRED, write("{\"a\":2}", null).getError().getMessage());
    assertTrue(write("{\"a\":2}", 1).isSuccess());
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
      write("{\"v\":" + i + "}", null, new KvSecret.MountConfig(0, false, Duration.ZERO));
    }
    KvSecret.Metadata m = metadata();
    assertEquals(10, m.versions().size());
    assertEquals(3, m.oldestVersion());
    assertEquals(12, m.currentVersion());
    assertNull(read(2).info(), "pruned oldest first");
  }

  @Test
  void keyMaxVersionsSmallerThanMountsWins() {
    kit.<StatusReply<KvSecret.ToShred>>runCommand(r -> new KvSecret.WriteMetadata(2, null, null, null, false, MOUNT, KvSecret.Origin.NONE, r));
    KvSecret.MountConfig mount = new KvSecret.MountConfig(5, false, Duration.ZERO);
    for (int i = 1; i <= 4; i++) {
      write("{\"v\":" + i + "}", null, mount);
    }
    assertEquals(List.of(3, 4), metadata().versions().stream().map(KvSecret.VersionInfo::version).toList());
    assertEquals(2, metadata().maxVersions());
  }

  @Test
  void deleteUndeleteDestroy() {
    write("{\"a\":1}", null);
    write("{\"a\":2}", null);
    kit.<StatusReply<KvSecret.Done>>runCommand(r -> new KvSecret.DeleteVersions(List.of(), KvSecret.Origin.NONE, r));
    KvSecret.ReadResult latest = read(null);
    assertNull(dataOf(latest), "DELETE data/ soft-deletes the latest version");
    assertNotNull(latest.info().deletionTime());
    assertEquals(json("{\"a\":1}"), dataOf(read(1)));
    kit.<StatusReply<KvSecret.Done>>runCommand(r -> new KvSecret.UndeleteVersions(List.of(2), KvSecret.Origin.NONE, r));
    assertEquals(json("{\"a\":2}"), dataOf(read(2)));
    String key1 = read(1).data().keyId();
    var destroyed = kit.<StatusReply<KvSecret.ToShred>>runCommand(r -> new KvSecret.DestroyVersions(List.of(1), KvSecret.Origin.NONE, r));
    assertEquals(List.of(key1), destroyed.reply().getValue().keyIds(), "destroy hands back the data key to forget");
    assertTrue(read(1).info().destroyed());
    var again = kit.<StatusReply<KvSecret.ToShred>>runCommand(r -> new KvSecret.DestroyVersions(List.of(1), KvSecret.Origin.NONE, r));
    assertTrue(again.hasNoEvents());
    assertEquals(List.of(key1), again.reply().getValue().keyIds(), "a repeated destroy forgets the key again");
    assertNull(dataOf(read(1)));
    var undelete = kit.<StatusReply<KvSecret.Done>>runCommand(r -> new KvSecret.UndeleteVersions(List.of(1), KvSecret.Origin.NONE, r));
    assertTrue(undelete.hasNoEvents(), "undelete of a destroyed version changes nothing");
    assertTrue(read(1).info().destroyed());
    kit.restart();
    assertTrue(read(1).info().destroyed(), "destroyed stays destroyed after replay");
    assertEquals(json("{\"a\":2}"), dataOf(read(2)));
  }

  @Test
  void deleteVersionAfterSoftDeletesOnTime() {
    write("{\"a\":1}", null, new KvSecret.MountConfig(0, false, Duration.ofMinutes(10)));
    assertNotNull(dataOf(read(1)));
    assertNotNull(read(1).info().deletionTime(), "the scheduled deletion time is reported");
    clock.advance(Duration.ofMinutes(11));
    assertNull(dataOf(read(1)));
    assertEquals(Duration.ofMinutes(5), KvSecret.effectiveDeleteVersionAfter(Duration.ofMinutes(5), Duration.ofMinutes(10)));
    assertEquals(Duration.ofMinutes(10), KvSecret.effectiveDeleteVersionAfter(Duration.ofHours(5), Duration.ofMinutes(10)));
  }

  @Test
  void patchedWriteMustBeBasedOnTheLatestVersion() {
    write("{\"a\":1}", null);
    var patched = kit.<StatusReply<KvSecret.Written>>runCommand(r -> new KvSecret.Write(
        SealedData.seal(PID, SealedData.DataKey.generate(), json("{\"a\":2}")), null, 1, MOUNT, KvSecret.Origin.NONE, r));
    assertTrue(patched.reply().isSuccess());
    assertTrue(((KvSecret.VersionWritten) patched.event()).patch(), "the event records that a patch made it");
    assertEquals(KvSecret.STALE_PATCH, writeFull("{\"a\":3}", null, 1, MOUNT).getError().getMessage(),
        "a patch computed from version 1 cannot land on version 2");
    assertEquals(KvSecret.CAS_MISMATCH, writeFull("{\"a\":3}", 1, 2, MOUNT).getError().getMessage(),
        "the client's cas is checked as well");
  }

  @Test
  void prunedVersionsHandBackTheirKeys() {
    KvSecret.MountConfig two = new KvSecret.MountConfig(2, false, Duration.ZERO);
    writeFull("{\"v\":1}", null, null, two);
    String first = read(1).data().keyId();
    writeFull("{\"v\":2}", null, null, two);
    assertEquals(List.of(first), writeFull("{\"v\":3}", null, null, two).getValue().pruned());
    String second = read(2).data().keyId();
    var lowered = kit.<StatusReply<KvSecret.ToShred>>runCommand(
        r -> new KvSecret.WriteMetadata(1, null, null, null, false, two, KvSecret.Origin.NONE, r));
    assertEquals(List.of(second), lowered.reply().getValue().keyIds());
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
    assertEquals(KvSecret.NO_METADATA, kit.<StatusReply<KvSecret.ToShred>>runCommand(
        r -> new KvSecret.WriteMetadata(null, null, null, Map.of("a", "b"), true, MOUNT, KvSecret.Origin.NONE, r)).reply().getError().getMessage());
    kit.<StatusReply<KvSecret.ToShred>>runCommand(r -> new KvSecret.WriteMetadata(null, null, null, Map.of("owner", "ops", "team", "x"), false, MOUNT, KvSecret.Origin.NONE, r));
    java.util.Map<String, String> patch = new java.util.HashMap<>();
    patch.put("team", null);
    patch.put("env", "prod");
    kit.<StatusReply<KvSecret.ToShred>>runCommand(r -> new KvSecret.WriteMetadata(null, null, null, patch, true, MOUNT, KvSecret.Origin.NONE, r));
    assertEquals(Map.of("owner", "ops", "env", "prod"), metadata().customMetadata(), "PATCH merges custom metadata");
    kit.<StatusReply<KvSecret.ToShred>>runCommand(r -> new KvSecret.WriteMetadata(null, null, null, Map.of("owner", "ops"), false, MOUNT, KvSecret.Origin.NONE, r));
    write("{\"a\":1}", null);
    assertEquals(Map.of("owner", "ops"), metadata().customMetadata());
    kit.<StatusReply<KvSecret.ToShred>>runCommand(r -> new KvSecret.DeleteMetadata(KvSecret.Origin.NONE, r));
    assertFalse(metadata().exists());
    assertNull(read(1).info());
    assertEquals(1, write("{\"a\":1}", null).getValue().version(), "a new history starts at version 1");
  }

  @Test
  void stateSurvivesRestartThroughSealedEventsAndSnapshots() {
    for (int i = 1; i <= 13; i++) {
      write("{\"user\":\"u" + i + "\",\"n\":[1,2]}", null);
    }
    kit.<StatusReply<KvSecret.Done>>runCommand(r -> new KvSecret.DeleteVersions(List.of(12), KvSecret.Origin.NONE, r));
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
    KvSecret.VersionWritten first = new KvSecret.VersionWritten(PID, 1, 1, data, t, null, 1, false, KvSecret.Origin.NONE);
    KvSecret.VersionWritten second = new KvSecret.VersionWritten(PID, 2, 2, data, t, null, 1, false, KvSecret.Origin.NONE);
    assertEquals(2, KvSecret.stateAt("mount-uuid/app/db", List.of(first, second), t).info().version());
    for (List<SealedEvent> bad : List.of(List.<SealedEvent>of(first, first), List.<SealedEvent>of(second, first),
        List.<SealedEvent>of(second))) {
      io.arcanum.domain.barrier.IntegrityException e = org.junit.jupiter.api.Assertions.assertThrows(
          io.arcanum.domain.barrier.IntegrityException.class, () -> KvSecret.stateAt("mount-uuid/app/db", bad, t));
      assertTrue(e.getMessage().contains("out of sequence"), e.getMessage());
    }
  }

  @Test
  void aPatchBasedOnADeletedOrDestroyedVersionIsStale() {
    write("{\"a\":1}", null);
    kit.<StatusReply<KvSecret.Done>>runCommand(r -> new KvSecret.DeleteVersions(List.of(1), KvSecret.Origin.NONE, r));
    assertEquals(KvSecret.STALE_PATCH, writeFull("{\"a\":2}", null, 1, MOUNT).getError().getMessage(),
        "a patch merged onto version 1 before its delete must not bring its data back");
    kit.<StatusReply<KvSecret.Done>>runCommand(r -> new KvSecret.UndeleteVersions(List.of(1), KvSecret.Origin.NONE, r));
    kit.<StatusReply<KvSecret.ToShred>>runCommand(r -> new KvSecret.DestroyVersions(List.of(1), KvSecret.Origin.NONE, r));
    assertEquals(KvSecret.STALE_PATCH, writeFull("{\"a\":2}", null, 1, MOUNT).getError().getMessage(),
        "nor after its destroy");
  }

  @Test
  void metadataDeleteHandsBackExactlyTheKeysItRemoved() {
    writeFull("{\"a\":1}", null, null, MOUNT);
    writeFull("{\"a\":2}", null, null, MOUNT);
    List<String> expected = List.of(read(1).data().keyId(), read(2).data().keyId());
    var deleted = kit.<StatusReply<KvSecret.ToShred>>runCommand(r -> new KvSecret.DeleteMetadata(KvSecret.Origin.NONE, r));
    assertEquals(expected, deleted.reply().getValue().keyIds(),
        "only these: a write racing the delete keeps its own key");
  }
}
