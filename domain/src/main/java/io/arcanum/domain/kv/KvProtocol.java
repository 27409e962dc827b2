package io.arcanum.domain.kv;

import io.arcanum.domain.CborSerializable;
import io.arcanum.domain.Reply;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * What a {@link KvSecret} entity understands and answers: its commands and its reply records. Every
 * command names its {@code replyTo}; the answer is the command's result record below or
 * {@link io.arcanum.domain.Rejected} (never an error string). Semantics follow Vault's KV version 2
 * (VAULT-API.md, "KV version 2").
 */
public final class KvProtocol {

  private KvProtocol() {}

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

  // ---- commands ----

  /** Commands of a KV secret. */
  public interface Command extends CborSerializable {}

  /**
   * Writes a new version.
   *
   * @param data the version's data, sealed under its own data key
   * @param cas the client's check-and-set version, or {@code null} for none
   * @param basedOn for a merge patch, the version the patch was applied to (refused with
   *     {@link io.arcanum.domain.Refusal#STALE_PATCH} when it is no longer the latest live one);
   *     {@code null} for a plain write
   * @param mount the mount's settings
   * @param origin who writes
   * @param listingIntent whether the caller recorded a listing intent for this path before sending the
   *     write; a write that would bring the key into existence without one is refused with
   *     {@link io.arcanum.domain.Refusal#LISTING_INTENT_REQUIRED} (see {@link KvSecret})
   * @param replyTo gets {@link Written}, {@link Unconfirmed} or a rejection
   */
  public record Write(SealedData data, Integer cas, Integer basedOn, MountConfig mount, Origin origin,
      boolean listingIntent, ActorRef<Reply> replyTo) implements Command {}

  /**
   * Reads a version.
   *
   * @param version the version, or {@code null}/0 for the current one
   * @param replyTo gets {@link ReadResult}
   */
  public record Read(Integer version, ActorRef<Reply> replyTo) implements Command {}

  /**
   * Reads the metadata.
   *
   * @param replyTo gets {@link Metadata} ({@code exists == false} when the key has none)
   */
  public record ReadMetadata(ActorRef<Reply> replyTo) implements Command {}

  /**
   * Asks whether the key exists (for ACL create/update decisions, and for the listing: see
   * {@link KvSecret}).
   *
   * @param replyTo gets {@link Existence}
   */
  public record Exists(ActorRef<Reply> replyTo) implements Command {}

  /**
   * Changes the key's settings (creating the metadata when it does not exist, unless {@code patch}).
   * Null fields are left as they are.
   *
   * @param maxVersions versions to keep (0: the mount's), or null
   * @param casRequired whether writes need cas, or null
   * @param deleteVersionAfter soft-delete delay (zero: the mount's), or null
   * @param customMetadata the new custom metadata, or null; with {@code patch} it is merged key by key
   *     and a null value removes a key
   * @param patch PATCH semantics: the metadata must exist ({@link io.arcanum.domain.Refusal#NO_METADATA}
   *     otherwise) and custom metadata merges
   * @param mount the mount's settings (for pruning)
   * @param origin who does it
   * @param listingIntent as for {@link Write}: needed when this brings the key into existence
   * @param replyTo gets {@link MetadataChanged}, {@link Unconfirmed} or a rejection
   */
  public record WriteMetadata(Integer maxVersions, Boolean casRequired, Duration deleteVersionAfter,
      Map<String, String> customMetadata, boolean patch, MountConfig mount, Origin origin, boolean listingIntent,
      ActorRef<Reply> replyTo) implements Command {}

  /**
   * Soft-deletes versions.
   *
   * @param versions the versions; empty means the latest one
   * @param origin who does it
   * @param replyTo gets {@link Done} or {@link Unconfirmed}
   */
  public record DeleteVersions(List<Integer> versions, Origin origin, ActorRef<Reply> replyTo) implements Command {}

  /**
   * Undoes soft deletes (not destroys).
   *
   * @param versions the versions
   * @param origin who does it
   * @param replyTo gets {@link Done} or {@link Unconfirmed}
   */
  public record UndeleteVersions(List<Integer> versions, Origin origin, ActorRef<Reply> replyTo) implements Command {}

  /**
   * Destroys versions' data for good.
   *
   * @param versions the versions
   * @param origin who does it
   * @param replyTo gets {@link ToShred} with the data keys of the destroyed versions (newly or earlier
   *     destroyed), which the caller must forget before acknowledging; or {@link Unconfirmed}
   */
  public record DestroyVersions(List<Integer> versions, Origin origin, ActorRef<Reply> replyTo) implements Command {}

  /**
   * Removes every version and the metadata.
   *
   * @param origin who does it
   * @param listingIntent as for {@link Write}: needed when the key exists (it goes out of existence)
   * @param replyTo gets {@link Removed} or {@link Unconfirmed}
   */
  public record DeleteMetadata(Origin origin, boolean listingIntent, ActorRef<Reply> replyTo) implements Command {}

  /** Stops the entity, dropping its decrypted state (sent to every entity when the node seals). */
  public enum Stop implements Command { INSTANCE }

  // ---- replies ----

  /** Acknowledgement of a change that needs nothing more from the caller. */
  public enum Done implements Reply { DONE }

  /**
   * The journal did not confirm a change: the event may or may not be stored (the entity stopped on a
   * journal failure while persisting it). The caller must report the outcome as unknown, and must
   * keep anything the event may refer to (its data key).
   *
   * @param reason what failed, without secret material
   */
  public record Unconfirmed(String reason) implements Reply {}

  /**
   * Whether the key exists, and when that last changed (the listing's write timestamp, see
   * {@link KvSecret}).
   *
   * @param exists whether the key has metadata
   * @param changedMicros when it came into or went out of existence, in microseconds since the
   *     epoch; 0 when it never existed
   */
  public record Existence(boolean exists, long changedMicros) implements Reply {}

  /**
   * The answer to a {@link Write}.
   *
   * @param info the new version's metadata
   * @param pruned data keys of the versions this write pruned (beyond {@code max_versions}), to forget
   * @param created whether this write brought the key into existence (its listing must be added)
   * @param changedMicros the write's time in microseconds since the epoch (the listing's write timestamp)
   */
  public record Written(VersionInfo info, List<String> pruned, boolean created, long changedMicros) implements Reply {}

  /**
   * The answer to a {@link WriteMetadata}.
   *
   * @param pruned data keys of versions pruned by the change, to forget
   * @param created whether the change brought the key into existence (its listing must be added)
   * @param changedMicros the change's time in microseconds since the epoch
   */
  public record MetadataChanged(List<String> pruned, boolean created, long changedMicros) implements Reply {}

  /**
   * The answer to a {@link DeleteMetadata}.
   *
   * @param keyIds data keys of every version removed (only those: a write racing the delete keeps its
   *     own key), which the caller must forget
   * @param existed whether the key existed (its listing must be removed)
   * @param changedMicros the deletion's time in microseconds since the epoch (0 when nothing existed)
   */
  public record Removed(List<String> keyIds, boolean existed, long changedMicros) implements Reply {}

  /**
   * Data keys the caller must forget (crypto-shredding), because their versions were destroyed.
   *
   * @param keyIds data key ids
   */
  public record ToShred(List<String> keyIds) implements Reply {}

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

    /** @return the same version marked destroyed (its data key is gone) */
    public VersionInfo asDestroyed() {
      return new VersionInfo(version, createdTime, deletionTime, true);
    }
  }

  /**
   * The answer to a {@link Read}.
   *
   * @param data the version's sealed data, or null when the version does not exist, is deleted or destroyed
   * @param info the version's metadata, or null when the version does not exist
   * @param customMetadata the key's custom metadata (may be empty)
   */
  public record ReadResult(SealedData data, VersionInfo info, Map<String, String> customMetadata) implements Reply {}

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
      Map<String, String> customMetadata, List<VersionInfo> versions) implements Reply {}
}
