package io.arcanum.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.arcanum.domain.Reply;
import io.arcanum.domain.audit.AuditChain;
import io.arcanum.domain.audit.AuditLog;
import io.arcanum.domain.barrier.Keyring;
import io.arcanum.domain.barrier.SealedEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** An audit stream through the persistence testkit: group appends, the chain, and recovery from a sealed snapshot. */
class AuditLogTest {

  private static ActorTestKit testKit;
  private static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create(EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()));
    BarrierExtension.get(testKit.system()).barrier().install(Keyring.generate(Instant.now()));
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void appendsChainAndRecoverFromASnapshot() {
    EventSourcedBehaviorTestKit<AuditLog.Command, SealedEvent, AuditLog.State> kit = EventSourcedBehaviorTestKit.create(
        testKit.system(), AuditLog.create("stream-t"),
        EventSourcedBehaviorTestKit.enabledSerializationSettings().withVerifyState(false));
    List<AuditLog.Record> all = new ArrayList<>();
    for (int batch = 0; batch < 1250; batch++) {
      List<JsonNode> bodies = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        bodies.add(JSON.createObjectNode().put("type", "request").put("n", batch * 2 + i));
      }
      var result = kit.<Reply>runCommand(r -> new AuditLog.Append(bodies, r));
      assertEquals(2, ((AuditLog.Appended) result.reply()).seqs().size());
      assertEquals(1, result.events().size(), "a group commit is one event, one journal row");
      all.addAll(AuditLog.records(result.event()));
    }
    List<AuditChain.Link> links = new ArrayList<>();
    all.forEach(r -> links.add(new AuditChain.Link(r.seq(), r.previousHash(), r.hash(), r.body())));
    assertEquals(2500, links.size());
    assertEquals(List.of(), AuditChain.verify("stream-t", AuditChain.GENESIS, 1, links));
    String lastHash = all.get(all.size() - 1).hash();

    kit.restart(); // recovers from the snapshot taken at event 1000 plus 250 events
    AuditLog.State state = kit.getState();
    assertEquals(2500, state.seq());
    assertEquals(lastHash, state.lastHash());
    assertNull(state.tampered());
    var next = kit.<Reply>runCommand(
        r -> new AuditLog.Append(List.of(JSON.createObjectNode().put("type", "response")), r));
    AuditLog.Record appended = AuditLog.records(next.event()).get(0);
    assertEquals(2501, appended.seq());
    assertEquals(lastHash, appended.previousHash(), "the chain goes on across the snapshot");
  }

  @Test
  void aStreamWrittenOneRecordPerEventGoesOnInGroups() {
    EventSourcedBehaviorTestKit<AuditLog.Command, SealedEvent, AuditLog.State> kit = EventSourcedBehaviorTestKit.create(
        testKit.system(), AuditLog.create("stream-old"),
        EventSourcedBehaviorTestKit.enabledSerializationSettings().withVerifyState(false));
    String id = "audit|stream-old";
    JsonNode b1 = JSON.createObjectNode().put("type", "request").put("n", 1);
    JsonNode b2 = JSON.createObjectNode().put("type", "response").put("n", 2);
    String h1 = AuditChain.hash(AuditChain.GENESIS, "stream-old", 1, b1);
    String h2 = AuditChain.hash(h1, "stream-old", 2, b2);
    kit.initialize(new AuditLog.RecordAppended(id, "stream-old", 1, AuditChain.GENESIS, h1, b1),
        new AuditLog.RecordAppended(id, "stream-old", 2, h1, h2, b2));
    assertEquals(new AuditLog.Position(2, h2), kit.<Reply>runCommand(AuditLog.Head::new).reply());

    var next = kit.<Reply>runCommand(r -> new AuditLog.Append(List.of(b1, b2), r));
    assertEquals(new AuditLog.Appended(List.of(3L, 4L)), next.reply());
    List<AuditLog.Record> records = AuditLog.records(next.event());
    List<AuditChain.Link> links = new ArrayList<>(List.of(new AuditChain.Link(1, AuditChain.GENESIS, h1, b1),
        new AuditChain.Link(2, h1, h2, b2)));
    records.forEach(r -> links.add(new AuditChain.Link(r.seq(), r.previousHash(), r.hash(), r.body())));
    assertEquals(List.of(), AuditChain.verify("stream-old", AuditChain.GENESIS, 1, links));
  }
}
