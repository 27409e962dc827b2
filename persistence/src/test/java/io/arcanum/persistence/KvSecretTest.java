package io.arcanum.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.arcanum.domain.barrier.Keyring;
import io.arcanum.domain.kv.KvSecret;
import java.time.Clock;
import java.time.Instant;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The KV entity through the persistence testkit, with every event through the real sealed serializer. */
class KvSecretTest {

  private static ActorTestKit testKit;
  private static final ObjectMapper JSON = new ObjectMapper();
  private EventSourcedBehaviorTestKit<KvSecret.Command, io.arcanum.domain.barrier.SealedEvent, KvSecret.State> kit;

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
        KvSecret.create("mount-uuid/app/db", Clock.systemUTC()),
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

  private EventSourcedBehaviorTestKit.CommandResultWithReply<KvSecret.Command, io.arcanum.domain.barrier.SealedEvent, KvSecret.State, StatusReply<KvSecret.VersionInfo>> write(String data, Integer cas) {
    return kit.<StatusReply<KvSecret.VersionInfo>>runCommand(r -> new KvSecret.Write(json(data), cas, r));
  }

  @Test
  void writesNumberVersionsFromOne() {
    assertEquals(1, write("{\"a\":1}", null).reply().getValue().version());
    assertEquals(2, write("{\"a\":2}", null).reply().getValue().version());
    var read = kit.<StatusReply<KvSecret.ReadResult>>runCommand(r -> new KvSecret.Read(1, r)).reply().getValue();
    assertEquals(json("{\"a\":1}"), read.data());
    var latest = kit.<StatusReply<KvSecret.ReadResult>>runCommand(r -> new KvSecret.Read(null, r)).reply().getValue();
    assertEquals(2, latest.info().version());
    assertEquals(json("{\"a\":2}"), latest.data());
  }

  @Test
  void checkAndSet() {
    var missingCasZero = write("{\"a\":1}", 0);
    assertTrue(missingCasZero.reply().isSuccess(), "cas 0 on a missing path succeeds");
    var again = write("{\"a\":1}", 0);
    assertTrue(again.reply().isError());
    assertEquals(KvSecret.CAS_MISMATCH, again.reply().getError().getMessage());
    assertTrue(again.hasNoEvents());
    assertTrue(write("{\"a\":2}", 1).reply().isSuccess());
    assertEquals(KvSecret.CAS_MISMATCH, write("{\"a\":3}", 5).reply().getError().getMessage());
    assertEquals(2, kit.getState().currentVersion());
  }

  @Test
  void readOfMissingVersion() {
    var r = kit.<StatusReply<KvSecret.ReadResult>>runCommand(rr -> new KvSecret.Read(null, rr)).reply().getValue();
    assertNull(r.info());
    write("{\"a\":1}", null);
    var v9 = kit.<StatusReply<KvSecret.ReadResult>>runCommand(rr -> new KvSecret.Read(9, rr)).reply().getValue();
    assertNull(v9.info());
  }

  @Test
  void stateSurvivesRestartThroughSealedEvents() {
    write("{\"user\":\"admin\",\"n\":[1,2]}", null);
    write("{\"user\":\"root\"}", 1);
    kit.restart();
    assertEquals(2, kit.getState().currentVersion());
    var read = kit.<StatusReply<KvSecret.ReadResult>>runCommand(r -> new KvSecret.Read(1, r)).reply().getValue();
    assertEquals(json("{\"user\":\"admin\",\"n\":[1,2]}"), read.data());
    assertFalse(read.info().destroyed());
  }
}
