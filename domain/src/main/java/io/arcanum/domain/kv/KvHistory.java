package io.arcanum.domain.kv;

import io.arcanum.domain.barrier.IntegrityException;
import io.arcanum.domain.barrier.SealedEvent;
import io.arcanum.domain.kv.KvProtocol.ReadResult;
import io.arcanum.domain.kv.KvProtocol.VersionInfo;
import io.arcanum.domain.kv.KvSecret.MetadataDeleted;
import io.arcanum.domain.kv.KvSecret.VersionWritten;
import io.arcanum.domain.kv.KvSecret.VersionsDestroyed;
import io.arcanum.domain.kv.KvState.StoredVersion;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;

/**
 * Forensics on a secret's history: the secret as it was at an instant, rebuilt by replaying its
 * events through the same event handler the entity uses, and the time of any event.
 */
public final class KvHistory {

  private KvHistory() {}

  /**
   * The secret as it was at an instant, from its events written at or before it.
   *
   * @param entityId the sharding entity id ({@code <mount uuid>/<path>})
   * @param events the path's events in journal order (as read back, so possibly tampered ones)
   * @param at the instant
   * @return the read of the current version as of {@code at} (deletions due by then applied; a version
   *     destroyed at any time reads as destroyed, its data gone)
   * @throws IntegrityException if an event fails its integrity check or is out of sequence
   */
  public static ReadResult stateAt(String entityId, List<SealedEvent> events, Instant at) {
    // Destroy is final: a version destroyed (or removed by a metadata delete) at any time never shows
    // its data again, not even when replaying to an instant before the destroy.
    Set<Integer> gone = new HashSet<>();
    List<SealedEvent> replay = new ArrayList<>(events);
    Map<Integer, Integer> writtenAt = new HashMap<>(); // version -> index of its VersionWritten
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
    KvSecret behavior = new KvSecret(PersistenceId.of(KvSecret.TYPE_KEY.name(), entityId), Clock.fixed(at, ZoneOffset.UTC), 0);
    EventHandler<KvState, SealedEvent> handler = behavior.eventHandler();
    KvState state = behavior.emptyState();
    for (SealedEvent e : replay) {
      Instant t = eventTime(e);
      if (t != null && t.isAfter(at)) {
        break;
      }
      state = handler.apply(state, e);
    }
    if (state.integrityFailure != null) {
      throw new IntegrityException(state.integrityDetail);
    }
    StoredVersion current = state.versions.get(state.currentVersion);
    if (current == null) {
      return new ReadResult(null, null, state.customMetadata);
    }
    VersionInfo info = current.info();
    if (current.data() == null && !info.destroyed()) {
      info = info.asDestroyed();
    }
    boolean hidden = info.destroyed() || info.deletedAt(at);
    return new ReadResult(hidden ? null : current.data(), info, state.customMetadata);
  }

  /**
   * @param e a KV event (or a tampered one)
   * @return when it happened, or null for events without a time
   */
  public static Instant eventTime(SealedEvent e) {
    return e instanceof KvSecret.Event ev ? ev.time() : null;
  }
}
