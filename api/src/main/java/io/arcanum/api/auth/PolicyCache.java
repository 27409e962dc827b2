package io.arcanum.api.auth;

import io.arcanum.api.outcome.Asks;
import io.arcanum.api.outcome.Failure;
import io.arcanum.domain.CborSerializable;
import io.arcanum.domain.Refusal;
import io.arcanum.domain.policy.Acl;
import io.arcanum.domain.policy.Policy;
import io.arcanum.domain.policy.PolicyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's compiled ACLs, kept current from the policy actor: policy texts are loaded once, each
 * set of policies is compiled once, and both are dropped when any node announces a policy change on
 * the cluster topic (or when the node seals). An authorized request therefore costs a map lookup
 * and a pattern match, not a round trip. Policy changes go through here too, so that every node
 * hears of them. Outcomes are typed: the policy actor's refusals as {@link Failure.Refused}; an actor
 * that does not answer in time is {@link Failure.Unavailable} for a read and
 * {@link Failure.OutcomeUnknown} for a change.
 */
public final class PolicyCache {

  private static final Logger LOG = LoggerFactory.getLogger(PolicyCache.class);

  /** The message on the cluster topic: some policy changed. */
  public record PolicyChanged(String name) implements CborSerializable {}

  private final ClusterSharding sharding;
  private final Duration timeout;
  private final ActorRef<Topic.Command<PolicyChanged>> topic;
  private volatile CompletableFuture<Map<String, Policy>> policies;
  private final Map<String, Acl> compiled = new ConcurrentHashMap<>();

  /**
   * @param system the actor system (the topic and its subscriber are spawned in it)
   * @param timeout ask timeout
   */
  public PolicyCache(ActorSystem<?> system, Duration timeout) {
    this.sharding = ClusterSharding.get(system);
    this.timeout = timeout;
    this.topic = system.systemActorOf(Topic.create(PolicyChanged.class, "arcanum-policy-changes"),
        "policy-changes-topic", Props.empty());
    ActorRef<PolicyChanged> subscriber = system.systemActorOf(Behaviors.receiveMessage(m -> {
      invalidate();
      return Behaviors.same();
    }), "policy-changes-subscriber", Props.empty());
    topic.tell(Topic.subscribe(subscriber));
  }

  private EntityRef<PolicyStore.Command> store() {
    return sharding.entityRefFor(PolicyStore.TYPE_KEY, PolicyStore.ENTITY_ID);
  }

  /**
   * Stores a policy and tells every node to recompile.
   *
   * @param name the lower-case name
   * @param text its text, already validated
   * @return completes once stored
   * @throws Failure.Refused (in the stage) {@link Refusal#ROOT_POLICY_IMMUTABLE} for {@code root};
   *     {@link Failure.OutcomeUnknown} when not confirmed in time
   */
  public CompletionStage<Void> write(String name, String text) {
    return Asks.ask(store(), r -> new PolicyStore.Put(name, text, r), PolicyStore.Done.class, timeout,
            () -> new Failure.OutcomeUnknown("the policy store did not confirm the change in time",
                "read sys/policies/acl/" + name))
        .thenRun(() -> announceChange(name));
  }

  /**
   * Deletes a policy (nothing happens when there is none by that name) and tells every node.
   *
   * @param name the lower-case name
   * @return completes once deleted
   * @throws Failure.Refused (in the stage) {@link Refusal#POLICY_NOT_DELETABLE} for {@code root} and
   *     {@code default}; {@link Failure.OutcomeUnknown} when not confirmed in time
   */
  public CompletionStage<Void> delete(String name) {
    return Asks.ask(store(), r -> new PolicyStore.Delete(name, r), PolicyStore.Done.class, timeout,
            () -> new Failure.OutcomeUnknown("the policy store did not confirm the deletion in time",
                "read sys/policies/acl/" + name))
        .thenRun(() -> announceChange(name));
  }

  /** Drops everything cached (the node sealed, or a policy changed). */
  public void invalidate() {
    policies = null;
    compiled.clear();
  }

  /**
   * Drops the cache here and tells every node to drop theirs.
   *
   * @param name the policy that changed
   */
  private void announceChange(String name) {
    invalidate();
    topic.tell(Topic.publish(new PolicyChanged(name)));
  }

  /** @return every policy by name, parsed ({@code default} included) */
  public CompletionStage<Map<String, Policy>> policies() {
    CompletableFuture<Map<String, Policy>> p = policies;
    if (p != null) {
      return p;
    }
    CompletableFuture<Map<String, Policy>> loading = Asks.ask(store(), PolicyStore.GetAll::new,
        PolicyStore.Policies.class, timeout, () -> new Failure.Unavailable("the policy store did not answer in time"))
        .thenApply(all -> {
          Map<String, String> texts = all.byName();
          Map<String, Policy> parsed = new ConcurrentHashMap<>();
          texts.forEach((name, text) -> {
            try {
              parsed.put(name, Policy.parse(name, text));
            } catch (IllegalArgumentException e) {
              LOG.error("stored policy {} does not parse and grants nothing: {}", name, e.getMessage());
            }
          });
          return (Map<String, Policy>) parsed;
        }).toCompletableFuture();
    policies = loading;
    loading.whenComplete((m, e) -> {
      if (e != null && policies == loading) {
        policies = null;
      }
    });
    return loading;
  }

  /**
   * @param policyNames a token's policies
   * @return their compiled ACL (unknown names grant nothing)
   */
  public CompletionStage<Acl> acl(List<String> policyNames) {
    if (policyNames.contains(Policy.ROOT)) {
      return CompletableFuture.completedFuture(Acl.root());
    }
    String key = String.join(",", policyNames);
    Acl cached = compiled.get(key);
    if (cached != null) {
      return CompletableFuture.completedFuture(cached);
    }
    return policies().thenApply(all -> {
      List<Policy> ps = new ArrayList<>();
      for (String n : policyNames) {
        Policy p = all.get(n);
        if (p != null) {
          ps.add(p);
        }
      }
      Acl acl = Acl.compile(ps);
      compiled.put(key, acl);
      return acl;
    });
  }
}
