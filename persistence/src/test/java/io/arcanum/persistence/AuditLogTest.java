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
    List<AuditLog.RecordAppended> all = new ArrayList<>();
    for (int batch = 0; batch < 25; batch++) {
      List<JsonNode> bodies = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        bodies.add(JSON.createObjectNode().put("type", "request").put("n", batch * 100 + i));
      }
      var result = kit.<Reply>runCommand(r -> new AuditLog.Append(bodies, r));
      assertEquals(100, ((AuditLog.Appended) result.reply()).seqs().size());
      result.events().forEach(e -> all.add((AuditLog.RecordAppended) e));
    }
    List<AuditChain.Link> links = new ArrayList<>();
    all.forEach(r -> links.add(new AuditChain.Link(r.seq(), r.previousHash(), r.hash(), r.body())));
    assertEquals(List.of(), AuditChain.verify("stream-t", AuditChain.GENESIS, 1, links));
    String lastHash = all.get(all.size() - 1).hash();

    kit.restart(); // recovers from the snapshot taken at 2000 plus 500 events
    AuditLog.State state = kit.getState();
    assertEquals(2500, state.seq());
    assertEquals(lastHash, state.lastHash());
    assertNull(state.tampered());
    var next = kit.<Reply>runCommand(
        r -> new AuditLog.Append(List.of(JSON.createObjectNode().put("type", "response")), r));
    AuditLog.RecordAppended appended = (AuditLog.RecordAppended) next.event();
    assertEquals(2501, appended.seq());
    assertEquals(lastHash, appended.previousHash(), "the chain goes on across the snapshot");
  }
}
