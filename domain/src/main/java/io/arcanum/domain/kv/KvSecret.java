package io.arcanum.domain.kv;

import io.arcanum.domain.CborSerializable;
import io.arcanum.domain.barrier.IntegrityException;
import io.arcanum.domain.barrier.SealedEvent;
import io.arcanum.domain.barrier.TamperedEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * One KV version 2 secret path: its versions and metadata, as a persistent actor (one per path,
 * under cluster sharding; entity id {@code <mount uuid>/<path>}). Semantics follow Vault's KV v2
 * (VAULT-API.md, "KV version 2").
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
 * <p>Every event is sealed by the barrier and names this entity, which checks the name on replay; an
 * event or snapshot that fails to open or names another entity puts the entity in a failed state
 * where every command gets an integrity error. Snapshots (sealed too) every N events keep recovery
 * of long histories fast.
 */
public final class KvSecret
    extends EventSourcedBehavior<KvSecret.Command, SealedEvent, KvSecret.State> {

  /** The sharding type key; persistence ids are {@code kv|<mount uuid>/<path>}. */
  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "kv");

  /**
   * How many tags KV events are spread over ({@code kv-0} .. {@code kv-3}). Each persistence id keeps
   * one tag for good, so its events stay in order for a reader of that tag. pekko-persistence-cassandra
   * has one tag writer per tag and node, writing one batch at a time, and acknowledges a tagged event
   * only after its tag-table write: with a single tag every KV write on a node queued behind that one
   * writer (docs/benchmarks.md). Never change this once events exist: a path's later events would land
   * under another tag, and the listing projection could apply them out of order.
   */
  public static final int TAG_SLICES = 4;

  /**
   * The single tag of every KV event written before {@link #TAG_SLICES} existed. Nothing is tagged with
   * it any more; readers still read it, so that a store written by an earlier version stays listed.
   */
  public static final String LEGACY_TAG = "kv";

  /** Every tag a reader of all KV events reads: the slices, then {@link #LEGACY_TAG}. */
  public static final List<String> TAGS = tags();

  private static List<String> tags() {
    List<String> all = new ArrayList<>();
    for (int i = 0; i < TAG_SLICES; i++) {
      all.add("kv-" + i);
    }
    all.add(LEGACY_TAG);
    return List.copyOf(all);
  }

  /**
   * The tag of a KV path's events, the same for all of them, on every node and in every version.
   *
   * @param persistenceId a KV persistence id ({@code kv|<mount uuid>/<path>})
   * @return {@code kv-<n>}, n = the id's {@link String#hashCode()} (its formula is fixed by the Java
   *     Language Specification) modulo {@link #TAG_SLICES}
   * @throws NullPointerException if {@code persistenceId} is null
   */
  public static String tagFor(String persistenceId) {
    return TAGS.get(Math.floorMod(persistenceId.hashCode(), TAG_SLICES));
  }

  /** Vault's message when {@code options.cas} differs from the current version. */
  public static final String CAS_MISMATCH = "check-and-set parameter did not match the current version";
  /** Vault's message when check-and-set is required and missing. */
  public static final String CAS_REQUIRED = "check-and-set parameter required for this call";
  /** Message when a PATCH finds no live latest version (routes answer 404). */
  public static final String NOTHING_TO_PATCH = "no data exists at the latest version to patch";

  /** Message when a patched write was based on a version that is no longer the latest (callers retry). */
  public static final String STALE_PATCH = "the latest version changed while the patch was being applied";

  /** Message when a metadata PATCH finds no metadata (routes answer 404). */
  public static final String NO_METADATA = "no metadata exists at this path";

  /** Vault's default number of versions kept when neither the key nor the mount sets one. */
  public static final int DEFAULT_MAX_VERSIONS = 10;

  // ---- commands ----

  /**
   * Who caused a change, kept in its event for forensics: the request id and the token accessor (an
   * accessor is not a credential; the token itself is never stored).
   *
   * @param requestId the request id, or empty
   * @param accessor the caller's token accessor, or empty
   */
  public record Origin(String requestId, String accessor) implements CborSerializable {
    /** No known origin. */
    public static final Origin NONE = new Origin("", "");
  }

  /** Commands of a KV secret. */
  public interface Command extends CborSerializable {}

  /**
   * The mount-wide KV settings (the mount's {@code config} endpoint) that apply to a write.
   *
   * @param maxVersions versions kept, 0 meaning 10
   * @param casRequired whether every write needs {@code options.cas}
   * @param deleteVersionAfter versions are soft-deleted this long after being written; zero: never
   */
  public record MountConfig(int maxVersions, boolean casRequired, Duration deleteVersionAfter)
      implements CborSerializable {
    /** Vault's defaults. */
    public static final MountConfig DEFAULT = new MountConfig(0, false, Duration.ZERO);
  }

  /**
   * Writes a new version.
   *
   * @param data the version's data, sealed under its own data key
   * @param cas the client's check-and-set version, or {@code null} for none
   * @param basedOn for a merge patch, the version the patch was applied to ({@value #STALE_PATCH} when
   *     it is no longer the latest); {@code null} for a plain write
   * @param mount the mount's settings
   * @param origin who writes
   * @param replyTo gets the new version's info and the data keys of pruned versions to forget, or an
   *     error with Vault's message
   */
  public record Write(SealedData data, Integer cas, Integer basedOn, MountConfig mount, Origin origin,
      ActorRef<StatusReply<Written>> replyTo)
      implements Command {}

  /**
   * Reads a version.
   *
   * @param version the version, or {@code null}/0 for the current one
   * @param replyTo gets the result
   */
  public record Read(Integer version, ActorRef<StatusReply<ReadResult>> replyTo) implements Command {}

  /**
   * Reads the metadata.
   *
   * @param replyTo gets the metadata, or a view with {@code exists == false}
   */
  public record ReadMetadata(ActorRef<StatusReply<Metadata>> replyTo) implements Command {}

  /**
   * Changes the key's settings (creating the metadata when it does not exist, unless {@code patch}).
   * Null fields are left as they are.
   *
   * @param maxVersions versions to keep (0: the mount's), or null
   * @param casRequired whether writes need cas, or null
   * @param deleteVersionAfter soft-delete delay (zero: the mount's), or null
   * @param customMetadata the new custom metadata, or null; with {@code patch} it is merged key by key
   *     and a null value removes a key
   * @param patch PATCH semantics: the metadata must exist ({@value #NO_METADATA} otherwise) and custom
   *     metadata merges
   * @param mount the mount's settings (for pruning)
   * @param replyTo gets the data keys of versions pruned by the change, to forget
   */
  public record WriteMetadata(Integer maxVersions, Boolean casRequired, Duration deleteVersionAfter,
      Map<String, String> customMetadata, boolean patch, MountConfig mount, Origin origin,
      ActorRef<StatusReply<ToShred>> replyTo)
      implements Command {}

  /**
   * Soft-deletes versions.
   *
   * @param versions the versions; empty means the latest one
   * @param replyTo acknowledged
   */
  public record DeleteVersions(List<Integer> versions, Origin origin, ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  /**
   * Undoes soft deletes (not destroys).
   *
   * @param versions the versions
   * @param replyTo acknowledged
   */
  public record UndeleteVersions(List<Integer> versions, Origin origin, ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  /**
   * Destroys versions' data for good.
   *
   * @param versions the versions
   * @param replyTo gets the data keys of the destroyed versions (newly or earlier destroyed), which the
   *     caller must forget before acknowledging
   */
  public record DestroyVersions(List<Integer> versions, Origin origin, ActorRef<StatusReply<ToShred>> replyTo)
      implements Command {}

  /**
   * Removes every version and the metadata.
   *
   * @param replyTo gets the data keys of every version removed (only those: a write racing the delete
   *     keeps its own key), which the caller must forget
   */
  public record DeleteMetadata(Origin origin, ActorRef<StatusReply<ToShred>> replyTo) implements Command {}

  /** Stops the entity, dropping its decrypted state (sent to every entity when the node seals). */
  public enum Stop implements Command { INSTANCE }

  /** Acknowledgement. */
  public enum Done implements CborSerializable { DONE }

  /**
   * Data keys the caller must forget (crypto-shredding), because their versions were destroyed or pruned.
   *
   * @param keyIds data key ids
   */
  public record ToShred(List<String> keyIds) implements CborSerializable {}

  /**
   * The answer to a {@link Write}.
   *
   * @param info the new version's metadata
   * @param pruned data keys of the versions this write pruned (beyond {@code max_versions}), to forget
   */
  public record Written(VersionInfo info, List<String> pruned) implements CborSerializable {}

  // ---- replies ----

  /**
   * Metadata of one version.
   *
   * @param version the version number (from 1)
   * @param createdTime when it was written
   * @param deletionTime when it is (or was) soft-deleted, or null
   * @param destroyed whether its data was destroyed
   */
  public record VersionInfo(int version, Instant createdTime, Instant deletionTime, boolean destroyed)
      implements CborSerializable {
    /**
     * @param now the current time
     * @return whether the version is soft-deleted at {@code now}
     */
    public boolean deletedAt(Instant now) {
      return deletionTime != null && !deletionTime.isAfter(now);
    }
  }

  /**
   * The answer to a {@link Read}.
   *
   * @param data the version's sealed data, or null when the version does not exist, is deleted or destroyed
   * @param info the version's metadata, or null when the version does not exist
   * @param customMetadata the key's custom metadata (may be empty)
   */
  public record ReadResult(SealedData data, VersionInfo info, Map<String, String> customMetadata)
      implements CborSerializable {}

  /**
   * The key's metadata.
   *
   * @param exists whether the key has metadata at all
   * @param casRequired key setting
   * @param createdTime when the metadata was created
   * @param updatedTime last change
   * @param currentVersion newest version (0: none)
   * @param oldestVersion oldest version kept after pruning (0 until versions were pruned)
   * @param maxVersions key setting (0: the mount's)
   * @param deleteVersionAfter key setting (zero: the mount's)
   * @param customMetadata custom metadata
   * @param versions every kept version, oldest first
   */
  public record Metadata(boolean exists, boolean casRequired, Instant createdTime, Instant updatedTime,
      int currentVersion, int oldestVersion, int maxVersions, Duration deleteVersionAfter,
      Map<String, String> customMetadata, List<VersionInfo> versions) implements CborSerializable {}

  // ---- events ----

  /**
   * An event of a secret. Each carries its position {@code n} in the secret's history (1, 2, ...),
   * sealed with it, so that an authentic event of the same path replayed at another position
   * (duplicated, reordered, or with events missing before it) fails the entity like a tampered one.
   */
  public interface Event extends SealedEvent {
    /** @return the event's position in the secret's history, from 1 */
    long n();
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
      Instant deletionTime, int keepFrom, boolean patch, Origin origin) implements Event {}

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
   */
  public record Snapshot(String entityId, boolean exists, List<StoredVersion> versions, int currentVersion,
      int oldestVersion, int maxVersions, boolean casRequired, Duration deleteVersionAfter,
      Map<String, String> customMetadata, Instant createdTime, Instant updatedTime, long events) implements SealedEvent {}

  /**
   * One version inside a snapshot.
   *
   * @param info its metadata
   * @param keyId the id of its data key (kept after a destroy, so that a repeated destroy forgets it again)
   * @param data its sealed data, or null when destroyed
   */
  public record StoredVersion(VersionInfo info, String keyId, SealedData data) {}

  // ---- state ----

  /**
   * The versions and settings of a secret. Mutable, and changed only by the event handler (as Pekko
   * allows for Java state), so that replaying thousands of versions stays linear.
   */
  public static final class State {
    final TreeMap<Integer, StoredVersion> versions = new TreeMap<>();
    boolean exists;
    int currentVersion;
    int oldestVersion;
    int maxVersions;
    boolean casRequired;
    Duration deleteVersionAfter = Duration.ZERO;
    Map<String, String> customMetadata = Map.of();
    Instant createdTime;
    Instant updatedTime;
    String tampered;
    long events;

    /** @return the newest version number, 0 when nothing was written */
    public int currentVersion() {
      return currentVersion;
    }

    /** @return the numbers of the versions kept */
    public Set<Integer> versionNumbers() {
      return versions.keySet();
    }
  }

  // ---- behavior ----

  private final String persistenceId;
  private final Set<String> tags;
  private final Clock clock;
  private final int snapshotEvery;

  /**
   * @param entityId the sharding entity id ({@code <mount uuid>/<path>})
   * @param clock the clock for created and deletion times
   * @param snapshotEvery take a (sealed) snapshot every this many events; 0 disables snapshots
   * @return the behavior of that secret
   */
  public static Behavior<Command> create(String entityId, Clock clock, int snapshotEvery) {
    return new KvSecret(PersistenceId.of(TYPE_KEY.name(), entityId), clock, snapshotEvery);
  }

  private KvSecret(PersistenceId persistenceId, Clock clock, int snapshotEvery) {
    super(persistenceId);
    this.persistenceId = persistenceId.id();
    this.tags = Set.of(tagFor(this.persistenceId));
    this.clock = clock;
    this.snapshotEvery = snapshotEvery;
  }

  @Override
  public State emptyState() {
    return new State();
  }

  @Override
  public Set<String> tagsFor(SealedEvent event) {
    return tags;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return snapshotEvery > 0 ? RetentionCriteria.snapshotEvery(snapshotEvery, 2) : RetentionCriteria.disabled();
  }

  @Override
  public CommandHandler<Command, SealedEvent, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Stop.class, (s, c) -> Effect().stop())
        .onCommand(Write.class, (s, c) -> guarded(s, c.replyTo(), () -> onWrite(s, c)))
        .onCommand(Read.class, (s, c) -> guarded(s, c.replyTo(), () -> onRead(s, c)))
        .onCommand(ReadMetadata.class, (s, c) -> guarded(s, c.replyTo(),
            () -> Effect().reply(c.replyTo(), StatusReply.success(metadata(s)))))
        .onCommand(WriteMetadata.class, (s, c) -> guarded(s, c.replyTo(), () -> onWriteMetadata(s, c)))
        .onCommand(DeleteVersions.class, (s, c) -> guarded(s, c.replyTo(), () -> onDelete(s, c)))
        .onCommand(UndeleteVersions.class, (s, c) -> guarded(s, c.replyTo(), () -> onUndelete(s, c)))
        .onCommand(DestroyVersions.class, (s, c) -> guarded(s, c.replyTo(), () -> onDestroy(s, c)))
        .onCommand(DeleteMetadata.class, (s, c) -> guarded(s, c.replyTo(), () -> {
          ToShred all = new ToShred(keysBelow(s, Integer.MAX_VALUE));
          return s.exists
              ? Effect().persist(new MetadataDeleted(persistenceId, s.events + 1, clock.instant(), c.origin()))
                  .thenReply(c.replyTo(), st -> StatusReply.success(all))
              : Effect().reply(c.replyTo(), StatusReply.success(all));
        }))
        .build();
  }

  private <T> Effect<SealedEvent, State> guarded(State s, ActorRef<StatusReply<T>> replyTo,
      java.util.function.Supplier<Effect<SealedEvent, State>> effect) {
    if (s.tampered != null) {
      return Effect().reply(replyTo, StatusReply.error(s.tampered));
    }
    return effect.get();
  }

  private Effect<SealedEvent, State> onWrite(State s, Write c) {
    if (c.cas() == null && (s.casRequired || c.mount().casRequired())) {
      return Effect().reply(c.replyTo(), StatusReply.error(CAS_REQUIRED));
    }
    if (c.cas() != null && c.cas() != s.currentVersion) {
      return Effect().reply(c.replyTo(), StatusReply.error(CAS_MISMATCH));
    }
    Instant now = clock.instant();
    if (c.basedOn() != null) {
      // the version the patch was merged onto must still be the latest and live: a delete or destroy
      // that got in between must not be undone by a patch carrying the old data forward
      StoredVersion base = s.versions.get(c.basedOn());
      if (c.basedOn() != s.currentVersion || base == null || base.data() == null || base.info().deletedAt(now)) {
        return Effect().reply(c.replyTo(), StatusReply.error(STALE_PATCH));
      }
    }
    int version = s.currentVersion + 1;
    Duration dva = effectiveDeleteVersionAfter(s.deleteVersionAfter, c.mount().deleteVersionAfter());
    Instant deletion = dva.isZero() ? null : now.plus(dva);
    int keep = effectiveMaxVersions(s.maxVersions, c.mount().maxVersions());
    int keepFrom = Math.max(firstKept(s), version - keep + 1);
    List<String> pruned = keysBelow(s, keepFrom);
    VersionWritten evt = new VersionWritten(persistenceId, s.events + 1, version, c.data(), now, deletion, keepFrom,
        c.basedOn() != null, c.origin());
    return Effect().persist(evt)
        .thenReply(c.replyTo(), st -> StatusReply.success(new Written(st.versions.get(version).info(), pruned)));
  }

  private static List<String> keysBelow(State s, int keepFrom) {
    List<String> keys = new ArrayList<>();
    for (StoredVersion v : s.versions.headMap(keepFrom, false).values()) {
      keys.add(v.keyId());
    }
    return keys;
  }

  private Effect<SealedEvent, State> onRead(State s, Read c) {
    int v = c.version() == null || c.version() == 0 ? s.currentVersion : c.version();
    StoredVersion version = s.versions.get(v);
    if (version == null) {
      return Effect().reply(c.replyTo(), StatusReply.success(new ReadResult(null, null, s.customMetadata)));
    }
    boolean hidden = version.info().destroyed() || version.info().deletedAt(clock.instant());
    // hidden versions do not leave the entity, not even sealed
    return Effect().reply(c.replyTo(),
        StatusReply.success(new ReadResult(hidden ? null : version.data(), version.info(), s.customMetadata)));
  }

  private Effect<SealedEvent, State> onWriteMetadata(State s, WriteMetadata c) {
    if (c.patch() && !s.exists) {
      return Effect().reply(c.replyTo(), StatusReply.error(NO_METADATA));
    }
    Map<String, String> custom = s.customMetadata;
    if (c.customMetadata() != null) {
      Map<String, String> merged = new java.util.HashMap<>(c.patch() ? s.customMetadata : Map.of());
      c.customMetadata().forEach((k, v) -> {
        if (v == null) {
          merged.remove(k);
        } else {
          merged.put(k, v);
        }
      });
      String violation = CustomMetadata.violation(merged);
      if (violation != null) {
        return Effect().reply(c.replyTo(), StatusReply.error(violation));
      }
      custom = merged;
    }
    int max = c.maxVersions() != null ? c.maxVersions() : s.maxVersions;
    int keep = effectiveMaxVersions(max, c.mount().maxVersions());
    int keepFrom = Math.max(firstKept(s), s.currentVersion - keep + 1);
    List<String> pruned = keysBelow(s, keepFrom);
    MetadataWritten evt = new MetadataWritten(persistenceId, s.events + 1, max,
        c.casRequired() != null ? c.casRequired() : s.casRequired,
        c.deleteVersionAfter() != null ? c.deleteVersionAfter() : s.deleteVersionAfter,
        Map.copyOf(custom), clock.instant(), keepFrom, c.origin());
    return Effect().persist(evt).thenReply(c.replyTo(), st -> StatusReply.success(new ToShred(pruned)));
  }

  private Effect<SealedEvent, State> onDelete(State s, DeleteVersions c) {
    Instant now = clock.instant();
    List<Integer> wanted = c.versions().isEmpty() ? List.of(s.currentVersion) : c.versions();
    List<Integer> changed = new ArrayList<>();
    for (int v : wanted) {
      StoredVersion sv = s.versions.get(v);
      if (sv != null && !sv.info().destroyed() && !sv.info().deletedAt(now) && !changed.contains(v)) {
        changed.add(v);
      }
    }
    return persistIfAny(changed.isEmpty() ? null : new VersionsDeleted(persistenceId, s.events + 1, changed, now, c.origin()), c.replyTo());
  }

  private Effect<SealedEvent, State> onUndelete(State s, UndeleteVersions c) {
    List<Integer> changed = new ArrayList<>();
    for (int v : c.versions()) {
      StoredVersion sv = s.versions.get(v);
      if (sv != null && !sv.info().destroyed() && sv.info().deletionTime() != null && !changed.contains(v)) {
        changed.add(v);
      }
    }
    return persistIfAny(changed.isEmpty() ? null : new VersionsUndeleted(persistenceId, s.events + 1, changed, clock.instant(), c.origin()),
        c.replyTo());
  }

  private Effect<SealedEvent, State> onDestroy(State s, DestroyVersions c) {
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
      return Effect().reply(c.replyTo(), StatusReply.success(reply));
    }
    return Effect().persist(new VersionsDestroyed(persistenceId, s.events + 1, changed, clock.instant(), c.origin()))
        .thenReply(c.replyTo(), st -> StatusReply.success(reply));
  }

  private Effect<SealedEvent, State> persistIfAny(SealedEvent evt, ActorRef<StatusReply<Done>> replyTo) {
    if (evt == null) {
      return Effect().reply(replyTo, StatusReply.success(Done.DONE));
    }
    return Effect().persist(evt).thenReply(replyTo, st -> StatusReply.success(Done.DONE));
  }

  /**
   * The number of versions kept: the key's setting when set, else the mount's, else 10 (the key's
   * setting overrides the mount's, as Vault documents; see docs/compatibility.md).
   *
   * @param key the key's max_versions (0: unset)
   * @param mount the mount's max_versions (0: unset)
   * @return versions to keep, at least 1
   */
  public static int effectiveMaxVersions(int key, int mount) {
    if (key > 0) {
      return key;
    }
    return mount > 0 ? mount : DEFAULT_MAX_VERSIONS;
  }

  /**
   * The soft-delete delay: the shorter of the key's and the mount's when both are set (Vault: a key
   * value longer than the mount's is capped by it), else whichever is set; zero for never.
   *
   * @param key the key's delete_version_after
   * @param mount the mount's delete_version_after
   * @return the delay, zero for never
   */
  public static Duration effectiveDeleteVersionAfter(Duration key, Duration mount) {
    if (key.isZero()) {
      return mount;
    }
    if (mount.isZero()) {
      return key;
    }
    return key.compareTo(mount) < 0 ? key : mount;
  }

  private static int firstKept(State s) {
    return s.versions.isEmpty() ? 1 : s.versions.firstKey();
  }

  private static Metadata metadata(State s) {
    List<VersionInfo> infos = new ArrayList<>();
    s.versions.values().forEach(v -> infos.add(v.info()));
    return new Metadata(s.exists, s.casRequired, s.createdTime, s.updatedTime, s.currentVersion, s.oldestVersion,
        s.maxVersions, s.deleteVersionAfter, s.customMetadata, infos);
  }

  @Override
  public EventHandler<State, SealedEvent> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(TamperedEvent.class, (s, e) -> tamper(s, e.reason()))
        .onEvent(VersionWritten.class, (s, e) -> owned(s, e, () -> {
          touch(s, e.createdTime());
          s.versions.put(e.version(), new StoredVersion(
              new VersionInfo(e.version(), e.createdTime(), e.deletionTime(), false),
              e.data() == null ? null : e.data().keyId(), e.data()));
          s.currentVersion = Math.max(s.currentVersion, e.version());
          prune(s, e.keepFrom());
        }))
        .onEvent(VersionsDeleted.class, (s, e) -> owned(s, e, () -> change(s, e.versions(),
            v -> new StoredVersion(new VersionInfo(v.info().version(), v.info().createdTime(), e.time(), false),
                v.keyId(), v.data()))))
        .onEvent(VersionsUndeleted.class, (s, e) -> owned(s, e, () -> change(s, e.versions(),
            v -> new StoredVersion(new VersionInfo(v.info().version(), v.info().createdTime(), null, false),
                v.keyId(), v.data()))))
        .onEvent(VersionsDestroyed.class, (s, e) -> owned(s, e, () -> change(s, e.versions(),
            v -> new StoredVersion(new VersionInfo(v.info().version(), v.info().createdTime(),
                v.info().deletionTime(), true), v.keyId(), null))))
        .onEvent(MetadataWritten.class, (s, e) -> owned(s, e, () -> {
          touch(s, e.time());
          s.maxVersions = e.maxVersions();
          s.casRequired = e.casRequired();
          s.deleteVersionAfter = e.deleteVersionAfter();
          s.customMetadata = e.customMetadata();
          prune(s, e.keepFrom());
        }))
        .onEvent(MetadataDeleted.class, (s, e) -> owned(s, e, () -> {
          s.versions.clear();
          s.exists = false;
          s.currentVersion = 0;
          s.oldestVersion = 0;
          s.maxVersions = 0;
          s.casRequired = false;
          s.deleteVersionAfter = Duration.ZERO;
          s.customMetadata = Map.of();
          s.createdTime = null;
          s.updatedTime = null;
        }))
        .build();
  }

  private State owned(State s, SealedEvent e, Runnable apply) {
    if (s.tampered != null) {
      return s;
    }
    if (!persistenceId.equals(e.entityId())) {
      return tamper(s, "event belongs to another entity");
    }
    if (!(e instanceof Event ev) || ev.n() != s.events + 1) {
      return tamper(s, "event out of sequence");
    }
    s.events = ev.n();
    apply.run();
    return s;
  }

  private static void touch(State s, Instant t) {
    if (!s.exists) {
      s.exists = true;
      s.createdTime = t;
    }
    s.updatedTime = t;
  }

  private static void prune(State s, int keepFrom) {
    boolean pruned = false;
    while (!s.versions.isEmpty() && s.versions.firstKey() < keepFrom) {
      s.versions.pollFirstEntry();
      pruned = true;
    }
    if (pruned) {
      s.oldestVersion = s.versions.isEmpty() ? keepFrom : s.versions.firstKey();
    }
  }

  private static void change(State s, List<Integer> versions, java.util.function.UnaryOperator<StoredVersion> f) {
    for (int v : versions) {
      StoredVersion sv = s.versions.get(v);
      if (sv != null) {
        s.versions.put(v, f.apply(sv));
      }
    }
  }

  private State tamper(State state, String reason) {
    state.tampered = new IntegrityException(reason + " (" + persistenceId + ")").getMessage();
    state.versions.clear();
    return state;
  }

  /**
   * Forensics: the secret as it was at an instant, rebuilt by replaying its events written at or
   * before it through the same event handler the entity uses.
   *
   * @param entityId the sharding entity id ({@code <mount uuid>/<path>})
   * @param events the path's events in journal order (as read back, so possibly {@link TamperedEvent}s)
   * @param at the instant
   * @return the read of the current version as of {@code at} (deletions due by then applied; a version
   *     destroyed at any time reads as destroyed, its data gone)
   */
  public static ReadResult stateAt(String entityId, List<SealedEvent> events, Instant at) {
    // Destroy is final: a version destroyed (or removed by a metadata delete) at any time never shows
    // its data again, not even when replaying to an instant before the destroy.
    Set<Integer> gone = new java.util.HashSet<>();
    List<SealedEvent> replay = new ArrayList<>(events);
    Map<Integer, Integer> writtenAt = new java.util.HashMap<>(); // version -> index of its VersionWritten
    for (int i = 0; i < replay.size(); i++) {
      SealedEvent e = replay.get(i);
      if (e instanceof VersionWritten v) {
        writtenAt.put(v.version(), i);
      } else if (e instanceof VersionsDestroyed d) {
        d.versions().forEach(v -> gone.add(writtenAt.getOrDefault(v, -1)));
      } else if (e instanceof MetadataDeleted) {
        gone.addAll(writtenAt.values());
        writtenAt.clear();
      }
    }
    for (int idx : gone) {
      if (idx >= 0 && replay.get(idx) instanceof VersionWritten v) {
        replay.set(idx, new VersionWritten(v.entityId(), v.n(), v.version(), null, v.createdTime(), v.deletionTime(),
            v.keepFrom(), v.patch(), v.origin()));
      }
    }
    KvSecret behavior = new KvSecret(PersistenceId.of(TYPE_KEY.name(), entityId), Clock.fixed(at, java.time.ZoneOffset.UTC), 0);
    EventHandler<State, SealedEvent> handler = behavior.eventHandler();
    State state = behavior.emptyState();
    for (SealedEvent e : replay) {
      Instant t = eventTime(e);
      if (t != null && t.isAfter(at)) {
        break;
      }
      state = handler.apply(state, e);
    }
    if (state.tampered != null) {
      throw new IntegrityException(state.tampered.substring(IntegrityException.WIRE_PREFIX.length() + 2));
    }
    StoredVersion current = state.versions.get(state.currentVersion);
    if (current == null) {
      return new ReadResult(null, null, state.customMetadata);
    }
    VersionInfo info = current.info();
    if (current.data() == null && !info.destroyed()) {
      info = new VersionInfo(info.version(), info.createdTime(), info.deletionTime(), true);
    }
    boolean hidden = info.destroyed() || info.deletedAt(at);
    return new ReadResult(hidden ? null : current.data(), info, state.customMetadata);
  }

  /**
   * @param e a KV event
   * @return when it happened, or null for events without a time
   */
  public static Instant eventTime(SealedEvent e) {
    if (e instanceof VersionWritten v) {
      return v.createdTime();
    } else if (e instanceof VersionsDeleted d) {
      return d.time();
    } else if (e instanceof VersionsUndeleted u) {
      return u.time();
    } else if (e instanceof VersionsDestroyed d) {
      return d.time();
    } else if (e instanceof MetadataWritten m) {
      return m.time();
    } else if (e instanceof MetadataDeleted m) {
      return m.time();
    }
    return null;
  }

  @Override
  public SnapshotAdapter<State> snapshotAdapter() {
    return new SnapshotAdapter<>() {
      @Override
      public Object toJournal(State s) {
        return new Snapshot(persistenceId, s.exists, new ArrayList<>(s.versions.values()), s.currentVersion,
            s.oldestVersion, s.maxVersions, s.casRequired, s.deleteVersionAfter, new LinkedHashMap<>(s.customMetadata),
            s.createdTime, s.updatedTime, s.events);
      }

      @Override
      public State fromJournal(Object from) {
        State s = new State();
        if (from instanceof TamperedEvent t) {
          return tamper(s, t.reason());
        }
        Snapshot snap = (Snapshot) from;
        if (!persistenceId.equals(snap.entityId())) {
          return tamper(s, "snapshot belongs to another entity");
        }
        snap.versions().forEach(v -> s.versions.put(v.info().version(), v));
        s.exists = snap.exists();
        s.currentVersion = snap.currentVersion();
        s.oldestVersion = snap.oldestVersion();
        s.maxVersions = snap.maxVersions();
        s.casRequired = snap.casRequired();
        s.deleteVersionAfter = snap.deleteVersionAfter();
        s.customMetadata = Map.copyOf(snap.customMetadata());
        s.createdTime = snap.createdTime();
        s.updatedTime = snap.updatedTime();
        s.events = snap.events();
        return s;
      }
    };
  }
}
