package io.arcanum.domain.kv;

import io.arcanum.domain.kv.KvProtocol.Metadata;
import io.arcanum.domain.kv.KvProtocol.VersionInfo;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * The versions and settings of one KV secret, and Vault's KV v2 rules that work on them (versions
 * kept, deletion delays, pruning). Mutable, and changed only by {@link KvSecret}'s event handler (as
 * Pekko allows for Java state), so that replaying thousands of versions stays linear.
 */
public final class KvState {

  /** Vault's default number of versions kept when neither the key nor the mount sets one. */
  public static final int DEFAULT_MAX_VERSIONS = 10;

  /**
   * One stored version.
   *
   * @param info its metadata
   * @param keyId the id of its data key (kept after a destroy, so that a repeated destroy forgets it again)
   * @param data its sealed data, or null when destroyed
   */
  public record StoredVersion(VersionInfo info, String keyId, SealedData data) {}

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
  /** The integrity failure, or null while intact. */
  String integrityFailure;
  /** Its detail (the failure without the wire prefix), to raise it again in a replay. */
  String integrityDetail;
  /** How many events the state holds (the next event is number {@code events + 1}). */
  long events;
  /** The time of the latest event, or null before any (or in a state restored from an older snapshot). */
  Instant lastEventTime;
  /** When the key last came into or went out of existence, or null when it never existed. */
  Instant existenceChanged;

  /** @return the newest version number, 0 when nothing was written */
  public int currentVersion() {
    return currentVersion;
  }

  /** @return the numbers of the versions kept */
  public Set<Integer> versionNumbers() {
    return versions.keySet();
  }

  /** @return whether the key has metadata */
  public boolean exists() {
    return exists;
  }

  /**
   * @param s a state
   * @return the metadata view of it
   */
  static Metadata metadata(KvState s) {
    List<VersionInfo> infos = new ArrayList<>();
    s.versions.values().forEach(v -> infos.add(v.info()));
    return new Metadata(s.exists, s.casRequired, s.createdTime, s.updatedTime, s.currentVersion, s.oldestVersion,
        s.maxVersions, s.deleteVersionAfter, s.customMetadata, infos);
  }

  /**
   * @param number the version, or null/0 for the current one
   * @param now the present ({@link #now})
   * @return the version's read: its sealed data unless it is missing, deleted or destroyed (hidden
   *     versions do not leave the entity, not even sealed)
   */
  KvProtocol.ReadResult read(Integer number, Instant now) {
    StoredVersion version = versions.get(number == null || number == 0 ? currentVersion : number);
    if (version == null) {
      return new KvProtocol.ReadResult(null, null, customMetadata);
    }
    boolean hidden = version.info().destroyed() || version.info().deletedAt(now);
    return new KvProtocol.ReadResult(hidden ? null : version.data(), version.info(), customMetadata);
  }

  /**
   * The time for a new event: now, but always after the latest event's time, so that a path's events
   * are strictly ordered in time even when the entity moves to a node whose clock is behind (the
   * listing relies on it: its rows are written with the time of the change as their timestamp).
   *
   * @param now the clock's time
   * @return the event time, in whole microseconds
   */
  Instant nextEventTime(Instant now) {
    Instant t = now.truncatedTo(ChronoUnit.MICROS);
    if (lastEventTime != null && !t.isAfter(lastEventTime)) {
      t = lastEventTime.truncatedTo(ChronoUnit.MICROS).plus(1, ChronoUnit.MICROS);
    }
    return t;
  }

  /**
   * The present as this secret sees it: the clock's time, but never before its latest event (so that
   * a version deleted by the latest event reads as deleted even on a clock that is behind).
   *
   * @param clockNow the clock's time
   * @return the later of the two
   */
  Instant now(Instant clockNow) {
    return lastEventTime != null && lastEventTime.isAfter(clockNow) ? lastEventTime : clockNow;
  }

  /**
   * @param t an instant
   * @return microseconds since the epoch (0 for null)
   */
  public static long micros(Instant t) {
    return t == null ? 0 : ChronoUnit.MICROS.between(Instant.EPOCH, t);
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

  /** @return the oldest version kept (1 when none is) */
  int firstKept() {
    return versions.isEmpty() ? 1 : versions.firstKey();
  }

  /**
   * @param keepFrom the oldest version to keep
   * @return the data key ids of the versions below it
   */
  List<String> keysBelow(int keepFrom) {
    List<String> keys = new ArrayList<>();
    for (StoredVersion v : versions.headMap(keepFrom, false).values()) {
      keys.add(v.keyId());
    }
    return keys;
  }

  /**
   * Records a change at {@code t}: the first change creates the metadata.
   *
   * @param t the change's time
   */
  private void touch(Instant t) {
    if (!exists) {
      exists = true;
      createdTime = t;
      existenceChanged = t;
    }
    updatedTime = t;
  }

  /** @param keepFrom drops every version below this one */
  private void prune(int keepFrom) {
    boolean pruned = false;
    while (!versions.isEmpty() && versions.firstKey() < keepFrom) {
      versions.pollFirstEntry();
      pruned = true;
    }
    if (pruned) {
      oldestVersion = versions.isEmpty() ? keepFrom : versions.firstKey();
    }
  }

  /**
   * @param numbers versions to change (missing ones are skipped)
   * @param f the change
   */
  private void change(List<Integer> numbers, UnaryOperator<StoredVersion> f) {
    for (int v : numbers) {
      StoredVersion sv = versions.get(v);
      if (sv != null) {
        versions.put(v, f.apply(sv));
      }
    }
  }

  /** @param e a version was written: it is kept, the versions below its {@code keepFrom} pruned */
  void written(KvSecret.VersionWritten e) {
    touch(e.createdTime());
    versions.put(e.version(), new StoredVersion(new VersionInfo(e.version(), e.createdTime(), e.deletionTime(), false),
        e.data() == null ? null : e.data().keyId(), e.data()));
    currentVersion = Math.max(currentVersion, e.version());
    prune(e.keepFrom());
  }

  /**
   * @param numbers versions soft-deleted (or undeleted)
   * @param deletionTime their deletion time, or null for an undelete
   */
  void deleted(List<Integer> numbers, Instant deletionTime) {
    change(numbers, v -> new StoredVersion(new VersionInfo(v.info().version(), v.info().createdTime(), deletionTime,
        false), v.keyId(), v.data()));
  }

  /** @param numbers versions whose data was destroyed (their key ids stay) */
  void destroyed(List<Integer> numbers) {
    change(numbers, v -> new StoredVersion(v.info().asDestroyed(), v.keyId(), null));
  }

  /** @param e the key's settings changed */
  void metadataWritten(KvSecret.MetadataWritten e) {
    touch(e.time());
    maxVersions = e.maxVersions();
    casRequired = e.casRequired();
    deleteVersionAfter = e.deleteVersionAfter();
    customMetadata = e.customMetadata();
    prune(e.keepFrom());
  }

  /**
   * Every version and the metadata are gone (a metadata delete at {@code t}).
   *
   * @param t the deletion's time
   */
  void clear(Instant t) {
    versions.clear();
    exists = false;
    currentVersion = 0;
    oldestVersion = 0;
    maxVersions = 0;
    casRequired = false;
    deleteVersionAfter = Duration.ZERO;
    customMetadata = Map.of();
    createdTime = null;
    updatedTime = null;
    existenceChanged = t;
  }

  /**
   * @param persistenceId the secret's persistence id
   * @return the state as a snapshot stores it
   */
  KvSecret.Snapshot toSnapshot(String persistenceId) {
    return new KvSecret.Snapshot(persistenceId, exists, new ArrayList<>(versions.values()), currentVersion,
        oldestVersion, maxVersions, casRequired, deleteVersionAfter, new LinkedHashMap<>(customMetadata),
        createdTime, updatedTime, events, lastEventTime, existenceChanged);
  }

  /**
   * @param snap an authentic snapshot of this secret
   * @return the state it holds
   */
  static KvState fromSnapshot(KvSecret.Snapshot snap) {
    KvState s = new KvState();
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
    // snapshots written before these two were kept: the latest change known is the best bound
    s.lastEventTime = snap.lastEventTime() != null ? snap.lastEventTime() : snap.updatedTime();
    s.existenceChanged = snap.existenceChanged() != null ? snap.existenceChanged()
        : snap.exists() ? snap.createdTime() : null;
    return s;
  }
}
