package io.arcanum.api.kv;

import com.fasterxml.jackson.databind.JsonNode;
import io.arcanum.api.outcome.Asks;
import io.arcanum.api.outcome.Failure;
import io.arcanum.domain.Refusal;
import io.arcanum.domain.Rejected;
import io.arcanum.domain.Reply;
import io.arcanum.domain.kv.KvProtocol;
import io.arcanum.domain.kv.KvProtocol.Existence;
import io.arcanum.domain.kv.KvProtocol.Metadata;
import io.arcanum.domain.kv.KvProtocol.MountConfig;
import io.arcanum.domain.kv.KvProtocol.Origin;
import io.arcanum.domain.kv.KvProtocol.ReadResult;
import io.arcanum.domain.kv.KvProtocol.Unconfirmed;
import io.arcanum.domain.kv.KvProtocol.VersionInfo;
import io.arcanum.domain.kv.KvSecret;
import io.arcanum.domain.kv.MergePatch;
import io.arcanum.domain.kv.SealedData;
import io.arcanum.domain.kv.SealedData.DataKey;
import io.arcanum.persistence.kv.DataKeyStore;
import io.arcanum.persistence.kv.KvListing;
import io.arcanum.persistence.kv.ListingIntents;
import io.arcanum.persistence.kv.ListingIntents.Intent;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * KV version 2, decided: what a read, a write, a patch, a delete or a listing does, independent of
 * HTTP ({@link KvRoutes} parses and renders). Outcomes are typed: results, or {@link Failure}s.
 *
 * <p>A change runs in three steps, each at most one durable storage round trip on the path of the
 * request (independent writes in parallel):
 * <ol>
 *   <li>while the request's audit record is being made durable ({@code recorded}): the version's new
 *       data key is stored (sealed), and, for a change that may bring the key into or out of
 *       existence, a listing intent ({@link ListingIntents}); neither is visible to any client;</li>
 *   <li>once {@code recorded} completes: the command goes to the secret's entity, which persists its
 *       event (the change takes effect);</li>
 *   <li>then, while the response's audit record is being written: the listing is updated when the key
 *       came into or went out of existence ({@link KvListing}), and data keys of destroyed, pruned or
 *       deleted versions are forgotten (crypto-shredding). The request's reply waits for this step
 *       ({@link Settled#settled}).</li>
 * </ol>
 * A data key is forgotten when its version is destroyed, pruned or deleted, or when the entity
 * refused the write it was made for; never when the outcome is unknown (a timeout, a journal failure),
 * since the version may have been stored. A listing intent is cleared once the listing is up to date;
 * one left behind by a failure is found by the listing repair.
 */
public final class KvService {

  private static final Logger LOG = LoggerFactory.getLogger(KvService.class);

  /**
   * The largest version a write may make, in bytes of JSON: Vault's integrated storage default entry
   * size (1 MiB), well under Cassandra's 16 MiB frame, so that versions and snapshots always fit.
   */
  public static final int MAX_VALUE_BYTES = 1024 * 1024;

  /** How often a PATCH is retried when concurrent writes keep changing the latest version. */
  static final int PATCH_ATTEMPTS = 16;

  /**
   * A secret path.
   *
   * @param mount the mount's uuid
   * @param path the path relative to the mount ({@code app/db})
   * @param display how the client names it, for messages ({@code secret/data/app/db})
   */
  public record Target(String mount, String path, String display) {
    /** @return the sharding entity id */
    public String entityId() {
      return mount + "/" + path;
    }

    /** @return the persistence id */
    public String persistenceId() {
      return PersistenceId.of(KvSecret.TYPE_KEY.name(), entityId()).id();
    }
  }

  /**
   * A result whose request may answer only once {@code settled} completes (the listing and
   * shredding after a change), while the response's audit record is written meanwhile.
   *
   * @param value the result
   * @param settled completes when everything that must come with the change is done; fails with
   *     {@link Failure.Incomplete} when it could not be done
   * @param <T> the result type
   */
  public record Settled<T>(T value, CompletionStage<Void> settled) {
    static <T> Settled<T> now(T value) {
      return new Settled<>(value, CompletableFuture.completedFuture(null));
    }
  }

  /**
   * A read with its data opened.
   *
   * @param data the data, or null when the version does not exist, is deleted, destroyed, or its key is gone
   * @param info the version's metadata (destroyed when its key is gone), or null when it does not exist
   * @param customMetadata the key's custom metadata
   */
  public record Opened(JsonNode data, VersionInfo info, Map<String, String> customMetadata) {}

  /**
   * A metadata change.
   *
   * @param maxVersions versions to keep (0: the mount's), or null to leave
   * @param casRequired whether writes need cas, or null to leave
   * @param deleteVersionAfter soft-delete delay (zero: the mount's), or null to leave
   * @param customMetadata the custom metadata (merged with PATCH), or null to leave
   * @param patch PATCH semantics
   */
  public record MetadataChange(Integer maxVersions, Boolean casRequired, Duration deleteVersionAfter,
      Map<String, String> customMetadata, boolean patch) {}

  private final ClusterSharding sharding;
  private final DataKeyStore keys;
  private final KvListing listing;
  private final ListingIntents intents;
  private final Duration timeout;
  private final ConcurrentHashMap<String, CompletableFuture<Void>> patchTails = new ConcurrentHashMap<>();
  private volatile java.util.function.Consumer<Duration> onJournalWrite = d -> { };

  /**
   * @param sharding where the secrets' entities live
   * @param keys the versions' data keys
   * @param listing the listing
   * @param intents listing intents
   * @param timeout how long to wait for an entity
   */
  public KvService(ClusterSharding sharding, DataKeyStore keys, KvListing listing, ListingIntents intents,
      Duration timeout) {
    this.sharding = sharding;
    this.keys = keys;
    this.listing = listing;
    this.intents = intents;
    this.timeout = timeout;
  }

  /** @param hook told how long each KV journal write (the entity's answer to a write) took */
  public void onJournalWrite(java.util.function.Consumer<Duration> hook) {
    this.onJournalWrite = hook;
  }

  private EntityRef<KvProtocol.Command> entity(Target t) {
    return sharding.entityRefFor(KvSecret.TYPE_KEY, t.entityId());
  }

  private <T extends Reply> CompletionStage<T> read(Target t, Function<ActorRef<Reply>, KvProtocol.Command> command,
      Class<T> expected) {
    return Asks.ask(entity(t), command, expected, timeout,
        () -> new Failure.Unavailable("the secret " + t.display() + " did not answer in time"));
  }

  // ---- reads ----

  /**
   * @param t the secret
   * @param version the version, or null for the current one
   * @return the version with its data opened
   */
  public CompletionStage<Opened> read(Target t, Integer version) {
    return read(t, r -> new KvProtocol.Read(version, r), ReadResult.class).thenCompose(result ->
        (result.data() == null ? CompletableFuture.<JsonNode>completedFuture(null)
            : keys.open(t.persistenceId(), result.data()).exceptionally(e -> {
              throw Asks.unansweredOr(e, () -> new Failure.Unavailable("the data key of " + t.display()
                  + " could not be read"));
            }))
        .thenApply(data -> new Opened(data, data == null && result.data() != null ? result.info().asDestroyed()
            : result.info(), result.customMetadata())));
  }

  /**
   * @param t the secret
   * @return its metadata
   */
  public CompletionStage<Metadata> metadata(Target t) {
    return read(t, KvProtocol.ReadMetadata::new, Metadata.class);
  }

  /**
   * @param t the secret
   * @return whether it has metadata (for the create/update distinction of ACLs)
   */
  public CompletionStage<Boolean> exists(Target t) {
    return read(t, KvProtocol.Exists::new, Existence.class).thenApply(Existence::exists);
  }

  /**
   * Lists a folder, read-your-writes.
   *
   * @param mount the mount uuid
   * @param folder {@code ""} or ending with {@code /}
   * @param after only names after this one, or null
   * @param limit at most this many, 0 for all
   * @return the names, folders ending with {@code /}
   */
  public CompletionStage<List<String>> list(String mount, String folder, String after, int limit) {
    return listing.list(mount, folder, after, limit).exceptionally(e -> {
      throw new Failure.Unavailable("the listing could not be read: " + e.getClass().getSimpleName());
    });
  }

  // ---- writes ----

  /**
   * Writes a new version.
   *
   * @param t the secret
   * @param data the version's data (a JSON object)
   * @param cas the check-and-set version, or null
   * @param mount the mount's settings
   * @param origin who writes
   * @param recorded completes once the request's audit record is durable (fails if it cannot be)
   * @return the new version's metadata, settled once the listing and pruning are done
   */
  public CompletionStage<Settled<VersionInfo>> write(Target t, JsonNode data, Integer cas, MountConfig mount,
      Origin origin, CompletionStage<Void> recorded) {
    return writeVersion(t, data, cas, null, mount, origin, recorded);
  }

  /**
   * Applies a JSON merge patch (RFC 7396) to the latest live version and writes the result as a new
   * version, based on the version it read: retried when another write got there first. PATCHes of one
   * secret run one at a time on this node (as Vault's per-key lock does).
   *
   * @param t the secret
   * @param patch the merge patch (a JSON object)
   * @param cas the check-and-set version, or null
   * @param mount the mount's settings
   * @param origin who patches
   * @param recorded completes once the request's audit record is durable
   * @return the new version's metadata; fails with {@link Refusal#NO_METADATA} when there is no live
   *     latest version to patch
   */
  public CompletionStage<Settled<VersionInfo>> patch(Target t, JsonNode patch, Integer cas, MountConfig mount,
      Origin origin, CompletionStage<Void> recorded) {
    return onePatchAtATime(t.persistenceId(), () -> patchAttempt(t, patch, cas, mount, origin, recorded, 1));
  }

  private CompletionStage<Settled<VersionInfo>> patchAttempt(Target t, JsonNode patch, Integer cas, MountConfig mount,
      Origin origin, CompletionStage<Void> recorded, int attempt) {
    return read(t, null).thenCompose(latest -> {
      if (latest.data() == null) {
        throw new Failure.Refused(Refusal.NO_METADATA); // no live latest version to patch, as in Vault
      }
      JsonNode merged = MergePatch.apply(latest.data(), patch);
      return writeVersion(t, merged, cas, latest.info().version(), mount, origin, recorded)
          .handle((written, failure) -> {
            if (failure == null) {
              return CompletableFuture.completedFuture(written);
            }
            if (attempt < PATCH_ATTEMPTS && refusal(failure) == Refusal.STALE_PATCH) {
              return patchAttempt(t, patch, cas, mount, origin, recorded, attempt + 1);
            }
            return CompletableFuture.<Settled<VersionInfo>>failedFuture(failure);
          }).thenCompose(x -> x);
    });
  }

  private <T> CompletionStage<T> onePatchAtATime(String pid, Supplier<CompletionStage<T>> work) {
    CompletableFuture<T> result = new CompletableFuture<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    CompletableFuture<Void> previous = patchTails.put(pid, done);
    (previous == null ? CompletableFuture.<Void>completedFuture(null) : previous).whenComplete((v, e) -> {
      CompletionStage<T> running;
      try {
        running = work.get();
      } catch (RuntimeException t) {
        running = CompletableFuture.failedFuture(t);
      }
      running.whenComplete((r, err) -> {
        patchTails.remove(pid, done);
        done.complete(null);
        if (err != null) {
          result.completeExceptionally(err);
        } else {
          result.complete(r);
        }
      });
    });
    return result;
  }

  /** The three steps of a version write (see the class comment). */
  private CompletionStage<Settled<VersionInfo>> writeVersion(Target t, JsonNode data, Integer cas, Integer basedOn,
      MountConfig mount, Origin origin, CompletionStage<Void> recorded) {
    byte[] json = io.arcanum.api.http.Json.bytes(data);
    if (json.length > MAX_VALUE_BYTES) {
      return CompletableFuture.failedFuture(new Failure.Refused(new Rejected(Refusal.VALUE_TOO_LARGE,
          "put failed due to value being too large; got " + json.length + " bytes, max: " + MAX_VALUE_BYTES + " bytes")));
    }
    String pid = t.persistenceId();
    // step 1, beside the request's audit record
    CompletionStage<DataKey> key = keys.create(pid);
    CompletionStage<Intent> intent = mayCreate(t).thenCompose(may -> may ? intents.record(pid)
        : CompletableFuture.completedFuture(null));
    CompletionStage<Prepared> prepared = afterRecord(recorded, key, intent, (k, i) -> new Prepared(k, i), () -> {
      key.thenAccept(k -> forgetUnused(pid, List.of(k.keyId()), origin)); // no event refers to it
      intent.thenAccept(this::clearLater);
    });
    return prepared.thenCompose(p -> {
      SealedData sealed = SealedData.seal(pid, p.key(), data);
      Arrays.fill(p.key().key(), (byte) 0);
      String keyId = p.key().keyId();
      // step 2: the change takes effect
      return change(t, p.intent(), i -> r -> new KvProtocol.Write(sealed, cas, basedOn, mount, origin, i != null, r),
          KvProtocol.Written.class)
          .handle((done, failure) -> {
            if (failure != null) {
              if (refusal(failure) != null) {
                forgetUnused(pid, List.of(keyId), origin); // refused: no event refers to it
              }
              throw unwrapped(failure); // an unknown outcome keeps the key: the version may be stored
            }
            // step 3, beside the response's audit record
            KvProtocol.Written w = done.reply();
            existsHere.put(pid, Boolean.TRUE);
            CompletionStage<Void> listed = w.created()
                ? listing.added(t.mount(), t.path(), w.changedMicros()).thenApply(d -> (Void) null)
                : CompletableFuture.completedFuture(null);
            CompletionStage<Void> settled = listed.handle((d, e) -> {
              if (e != null) {
                throw new Failure.Incomplete("version " + w.info().version() + " of " + t.display()
                    + " was written, but the listing could not be updated yet (it will be repaired): "
                    + e.getClass().getSimpleName());
              }
              clearLater(done.intent());
              return (Void) null;
            });
            keys.forgetSoon(pid, w.pruned()); // the reply does not wait: pruned versions cannot be read
            return new Settled<>(w.info(), settled);
          });
    });
  }

  /**
   * Keys this node saw exist after its own writes: a write to one of them needs no listing intent, so
   * it skips asking the entity. If the key was deleted meanwhile (through another node), the entity
   * refuses the write for want of an intent, and {@link #change} records one and sends it again.
   */
  private final com.github.benmanes.caffeine.cache.Cache<String, Boolean> existsHere =
      com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(100_000)
          .expireAfterAccess(Duration.ofMinutes(10)).build();

  /** @return whether a write may bring the key into existence (it needs a listing intent first) */
  private CompletionStage<Boolean> mayCreate(Target t) {
    if (existsHere.getIfPresent(t.persistenceId()) != null) {
      return CompletableFuture.completedFuture(false);
    }
    return read(t, KvProtocol.Exists::new, Existence.class).thenApply(e -> !e.exists());
  }

  /**
   * What step 1 produced.
   *
   * @param key the new version's data key (durable)
   * @param intent the listing intent, or null when none was needed
   */
  private record Prepared(DataKey key, Intent intent) {}

  /**
   * The entity's answer to a change, with the intent it was sent with.
   *
   * @param reply the answer
   * @param intent the listing intent recorded for it, or null
   * @param <T> the answer's type
   */
  private record Changed<T>(T reply, Intent intent) {}

  /**
   * Sends a change to the entity (step 2). A change that would bring the key into existence without a
   * listing intent (the key disappeared since step 1 looked) is refused; the intent is recorded then
   * and the change sent once more. A journal failure or a timeout is an unknown outcome.
   */
  private <T extends Reply> CompletionStage<Changed<T>> change(Target t, Intent intent,
      Function<Intent, Function<ActorRef<Reply>, KvProtocol.Command>> command, Class<T> expected) {
    Supplier<Failure> unknown = () -> new Failure.OutcomeUnknown("storage did not confirm the change to "
        + t.display() + " in time", "read " + t.display());
    long started = System.nanoTime();
    CompletionStage<Reply> asked = entity(t).<Reply>ask(r -> command.apply(intent).apply(r), timeout);
    return asked.handle((reply, error) -> {
      if (error != null) {
        throw Asks.unansweredOr(error, unknown);
      }
      onJournalWrite.accept(Duration.ofNanos(System.nanoTime() - started));
      if (reply instanceof Unconfirmed u) {
        throw new Failure.OutcomeUnknown(u.reason() + " (" + t.display() + ")", "read " + t.display());
      }
      if (reply instanceof Rejected r && r.refusal() == Refusal.LISTING_INTENT_REQUIRED && intent == null) {
        return intents.record(t.persistenceId())
            .thenCompose(i -> change(t, i, command, expected));
      }
      if (reply instanceof Rejected) {
        clearLater(intent);
      }
      return CompletableFuture.completedFuture(new Changed<>(Asks.expect(reply, expected), intent));
    }).thenCompose(x -> x);
  }

  // ---- metadata ----

  /**
   * Writes the key's settings (creating its metadata unless {@code change.patch()}).
   *
   * @param t the secret
   * @param change the change
   * @param mount the mount's settings
   * @param origin who changes it
   * @param recorded completes once the request's audit record is durable
   * @return settled once the listing and pruning are done; fails with {@link Refusal#NO_METADATA} for a
   *     PATCH of a key without metadata
   */
  public CompletionStage<Settled<Void>> writeMetadata(Target t, MetadataChange change, MountConfig mount,
      Origin origin, CompletionStage<Void> recorded) {
    String pid = t.persistenceId();
    CompletionStage<Intent> intent = read(t, KvProtocol.Exists::new, Existence.class)
        .thenCompose(e -> e.exists() || change.patch() ? CompletableFuture.completedFuture(null) : intents.record(pid));
    return afterRecord(recorded, intent, CompletableFuture.completedFuture(null), (i, none) -> i,
            () -> intent.thenAccept(this::clearLater))
        .thenCompose(i -> change(t, i, in -> r -> new KvProtocol.WriteMetadata(change.maxVersions(), change.casRequired(),
            change.deleteVersionAfter(), change.customMetadata(), change.patch(), mount, origin, in != null, r),
            KvProtocol.MetadataChanged.class))
        .thenApply(done -> {
          KvProtocol.MetadataChanged m = done.reply();
          keys.forgetSoon(pid, m.pruned()); // the reply does not wait: pruned versions cannot be read
          CompletionStage<Void> settled = (m.created()
              ? listing.added(t.mount(), t.path(), m.changedMicros()).thenApply(d -> (Void) null)
              : CompletableFuture.<Void>completedFuture(null)).handle((d, e) -> {
                if (e != null) {
                  throw new Failure.Incomplete("the metadata of " + t.display()
                      + " was written, but the listing could not be updated yet (it will be repaired)");
                }
                clearLater(done.intent());
                return (Void) null;
              });
          return new Settled<Void>(null, settled);
        });
  }

  /**
   * Deletes every version and the metadata; the key leaves the listing and every version's data key
   * is forgotten before the request answers.
   *
   * @param t the secret
   * @param origin who deletes
   * @param recorded completes once the request's audit record is durable
   * @return settled once unlisted and shredded
   */
  public CompletionStage<Settled<Void>> deleteMetadata(Target t, Origin origin, CompletionStage<Void> recorded) {
    String pid = t.persistenceId();
    CompletionStage<Intent> intent = intents.record(pid);
    return afterRecord(recorded, intent, CompletableFuture.completedFuture(null), (i, none) -> i,
            () -> intent.thenAccept(this::clearLater))
        .thenCompose(i -> change(t, i, in -> r -> new KvProtocol.DeleteMetadata(origin, in != null, r),
            KvProtocol.Removed.class))
        .thenApply(done -> {
          KvProtocol.Removed removed = done.reply();
          existsHere.invalidate(pid);
          CompletionStage<Void> unlisted = removed.existed()
              ? listing.removed(t.mount(), t.path(), removed.changedMicros()).thenApply(d -> (Void) null)
              : CompletableFuture.completedFuture(null);
          CompletionStage<Void> shredded = keys.forgetSecret(pid, removed.keyIds()).thenApply(d -> (Void) null);
          CompletionStage<Void> settled = unlisted.thenCombine(shredded, (a, b) -> (Void) null).handle((d, e) -> {
            if (e != null) {
              throw new Failure.Incomplete("the metadata of " + t.display() + " was deleted, but its listing or its"
                  + " data keys could not be removed yet: repeat the delete");
            }
            clearLater(done.intent());
            return null;
          });
          return new Settled<Void>(null, settled);
        });
  }

  // ---- delete, undelete, destroy ----

  /**
   * Soft-deletes versions.
   *
   * @param t the secret
   * @param versions the versions; empty for the latest
   * @param origin who deletes
   * @param recorded completes once the request's audit record is durable
   * @return done
   */
  public CompletionStage<Settled<Void>> deleteVersions(Target t, List<Integer> versions, Origin origin,
      CompletionStage<Void> recorded) {
    return recorded.thenCompose(v -> change(t, null, i -> r -> new KvProtocol.DeleteVersions(versions, origin, r),
        KvProtocol.Done.class)).thenApply(d -> Settled.now(null));
  }

  /**
   * Undoes soft deletes.
   *
   * @param t the secret
   * @param versions the versions
   * @param origin who undeletes
   * @param recorded completes once the request's audit record is durable
   * @return done
   */
  public CompletionStage<Settled<Void>> undeleteVersions(Target t, List<Integer> versions, Origin origin,
      CompletionStage<Void> recorded) {
    return recorded.thenCompose(v -> change(t, null, i -> r -> new KvProtocol.UndeleteVersions(versions, origin, r),
        KvProtocol.Done.class)).thenApply(d -> Settled.now(null));
  }

  /**
   * Destroys versions: their data keys are forgotten before the request answers.
   *
   * @param t the secret
   * @param versions the versions
   * @param origin who destroys
   * @param recorded completes once the request's audit record is durable
   * @return settled once the keys are forgotten
   */
  public CompletionStage<Settled<Void>> destroyVersions(Target t, List<Integer> versions, Origin origin,
      CompletionStage<Void> recorded) {
    return recorded.thenCompose(v -> change(t, null, i -> r -> new KvProtocol.DestroyVersions(versions, origin, r),
        KvProtocol.ToShred.class)).thenApply(done -> new Settled<Void>(null,
            keys.forget(t.persistenceId(), done.reply().keyIds()).handle((d, e) -> {
              if (e != null) {
                throw new Failure.Incomplete("the versions of " + t.display() + " were destroyed, but their data"
                    + " keys could not be forgotten yet: repeat the destroy");
              }
              return null;
            })));
  }

  // ---- helpers ----

  /**
   * Step 1: waits for the request's audit record and two preparations made beside it. When any fails,
   * {@code undo} runs (what was prepared is not used by any event) and the first failure is reported,
   * the audit record's before the others'.
   */
  private static <A, B, R> CompletionStage<R> afterRecord(CompletionStage<Void> recorded, CompletionStage<A> a,
      CompletionStage<B> b, java.util.function.BiFunction<A, B, R> combine, Runnable undo) {
    CompletableFuture<Void> rec = recorded.toCompletableFuture();
    CompletableFuture<A> fa = a.toCompletableFuture();
    CompletableFuture<B> fb = b.toCompletableFuture();
    return CompletableFuture.allOf(rec, fa, fb).handle((v, e) -> {
      if (e == null) {
        return combine.apply(fa.join(), fb.join());
      }
      undo.run();
      Throwable first = rec.isCompletedExceptionally() ? failureOf(rec)
          : fa.isCompletedExceptionally() ? failureOf(fa) : failureOf(fb);
      if (first instanceof Failure f) {
        throw f;
      }
      throw new Failure.Unavailable("storage did not store the preparations of the change: "
          + first.getClass().getSimpleName());
    });
  }

  private static Throwable failureOf(CompletableFuture<?> f) {
    try {
      f.join();
      return new IllegalStateException("not failed");
    } catch (java.util.concurrent.CompletionException e) {
      return e.getCause() != null ? e.getCause() : e;
    } catch (java.util.concurrent.CancellationException e) {
      return e;
    }
  }

  private static RuntimeException unwrapped(Throwable failure) {
    Throwable t = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    return t instanceof RuntimeException r ? r : new java.util.concurrent.CompletionException(t);
  }

  private static Refusal refusal(Throwable failure) {
    Throwable t = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    return t instanceof Failure.Refused r ? r.refusal() : null;
  }

  private void forgetUnused(String pid, List<String> keyIds, Origin origin) {
    keys.forget(pid, keyIds).whenComplete((d, e) -> {
      if (e != null) {
        LOG.warn("request {}: an unused data key could not be forgotten: {}", origin.requestId(), e.toString());
      }
    });
  }

  private void clearLater(Intent intent) {
    if (intent != null) {
      intents.clear(intent).whenComplete((d, e) -> {
        if (e != null) {
          LOG.debug("a listing intent could not be cleared (the repair will): {}", e.toString());
        }
      });
    }
  }
}
