package io.arcanum.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.arcanum.domain.barrier.SealedEvent;
import io.arcanum.domain.kv.KvSecret;
import io.arcanum.localcassandra.testing.CassandraTestNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * KV events spread over {@link KvSecret#TAG_SLICES} tags, against the real local Cassandra: each path's
 * events are under its own slice's tag only, listing and forensics verify read every slice, and events
 * an earlier version wrote under the single {@link KvSecret#LEGACY_TAG} are still listed and verified.
 */
@ExtendWith(CassandraTestNode.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KvTagSlicesTest {

  private TestServer server;
  private String root;
  private String mountUuid;

  @BeforeAll
  void start() {
    server = new TestServer(TestServer.freshKeyspace("it_kvtags"));
    root = server.initUnsealAndMount("secret");
    mountUuid = call("GET", "sys/mounts", null).body().get("data").get("secret/").get("uuid").asText();
  }

  @AfterAll
  void stop() {
    server.close();
  }

  private TestServer.Reply call(String method, String path, String body) {
    return server.call(method, path, root, body);
  }

  private static long eventually(Supplier<Boolean> condition) {
    return TestServer.eventually(condition);
  }

  private List<String> keys(String folder) {
    TestServer.Reply r = call("LIST", "secret/metadata/" + folder, null);
    List<String> out = new ArrayList<>();
    if (r.status() == 200) {
      r.body().get("data").get("keys").forEach(k -> out.add(k.asText()));
    }
    return out;
  }

  /** The persistence ids of the events under {@code tag} that the read journal returns now. */
  private Set<String> persistenceIdsTagged(String tag) {
    CassandraReadJournal journal = PersistenceQuery.get(server.node.system())
        .getReadJournalFor(CassandraReadJournal.class, CassandraReadJournal.Identifier());
    try {
      return new HashSet<>(journal.currentEventsByTag(tag, journal.timeBasedUUIDFrom(0))
          .map(e -> e.persistenceId())
          .runWith(Sink.seq(), server.node.system())
          .toCompletableFuture().get(30, TimeUnit.SECONDS));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void eachPathsEventsAreUnderItsOwnSliceAndEverySliceIsListedAndVerified() {
    Instant before = Instant.now();
    Set<String> pids = new HashSet<>();
    Set<String> slices = new HashSet<>();
    // at least 12 paths, and as many more as it takes for every slice to hold some (the mount is new)
    for (int i = 0; i < 12 || slices.size() < KvSecret.TAG_SLICES; i++) {
      String pid = "kv|" + mountUuid + "/spread/k" + i;
      pids.add(pid);
      slices.add(KvSecret.tagFor(pid));
      assertEquals(200, call("POST", "secret/data/spread/k" + i, "{\"data\":{\"v\":\"" + i + "\"}}").status());
    }
    Instant after = Instant.now();
    int written = pids.size();

    eventually(() -> keys("spread").size() == written);
    eventually(() -> {
      for (int s = 0; s < KvSecret.TAG_SLICES; s++) {
        String tag = KvSecret.TAGS.get(s);
        Set<String> expected = new HashSet<>();
        pids.stream().filter(p -> KvSecret.tagFor(p).equals(tag)).forEach(expected::add);
        Set<String> found = persistenceIdsTagged(tag);
        found.retainAll(pids);
        if (!found.equals(expected)) {
          return false;
        }
      }
      return true;
    });
    Set<String> legacy = persistenceIdsTagged(KvSecret.LEGACY_TAG);
    legacy.retainAll(pids);
    assertEquals(Set.of(), legacy, "nothing new is written under the legacy tag");

    // verify finds every one of those events, whichever tag it is under
    JsonNode verify = call("POST", "sys/forensics/verify",
        "{\"from\":\"" + before + "\",\"to\":\"" + after + "\"}").body().get("data");
    assertTrue(verify.get("ok").asBoolean(), () -> verify.toString());
    assertEquals(written, verify.get("events_checked").asInt(), () -> verify.toString());
  }

  @Test
  void aFolderEmptiedByOneTagWhileAnotherTagFillsItStaysListed() {
    // In each folder a key of one tag is deleted while a key of another tag is written, so two
    // projections change the folder at about the same time; every folder must stay listed. The window
    // is a few milliseconds: without KvIndex's re-read this test failed in both of two runs (3 and 9
    // folders missing of 200); it can still pass by chance when that re-read is missing.
    int folders = 200;
    List<String[]> firsts = new ArrayList<>();
    List<String[]> race = new ArrayList<>();
    List<String> expected = new ArrayList<>();
    for (int f = 0; f < folders; f++) {
      String folder = String.format("race/f%03d/", f);
      String first = folder + "a";
      String firstTag = KvSecret.tagFor("kv|" + mountUuid + "/" + first);
      String second = null;
      for (int j = 0; second == null; j++) {
        String candidate = folder + "b" + j;
        if (!KvSecret.tagFor("kv|" + mountUuid + "/" + candidate).equals(firstTag)) {
          second = candidate;
        }
      }
      firsts.add(new String[] {"POST", "secret/data/" + first, "{\"data\":{\"v\":\"1\"}}"});
      race.add(new String[] {"DELETE", "secret/metadata/" + first});
      race.add(new String[] {"POST", "secret/data/" + second, "{\"data\":{\"v\":\"2\"}}"});
      expected.add(String.format("f%03d/", f));
    }
    for (TestServer.Reply r : server.callAll(firsts, root, 16)) {
      assertEquals(200, r.status(), () -> "body: " + r.body());
    }
    eventually(() -> keys("race").size() == folders);
    for (TestServer.Reply r : server.callAll(race, root, 16)) {
      assertTrue(r.status() == 200 || r.status() == 204, () -> "body: " + r.body());
    }
    // every folder ends with its b key only; then its parent must list it
    for (int f = 0; f < folders; f++) {
      String folder = String.format("race/f%03d", f);
      eventually(() -> {
        List<String> in = keys(folder);
        return in.size() == 1 && in.get(0).startsWith("b");
      });
    }
    List<String> missing = new ArrayList<>(expected);
    missing.removeAll(keys("race"));
    assertEquals(List.of(), missing, "folders holding a key but not listed");
  }

  @Test
  void eventsUnderTheLegacyTagAreStillListedAndVerified() throws Exception {
    Instant before = Instant.now();
    String pid = "kv|" + mountUuid + "/legacy/old-key";
    SealedEvent event = new KvSecret.MetadataWritten(pid, 1, 0, false, Duration.ZERO, Map.of(), Instant.now(), 0,
        new KvSecret.Origin("legacy-request", "legacy-accessor"));
    ActorRef<ActorRef<Done>> writer = server.node.system().systemActorOf(new LegacyTagged(pid, event),
        "legacy-writer", Props.empty());
    AskPattern.<ActorRef<Done>, Done>ask(writer, replyTo -> replyTo, Duration.ofSeconds(10), server.node.system().scheduler())
        .toCompletableFuture().get(15, TimeUnit.SECONDS);
    Instant after = Instant.now();

    eventually(() -> keys("legacy").equals(List.of("old-key")));

    JsonNode verify = call("POST", "sys/forensics/verify",
        "{\"from\":\"" + before + "\",\"to\":\"" + after + "\"}").body().get("data");
    assertFalse(verify.get("ok").asBoolean(), () -> verify.toString());
    assertEquals(1, verify.get("events_checked").asInt(), () -> verify.toString());
    String problems = verify.get("problems").toString();
    assertTrue(problems.contains(pid) && problems.contains("legacy-request"), problems);
  }

  /** Persists one given event under {@link KvSecret#LEGACY_TAG}, as versions before tag slices did. */
  private static final class LegacyTagged extends EventSourcedBehavior<ActorRef<Done>, SealedEvent, Integer> {
    private final SealedEvent event;

    LegacyTagged(String persistenceId, SealedEvent event) {
      super(PersistenceId.ofUniqueId(persistenceId));
      this.event = event;
    }

    @Override
    public Integer emptyState() {
      return 0;
    }

    @Override
    public CommandHandler<ActorRef<Done>, SealedEvent, Integer> commandHandler() {
      return newCommandHandlerBuilder().forAnyState()
          .onAnyCommand((state, replyTo) -> Effect().persist(event).thenReply(replyTo, s -> Done.getInstance()));
    }

    @Override
    public EventHandler<Integer, SealedEvent> eventHandler() {
      return newEventHandlerBuilder().forAnyState().onAnyEvent((state, e) -> state + 1);
    }

    @Override
    public Set<String> tagsFor(SealedEvent e) {
      return Set.of(KvSecret.LEGACY_TAG);
    }
  }
}
