package io.arcanum.domain.kv;

import io.arcanum.domain.Refusal;
import io.arcanum.domain.Rejected;
import io.arcanum.domain.Reply;
import io.arcanum.domain.barrier.SealedEvent;
import io.arcanum.domain.entity.SealedEntity;
import io.arcanum.domain.kv.KvProtocol.Command;
import io.arcanum.domain.kv.KvProtocol.DeleteMetadata;
import io.arcanum.domain.kv.KvProtocol.DeleteVersions;
import io.arcanum.domain.kv.KvProtocol.DestroyVersions;
import io.arcanum.domain.kv.KvProtocol.Done;
import io.arcanum.domain.kv.KvProtocol.Existence;
import io.arcanum.domain.kv.KvProtocol.Exists;
import io.arcanum.domain.kv.KvProtocol.MetadataChanged;
import io.arcanum.domain.kv.KvProtocol.Origin;
import io.arcanum.domain.kv.KvProtocol.Read;
import io.arcanum.domain.kv.KvProtocol.ReadMetadata;
import io.arcanum.domain.kv.KvProtocol.Removed;
import io.arcanum.domain.kv.KvProtocol.Stop;
import io.arcanum.domain.kv.KvProtocol.ToShred;
import io.arcanum.domain.kv.KvProtocol.Unconfirmed;
import io.arcanum.domain.kv.KvProtocol.UndeleteVersions;
import io.arcanum.domain.kv.KvProtocol.Write;
import io.arcanum.domain.kv.KvProtocol.WriteMetadata;
import io.arcanum.domain.kv.KvProtocol.Written;
import io.arcanum.domain.kv.KvState.StoredVersion;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.JournalPersistFailed;
import org.apache.pekko.persistence.typed.JournalPersistRejected;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One KV version 2 secret path: its versions and metadata, as a persistent actor (one per path,
 * under cluster sharding; entity id {@code <mount uuid>/<path>}). Its commands and replies are in
 * {@link KvProtocol}, its state and Vault's KV rules in {@link KvState}, point-in-time replay in
 * {@link KvHistory}. Semantics follow Vault's KV v2 (VAULT-API.md, "KV version 2").
 *
 * <p>How commands become events:
 * <ul>
 *   <li>a {@link Write} that passes check-and-set becomes a {@link VersionWritten} with the next
 *       version, its scheduled deletion time (from {@code delete_version_after}) and the oldest
 *       version to keep (from {@code max_versions}; older ones are pruned on replay too);</li>
 *   <li>{@link DeleteVersions}, {@link UndeleteVersions}, {@link DestroyVersions} become
 *       {@link VersionsDeleted}, {@link VersionsUndeleted}, {@link VersionsDestroyed} for the versions
 *       they change (none: no event);</li>
 *   <li>{@link WriteMetadata} becomes {@link MetadataWritten}; {@link DeleteMetadata} becomes
 *       {@link MetadataDeleted}, after which the path starts again from nothing;</li>
 *   <li>reads persist nothing.</li>
 * </ul>
 * The entity never sees a secret's data in clear: each version's data arrives as {@link SealedData},
 * encrypted by the caller under a data key of its own that lives outside the journal. Destroying a
 * version (or deleting the metadata, or pruning it) hands its key id back to the caller, which
 * forgets the key; every copy of the ciphertext in events and snapshots is then unreadable for good
 * (crypto-shredding, docs/audit.md). A merge patch is applied by the caller too, which reads the
 * latest version, merges, and writes with {@code basedOn} set to the version it read.
 *
 * <p>The listing (LIST) shows every key that exists, read-your-writes: the caller updates it after a
 * change that brings a key into existence or out of it, before acknowledging, using the change's
 * time as the listing row's write timestamp, so that the last change of a path wins whatever order
 * the updates reach storage in. Event times are therefore strictly increasing per path
 * ({@link KvState#nextEventTime}). Such a change is accepted only when the caller says it recorded a
 * listing intent first (a durable note naming the path), from which the listing is repaired if the
 * caller dies between the event and the listing update; a change without one is refused with
 * {@link Refusal#LISTING_INTENT_REQUIRED}, and the caller records one and sends it again.
 *
 * <p>No event is tagged: nothing reads KV events by tag (earlier versions' tagged copies are unused).
 *
 * <p>Every event is sealed by the barrier and names this entity, which checks the name and the
 * event's position on replay ({@link SealedEntity}). Snapshots (sealed too) every N events keep
 * recovery of long histories fast. When the journal fails to store an event, the entity stops; the
 * command being persisted is answered {@link Unconfirmed} at once, so that its caller reports an
 * unknown outcome instead of waiting for a timeout.
 */
public final class KvSecret extends SealedEntity<Command, KvState> {

  /** The sharding type key; persistence ids are {@code kv|<mount uuid>/<path>}. */
  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "kv");

  // ---- events (their class names are part of the stored form: never rename or move them) ----

  /**
   * An event of a secret. Each carries its position {@code n} in the secret's history (1, 2, ...),
   * sealed with it, so that an authentic event of the same path replayed at another position
   * (duplicated, reordered, or with events missing before it) fails the entity like a tampered one.
   */
  public interface Event extends SealedEvent {
    /** @return the event's position in the secret's history, from 1 */
    long n();

    /** @return when it happened */
    Instant time();
  }

  /**
   * A version was written.
   *
   * @param entityId the persistence id of the secret
   * @param n its position in the secret's history, from 1
   * @param version the new version number
   * @param data the data, sealed under the version's data key (null only in a replay that stands for
   *     a version destroyed later)
   * @param createdTime when
   * @param deletionTime when it will be soft-deleted (delete_version_after), or null
   * @param keepFrom versions below this one are pruned
   * @param patch whether it was made by a merge patch
   * @param origin who wrote it
   */
  public record VersionWritten(String entityId, long n, int version, SealedData data, Instant createdTime,
      Instant deletionTime, int keepFrom, boolean patch, Origin origin) implements Event {
    @Override
    public Instant time() {
      return createdTime;
    }
  }

  /**
   * Versions were soft-deleted.
   *
   * @param entityId the persistence id
   * @param n its position in the secret's history, from 1
   * @param versions the versions
   * @param time the deletion time
   * @param origin who did it
   */
  public record VersionsDeleted(String entityId, long n, List<Integer> versions, Instant time, Origin origin)
      implements Event {}

  /**
   * Soft deletes were undone.
   *
   * @param entityId the persistence id
   * @param n its position in the secret's history, from 1
   * @param versions the versions
   * @param time when
   * @param origin who did it
   */
  public record VersionsUndeleted(String entityId, long n, List<Integer> versions, Instant time, Origin origin)
      implements Event {}

  /**
   * Versions' data was destroyed.
   *
   * @param entityId the persistence id
   * @param n its position in the secret's history, from 1
   * @param versions the versions
   * @param time when
   * @param origin who did it
   */
  public record VersionsDestroyed(String entityId, long n, List<Integer> versions, Instant time, Origin origin)
      implements Event {}

  /**
   * The key's settings changed.
   *
   * @param entityId the persistence id
   * @param n its position in the secret's history, from 1
   * @param maxVersions versions kept (0: the mount's)
   * @param casRequired whether writes need cas
   * @param deleteVersionAfter soft-delete delay (zero: the mount's)
   * @param customMetadata custom metadata
   * @param time when
   * @param keepFrom versions below this one are pruned
   * @param origin who did it
   */
  public record MetadataWritten(String entityId, long n, int maxVersions, boolean casRequired, Duration deleteVersionAfter,
      Map<String, String> customMetadata, Instant time, int keepFrom, Origin origin) implements Event {}

  /**
   * Every version and the metadata were removed.
   *
   * @param entityId the persistence id
   * @param n its position in the secret's history, from 1
   * @param time when
   * @param origin who did it
   */
  public record MetadataDeleted(String entityId, long n, Instant time, Origin origin) implements Event {}

  /**
   * The state as stored in a snapshot (sealed like events).
   *
   * @param entityId the persistence id
   * @param exists whether metadata exists
   * @param versions kept versions with their data
   * @param currentVersion newest version
   * @param oldestVersion oldest kept after pruning
   * @param maxVersions key setting
   * @param casRequired key setting
   * @param deleteVersionAfter key setting
   * @param customMetadata custom metadata
   * @param createdTime metadata creation
   * @param updatedTime last change
   * @param events how many events the state holds (the next event is number {@code events + 1})
   * @param lastEventTime the latest event's time (null in snapshots written before it was kept)
   * @param existenceChanged when the key last came into or out of existence (null: never, or not kept)
   */
  public record Snapshot(String entityId, boolean exists, List<StoredVersion> versions, int currentVersion,
      int oldestVersion, int maxVersions, boolean casRequired, Duration deleteVersionAfter,
      Map<String, String> customMetadata, Instant createdTime, Instant updatedTime, long events,
      Instant lastEventTime, Instant existenceChanged) implements SealedEvent {}

  // ---- behavior ----

  private final Clock clock;
  private final int snapshotEvery;
  /** Whom to tell when the journal fails the event being persisted (null when nothing is). */
  private ActorRef<Reply> persisting;

  /**
   * @param entityId the sharding entity id ({@code <mount uuid>/<path>})
   * @param clock the clock for created and deletion times
   * @param snapshotEvery take a (sealed) snapshot every this many events; 0 disables snapshots
   * @return the behavior of that secret
   */
  public static Behavior<Command> create(String entityId, Clock clock, int snapshotEvery) {
    return new KvSecret(PersistenceId.of(TYPE_KEY.name(), entityId), clock, snapshotEvery);
  }

  /**
   * The entity, or (for replay outside an actor, {@link KvHistory}) just its event handler.
   *
   * @param persistenceId the secret's persistence id
   * @param clock the clock (deletions due by its time apply)
   * @param snapshotEvery take a snapshot every this many events; 0 disables snapshots
   */
  KvSecret(PersistenceId persistenceId, Clock clock, int snapshotEvery) {
    super(persistenceId);
    this.clock = clock;
    this.snapshotEvery = snapshotEvery;
  }

  @Override
  public KvState emptyState() {
    return new KvState();
  }

  @Override
  protected String integrityFailure(KvState s) {
    return s.integrityFailure;
  }

  @Override
  protected KvState failed(KvState s, String failure) {
    s.integrityFailure = failure;
    s.versions.clear();
    return s;
  }

  @Override
  protected KvState failed(KvState s, io.arcanum.domain.barrier.IntegrityException failure) {
    s.integrityDetail = failure.detail();
    return failed(s, failure.getMessage());
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return snapshotEvery > 0 ? RetentionCriteria.snapshotEvery(snapshotEvery, 2) : RetentionCriteria.disabled();
  }

  @Override
  public CommandHandler<Command, SealedEvent, KvState> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Stop.class, (s, c) -> Effect().stop())
        .onCommand(Write.class, (s, c) -> unlessFailed(s, c.replyTo(), () -> onWrite(s, c)))
        .onCommand(Read.class, (s, c) -> Effect().reply(c.replyTo(), answer(s, () -> s.read(c.version(), s.now(clock.instant())))))
        .onCommand(ReadMetadata.class, (s, c) -> Effect().reply(c.replyTo(), answer(s, () -> KvState.metadata(s))))
        .onCommand(Exists.class, (s, c) -> Effect().reply(c.replyTo(),
            answer(s, () -> new Existence(s.exists, KvState.micros(s.existenceChanged)))))
        .onCommand(WriteMetadata.class, (s, c) -> unlessFailed(s, c.replyTo(), () -> onWriteMetadata(s, c)))
        .onCommand(DeleteVersions.class, (s, c) -> unlessFailed(s, c.replyTo(), () -> onDelete(s, c)))
        .onCommand(UndeleteVersions.class, (s, c) -> unlessFailed(s, c.replyTo(), () -> onUndelete(s, c)))
        .onCommand(DestroyVersions.class, (s, c) -> unlessFailed(s, c.replyTo(), () -> onDestroy(s, c)))
        .onCommand(DeleteMetadata.class, (s, c) -> unlessFailed(s, c.replyTo(), () -> onDeleteMetadata(s, c)))
        .build();
  }

  /**
   * Persists one event and answers once it is stored; if the journal fails meanwhile, the entity
   * stops and {@link #signalHandler} answers {@link Unconfirmed} instead.
   */
  private Effect<SealedEvent, KvState> persist(Event event, ActorRef<Reply> replyTo,
      java.util.function.Function<KvState, Reply> reply) {
    persisting = replyTo;
    return Effect().persist(event).thenRun(() -> persisting = null).thenReply(replyTo, reply::apply);
  }

  @Override
  public SignalHandler<KvState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(JournalPersistFailed.class, (s, signal) -> unconfirmed())
        .onSignal(JournalPersistRejected.class, (s, signal) -> unconfirmed())
        .onSignal(PostStop.instance(), s -> unconfirmed())
        .build();
  }

  private void unconfirmed() {
    ActorRef<Reply> waiting = persisting;
    persisting = null;
    if (waiting != null) {
      waiting.tell(new Unconfirmed("the journal did not confirm the change"));
    }
  }

  private Effect<SealedEvent, KvState> onWrite(KvState s, Write c) {
    if (c.cas() == null && (s.casRequired || c.mount().casRequired())) {
      return Effect().reply(c.replyTo(), Rejected.of(Refusal.CAS_REQUIRED));
    }
    if (c.cas() != null && c.cas() != s.currentVersion) {
      return Effect().reply(c.replyTo(), Rejected.of(Refusal.CAS_MISMATCH));
    }
    Instant now = s.nextEventTime(clock.instant());
    Instant current = s.now(clock.instant());
    if (c.basedOn() != null) {
      // the version the patch was merged onto must still be the latest and live: a delete or destroy
      // that got in between must not be undone by a patch carrying the old data forward
      StoredVersion base = s.versions.get(c.basedOn());
      if (c.basedOn() != s.currentVersion || base == null || base.data() == null || base.info().deletedAt(current)) {
        return Effect().reply(c.replyTo(), Rejected.of(Refusal.STALE_PATCH));
      }
    }
    boolean creates = !s.exists;
    if (creates && !c.listingIntent()) {
      return Effect().reply(c.replyTo(), Rejected.of(Refusal.LISTING_INTENT_REQUIRED));
    }
    int version = s.currentVersion + 1;
    Duration dva = KvState.effectiveDeleteVersionAfter(s.deleteVersionAfter, c.mount().deleteVersionAfter());
    Instant deletion = dva.isZero() ? null : now.plus(dva);
    int keep = KvState.effectiveMaxVersions(s.maxVersions, c.mount().maxVersions());
    int keepFrom = Math.max(s.firstKept(), version - keep + 1);
    List<String> pruned = s.keysBelow(keepFrom);
    VersionWritten evt = new VersionWritten(persistenceId, s.events + 1, version, c.data(), now, deletion, keepFrom,
        c.basedOn() != null, c.origin());
    return persist(evt, c.replyTo(),
        st -> new Written(st.versions.get(version).info(), pruned, creates, KvState.micros(now)));
  }

  private Effect<SealedEvent, KvState> onWriteMetadata(KvState s, WriteMetadata c) {
    if (c.patch() && !s.exists) {
      return Effect().reply(c.replyTo(), Rejected.of(Refusal.NO_METADATA));
    }
    Map<String, String> custom = s.customMetadata;
    if (c.customMetadata() != null) {
      Map<String, String> merged = new HashMap<>(c.patch() ? s.customMetadata : Map.of());
      c.customMetadata().forEach((k, v) -> {
        if (v == null) {
          merged.remove(k);
        } else {
          merged.put(k, v);
        }
      });
      String violation = CustomMetadata.violation(merged);
      if (violation != null) {
        return Effect().reply(c.replyTo(), new Rejected(Refusal.INVALID_CUSTOM_METADATA, violation));
      }
      custom = merged;
    }
    boolean creates = !s.exists;
    if (creates && !c.listingIntent()) {
      return Effect().reply(c.replyTo(), Rejected.of(Refusal.LISTING_INTENT_REQUIRED));
    }
    int max = c.maxVersions() != null ? c.maxVersions() : s.maxVersions;
    int keep = KvState.effectiveMaxVersions(max, c.mount().maxVersions());
    int keepFrom = Math.max(s.firstKept(), s.currentVersion - keep + 1);
    List<String> pruned = s.keysBelow(keepFrom);
    Instant now = s.nextEventTime(clock.instant());
    MetadataWritten evt = new MetadataWritten(persistenceId, s.events + 1, max,
        c.casRequired() != null ? c.casRequired() : s.casRequired,
        c.deleteVersionAfter() != null ? c.deleteVersionAfter() : s.deleteVersionAfter,
        Map.copyOf(custom), now, keepFrom, c.origin());
    return persist(evt, c.replyTo(), st -> new MetadataChanged(pruned, creates, KvState.micros(now)));
  }

  private Effect<SealedEvent, KvState> onDelete(KvState s, DeleteVersions c) {
    Instant now = s.nextEventTime(clock.instant());
    Instant current = s.now(clock.instant());
    List<Integer> wanted = c.versions().isEmpty() ? List.of(s.currentVersion) : c.versions();
    List<Integer> changed = new ArrayList<>();
    for (int v : wanted) {
      StoredVersion sv = s.versions.get(v);
      if (sv != null && !sv.info().destroyed() && !sv.info().deletedAt(current) && !changed.contains(v)) {
        changed.add(v);
      }
    }
    if (changed.isEmpty()) {
      return Effect().reply(c.replyTo(), Done.DONE);
    }
    return persist(new VersionsDeleted(persistenceId, s.events + 1, changed, now, c.origin()), c.replyTo(),
        st -> Done.DONE);
  }

  private Effect<SealedEvent, KvState> onUndelete(KvState s, UndeleteVersions c) {
    List<Integer> changed = new ArrayList<>();
    for (int v : c.versions()) {
      StoredVersion sv = s.versions.get(v);
      if (sv != null && !sv.info().destroyed() && sv.info().deletionTime() != null && !changed.contains(v)) {
        changed.add(v);
      }
    }
    if (changed.isEmpty()) {
      return Effect().reply(c.replyTo(), Done.DONE);
    }
    return persist(new VersionsUndeleted(persistenceId, s.events + 1, changed, s.nextEventTime(clock.instant()),
        c.origin()), c.replyTo(), st -> Done.DONE);
  }

  private Effect<SealedEvent, KvState> onDestroy(KvState s, DestroyVersions c) {
    List<Integer> changed = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    for (int v : c.versions()) {
      StoredVersion sv = s.versions.get(v);
      if (sv != null && !keys.contains(sv.keyId())) {
        keys.add(sv.keyId()); // already destroyed too: forgetting a key again is harmless
      }
      if (sv != null && !sv.info().destroyed() && !changed.contains(v)) {
        changed.add(v);
      }
    }
    ToShred reply = new ToShred(keys);
    if (changed.isEmpty()) {
      return Effect().reply(c.replyTo(), reply);
    }
    return persist(new VersionsDestroyed(persistenceId, s.events + 1, changed, s.nextEventTime(clock.instant()),
        c.origin()), c.replyTo(), st -> reply);
  }

  private Effect<SealedEvent, KvState> onDeleteMetadata(KvState s, DeleteMetadata c) {
    List<String> all = s.keysBelow(Integer.MAX_VALUE);
    if (!s.exists) {
      return Effect().reply(c.replyTo(), new Removed(all, false, 0));
    }
    if (!c.listingIntent()) {
      return Effect().reply(c.replyTo(), Rejected.of(Refusal.LISTING_INTENT_REQUIRED));
    }
    Instant now = s.nextEventTime(clock.instant());
    return persist(new MetadataDeleted(persistenceId, s.events + 1, now, c.origin()), c.replyTo(),
        st -> new Removed(all, true, KvState.micros(now)));
  }

  @Override
  public EventHandler<KvState, SealedEvent> eventHandler() {
    return sealedEvents()
        .onEvent(VersionWritten.class, (s, e) -> inSequence(s, e, st -> st.written(e)))
        .onEvent(VersionsDeleted.class, (s, e) -> inSequence(s, e, st -> st.deleted(e.versions(), e.time())))
        .onEvent(VersionsUndeleted.class, (s, e) -> inSequence(s, e, st -> st.deleted(e.versions(), null)))
        .onEvent(VersionsDestroyed.class, (s, e) -> inSequence(s, e, st -> st.destroyed(e.versions())))
        .onEvent(MetadataWritten.class, (s, e) -> inSequence(s, e, st -> st.metadataWritten(e)))
        .onEvent(MetadataDeleted.class, (s, e) -> inSequence(s, e, st -> st.clear(e.time())))
        .build();
  }

  /** Applies an owned event at its position in the history: the next one, or the state fails. */
  private KvState inSequence(KvState s, Event e, java.util.function.Consumer<KvState> apply) {
    return owned(s, e, st -> {
      if (e.n() != st.events + 1) {
        return fail(st, "event out of sequence");
      }
      st.events = e.n();
      if (st.lastEventTime == null || e.time().isAfter(st.lastEventTime)) {
        st.lastEventTime = e.time();
      }
      apply.accept(st);
      return st;
    });
  }

  @Override
  public SnapshotAdapter<KvState> snapshotAdapter() {
    return new SnapshotAdapter<>() {
      @Override
      public Object toJournal(KvState s) {
        return s.toSnapshot(persistenceId);
      }

      @Override
      public KvState fromJournal(Object from) {
        return restored(from, Snapshot.class, KvState::fromSnapshot);
      }
    };
  }
}
