package io.arcanum.api.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.arcanum.api.http.VaultException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link StorageHealth}'s verdicts and {@link StorageGate}'s answers, driven by hand (no Cassandra). */
class StorageGateTest {

  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-07T10:00:00Z"), ZoneOffset.UTC);
  private static final RuntimeException DOWN = new RuntimeException("No node was available");

  @Test
  void unavailableAfterFailuresInARowAvailableAtFirstSuccess() {
    StorageHealth h = StorageHealth.manual(2, CLOCK);
    List<Boolean> changes = new ArrayList<>();
    h.onChange(s -> changes.add(s.available()));
    assertTrue(h.available());
    h.record(DOWN);
    assertTrue(h.available(), "one failed probe is not an outage");
    h.record(null);
    h.record(DOWN);
    assertTrue(h.available(), "failures must be in a row");
    h.record(DOWN);
    assertFalse(h.available());
    assertTrue(h.status().lastError().contains("No node was available"), h.status().toString());
    h.record(DOWN);
    h.record(null);
    assertTrue(h.available());
    assertEquals(List.of(false, true), changes, "listeners hear each change once");
  }

  @Test
  void refusesAtOnceAndCutsRequestsInFlightWhileStorageIsUnavailable() {
    StorageHealth h = StorageHealth.manual(1, CLOCK);
    AtomicBoolean unsealed = new AtomicBoolean(true);
    StorageGate gate = new StorageGate(h, unsealed::get, path -> path.equals("sys/metrics"));
    AtomicInteger served = new AtomicInteger();

    assertEquals("ok", gate.guard("secret/data/a", false, () -> done(served)).toCompletableFuture().join());
    CompletableFuture<String> pending = new CompletableFuture<>();
    CompletionStage<String> inFlight = gate.guard("secret/data/b", true, () -> pending);
    assertEquals(1, gate.inFlight());

    h.record(DOWN);
    assertEquals(500, error(inFlight).status(), "a change cut short: its outcome is unknown");
    assertTrue(error(inFlight).errors().get(0).startsWith("the outcome of this request is unknown"));
    assertTrue(error(inFlight).errors().get(0).contains("read secret/data/b"));
    assertEquals(0, gate.inFlight(), "a finished request is forgotten");
    pending.complete("late"); // what the request started goes on; its late result is dropped

    int before = served.get();
    CompletionStage<String> refused = gate.guard("secret/data/c", true, () -> done(served));
    assertEquals(503, error(refused).status(), "refused: nothing was done, retry");
    assertTrue(error(refused).errors().get(0).startsWith("storage is unavailable"));
    assertEquals(before, served.get(), "a refused request never starts");
    for (String free : List.of("sys/health", "sys/seal-status", "sys/seal", "sys/metrics")) {
      assertEquals("ok", gate.guard(free, true, () -> done(served)).toCompletableFuture().join(), free);
    }
    unsealed.set(false);
    assertEquals("ok", gate.guard("secret/data/d", true, () -> done(served)).toCompletableFuture().join(),
        "a sealed node answers for itself (Vault is sealed)");
    unsealed.set(true);

    h.record(null);
    assertEquals("ok", gate.guard("secret/data/e", false, () -> done(served)).toCompletableFuture().join());
    CompletableFuture<String> failing = new CompletableFuture<>();
    CompletionStage<String> failed = gate.guard("secret/data/f", true, () -> failing);
    failing.completeExceptionally(new VaultException(400, List.of("bad")));
    assertEquals(400, error(failed).status(), "the request's own failure passes through");
    assertEquals(0, gate.inFlight());
  }

  private static CompletionStage<String> done(AtomicInteger served) {
    served.incrementAndGet();
    return CompletableFuture.completedFuture("ok");
  }

  private static VaultException error(CompletionStage<?> stage) {
    try {
      stage.toCompletableFuture().join();
    } catch (CompletionException e) {
      return io.arcanum.api.http.Replies.toVaultOrInternal(e.getCause()); // the one mapping to the wire
    }
    throw new AssertionError("expected a failure");
  }
}
