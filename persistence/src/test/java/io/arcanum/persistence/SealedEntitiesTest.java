package io.arcanum.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.arcanum.domain.Refusal;
import io.arcanum.domain.Rejected;
import io.arcanum.domain.Reply;
import io.arcanum.domain.audit.AuditChain;
import io.arcanum.domain.audit.AuditDevices;
import io.arcanum.domain.audit.AuditLog;
import io.arcanum.domain.barrier.Keyring;
import io.arcanum.domain.barrier.SealedEvent;
import io.arcanum.domain.barrier.TamperedEvent;
import io.arcanum.domain.mount.MountTable;
import io.arcanum.domain.policy.Policy;
import io.arcanum.domain.policy.PolicyStore;
import io.arcanum.domain.seal.KeyringStore;
import io.arcanum.domain.seal.SealKeys;
import io.arcanum.domain.token.TokenAccessor;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The entities besides KV through the persistence testkit: each answers with a typed reply or a
 * {@link Rejected} carrying its {@link Refusal} and Vault's message, and (those on
 * {@link io.arcanum.domain.entity.SealedEntity}) answers every command with an integrity rejection
 * after a tampered event or an event of another entity, never with what it held.
 */
class SealedEntitiesTest {

  private static ActorTestKit testKit;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create(EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()));
    BarrierExtension.get(testKit.system()).barrier().install(Keyring.generate(Instant.now()));
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private static <C, S> EventSourcedBehaviorTestKit<C, SealedEvent, S> kit(org.apache.pekko.actor.typed.Behavior<C> b) {
    EventSourcedBehaviorTestKit<C, SealedEvent, S> kit = EventSourcedBehaviorTestKit.create(testKit.system(), b,
        EventSourcedBehaviorTestKit.enabledSerializationSettings().withVerifyState(false));
    kit.clear();
    return kit;
  }

  private static Rejected rejected(Reply reply) {
    assertTrue(reply instanceof Rejected, () -> "expected a rejection, got " + reply);
    return (Rejected) reply;
  }

  private static TamperedEvent tampered(String entityId) {
    return new TamperedEvent(entityId, "authentication tag mismatch", "some.Event", new byte[] {9, 9, 9});
  }

  private static void assertIntegrityFailure(Reply reply, String detail) {
    Rejected r = rejected(reply);
    assertEquals(Refusal.INTEGRITY, r.refusal());
    assertTrue(r.message().startsWith("integrity check failed: "), r.message());
    assertTrue(r.message().contains(detail), r.message());
    assertEquals(500, r.refusal().status());
  }

  @Test
  void policyStoreRefusesRootAndDefaultAndFailsOnAForeignEvent() {
    EventSourcedBehaviorTestKit<PolicyStore.Command, SealedEvent, PolicyStore.State> kit = kit(PolicyStore.create());
    assertEquals(new Rejected(Refusal.ROOT_POLICY_IMMUTABLE, "cannot update \"root\" policy"),
        kit.<Reply>runCommand(r -> new PolicyStore.Put(Policy.ROOT, "path \"*\" {}", r)).reply());
    assertEquals(new Rejected(Refusal.POLICY_NOT_DELETABLE, "cannot delete \"default\" policy"),
        kit.<Reply>runCommand(r -> new PolicyStore.Delete(Policy.DEFAULT, r)).reply());
    assertEquals(PolicyStore.Done.DONE,
        kit.<Reply>runCommand(r -> new PolicyStore.Put("dev", "path \"secret/*\" { capabilities = [\"read\"] }", r)).reply());
    var none = kit.<Reply>runCommand(r -> new PolicyStore.Delete("nothing-here", r));
    assertTrue(none.hasNoEvents(), "deleting a policy that does not exist changes nothing");
    Reply all = kit.<Reply>runCommand(PolicyStore.GetAll::new).reply();
    assertEquals(List.of("default", "dev"), List.copyOf(new java.util.TreeSet<>(((PolicyStore.Policies) all).byName().keySet())));

    kit.initialize(new PolicyStore.PolicyWritten("policies|elsewhere", "evil", "path \"*\" {}", Instant.now()));
    assertIntegrityFailure(kit.<Reply>runCommand(PolicyStore.GetAll::new).reply(), "event belongs to another entity");
    var refused = kit.<Reply>runCommand(r -> new PolicyStore.Put("dev", "path \"*\" {}", r));
    assertTrue(refused.hasNoEvents(), "nothing is written on top of a failed history");
    assertIntegrityFailure(refused.reply(), "policies|acl");
  }

  @Test
  void mountTableNamesTheMountInTheWay() {
    EventSourcedBehaviorTestKit<MountTable.Command, SealedEvent, MountTable.State> kit = kit(MountTable.create());
    MountTable.Mount secret = MountTable.Mount.kv2("secret/", "u1", "kv_1", "", Instant.now());
    assertEquals(new MountTable.Mounted(secret), kit.<Reply>runCommand(r -> new MountTable.Enable(secret, r)).reply());
    assertEquals(new Rejected(Refusal.MOUNT_PATH_IN_USE, "path is already in use at secret/"), kit.<Reply>runCommand(
        r -> new MountTable.Enable(MountTable.Mount.kv2("secret/", "u2", "kv_2", "", Instant.now()), r)).reply());
    assertEquals(new Rejected(Refusal.MOUNT_NESTED, "existing mount at secret/"), kit.<Reply>runCommand(
        r -> new MountTable.Enable(MountTable.Mount.kv2("secret/app/", "u3", "kv_3", "", Instant.now()), r)).reply());
    assertEquals(Rejected.of(Refusal.NO_MOUNT), kit.<Reply>runCommand(
        r -> new MountTable.Tune("nowhere/", "d", null, null, r)).reply());
    assertEquals(400, Refusal.NO_MOUNT.status());
    assertEquals("no mount at this path", Refusal.NO_MOUNT.message());
    assertEquals(new MountTable.Disabled(null), kit.<Reply>runCommand(r -> new MountTable.Disable("nowhere/", r)).reply());
    assertEquals(new MountTable.Disabled(secret), kit.<Reply>runCommand(r -> new MountTable.Disable("secret/", r)).reply());

    kit.initialize(tampered(MountTable.PERSISTENCE_ID.id()));
    assertIntegrityFailure(kit.<Reply>runCommand(MountTable.Get::new).reply(), "authentication tag mismatch");
  }

  @Test
  void auditDevicesRefuseATakenPathAndNeverPrintASalt() {
    EventSourcedBehaviorTestKit<AuditDevices.Command, SealedEvent, AuditDevices.State> kit = kit(AuditDevices.create());
    byte[] salt = new byte[32];
    java.util.Arrays.fill(salt, (byte) 0x5a);
    AuditDevices.Device file = new AuditDevices.Device("file/", "file", "", Map.of("file_path", "stdout"), salt,
        "id1", Instant.now());
    assertEquals(AuditDevices.Done.DONE, kit.<Reply>runCommand(r -> new AuditDevices.Enable(file, r)).reply());
    assertEquals(new Rejected(Refusal.AUDIT_PATH_IN_USE, "path already in use"),
        kit.<Reply>runCommand(r -> new AuditDevices.Enable(file, r)).reply());
    assertFalse(file.toString().contains(java.util.HexFormat.of().formatHex(salt)));
    assertFalse(file.toString().contains(java.util.Arrays.toString(salt)));
    assertFalse(file.toString().contains("[B@"), file.toString());
    assertTrue(file.toString().contains("file/"), file.toString());

    kit.initialize(tampered("audit-devices|table"));
    assertIntegrityFailure(kit.<Reply>runCommand(AuditDevices.Get::new).reply(), "audit-devices|table");
  }

  @Test
  void tokenAccessorResolvesOnceRegistered() {
    EventSourcedBehaviorTestKit<TokenAccessor.Command, SealedEvent, TokenAccessor.State> kit =
        kit(TokenAccessor.create("acc-1"));
    assertEquals(new Rejected(Refusal.INVALID_ACCESSOR, "invalid accessor"),
        kit.<Reply>runCommand(TokenAccessor.Resolve::new).reply());
    assertEquals(new TokenAccessor.Resolved("hash-1"),
        kit.<Reply>runCommand(r -> new TokenAccessor.Register("hash-1", r)).reply());
    assertEquals(new Rejected(Refusal.ACCESSOR_IN_USE, "accessor already in use"),
        kit.<Reply>runCommand(r -> new TokenAccessor.Register("hash-2", r)).reply());
    assertEquals(new TokenAccessor.Resolved("hash-1"), kit.<Reply>runCommand(TokenAccessor.Resolve::new).reply());

    kit.initialize(new TokenAccessor.Registered("accessor|acc-1", "hash-1"), tampered("accessor|acc-1"),
        new TokenAccessor.Registered("accessor|acc-1", "hash-3"));
    assertIntegrityFailure(kit.<Reply>runCommand(TokenAccessor.Resolve::new).reply(), "authentication tag mismatch");
  }

  @Test
  void auditLogRefusesAppendsOnceItsChainIsBroken() {
    EventSourcedBehaviorTestKit<AuditLog.Command, SealedEvent, AuditLog.State> kit = kit(AuditLog.create("stream-x"));
    ObjectMapper json = new ObjectMapper();
    var first = kit.<Reply>runCommand(r -> new AuditLog.Append(List.of(json.createObjectNode().put("n", 1)), r));
    assertEquals(new AuditLog.Appended(List.of(1L)), first.reply());
    AuditLog.RecordsAppended one = (AuditLog.RecordsAppended) first.event();
    String hash = one.records().get(0).hash();
    assertEquals(new AuditLog.Position(1, hash), kit.<Reply>runCommand(AuditLog.Head::new).reply());

    // the same record twice: authentic, but out of the chain
    kit.initialize(one, one);
    assertIntegrityFailure(kit.<Reply>runCommand(r -> new AuditLog.Append(List.of(json.createObjectNode()), r)).reply(),
        "audit chain broken at record 1");
    assertEquals(AuditChain.GENESIS, one.records().get(0).previousHash());
  }

  @Test
  void keyringStoreRefusesWithVaultsMessages() {
    EventSourcedBehaviorTestKit<KeyringStore.Command, KeyringStore.Event, KeyringStore.State> kit =
        EventSourcedBehaviorTestKit.create(testKit.system(), KeyringStore.create(),
            EventSourcedBehaviorTestKit.enabledSerializationSettings().withVerifyState(false));
    kit.clear();
    assertEquals(new Rejected(Refusal.NOT_INITIALIZED, "Vault is not initialized"),
        kit.<Reply>runCommand(r -> new KeyringStore.Rotate(1, 2, new byte[] {1}, r)).reply());
    SealKeys.StoredKeys keys = new SealKeys.StoredKeys(1, 1, new byte[] {1, 2}, new byte[] {3, 4});
    assertEquals(KeyringStore.Done.DONE, kit.<Reply>runCommand(r -> new KeyringStore.Initialize(keys, "c1", r)).reply());
    assertEquals(new Rejected(Refusal.ALREADY_INITIALIZED, "Vault is already initialized"),
        kit.<Reply>runCommand(r -> new KeyringStore.Initialize(keys, "c2", r)).reply());
    assertEquals(new Rejected(Refusal.KEYRING_CHANGED, "the keyring was rotated meanwhile; try again"),
        kit.<Reply>runCommand(r -> new KeyringStore.Rotate(2, 3, new byte[] {5}, r)).reply());
    assertEquals(KeyringStore.Done.DONE,
        kit.<Reply>runCommand(r -> new KeyringStore.Rotate(1, 2, new byte[] {5}, r)).reply());
    Reply state = kit.<Reply>runCommand(KeyringStore.Get::new).reply();
    assertEquals(2, ((KeyringStore.State) state).term());
    assertEquals("c1", ((KeyringStore.State) state).clusterId());
  }
}
