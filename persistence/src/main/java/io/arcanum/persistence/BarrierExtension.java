package io.arcanum.persistence;

import io.arcanum.domain.barrier.Barrier;
import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Extension;

/**
 * The barrier of this node, one per actor system, shared by the sealed serializer (which seals and
 * opens every event) and the seal lifecycle (which installs and drops the keyring).
 */
public final class BarrierExtension implements Extension {

  private static final Id ID = new Id();

  private final Barrier barrier = new Barrier();

  private BarrierExtension() {}

  /**
   * @param system an actor system (classic or typed)
   * @return the barrier extension of that system
   */
  public static BarrierExtension get(ClassicActorSystemProvider system) {
    return ID.get(system.classicSystem());
  }

  /** @return this node's barrier */
  public Barrier barrier() {
    return barrier;
  }

  private static final class Id extends AbstractExtensionId<BarrierExtension> {
    @Override
    public BarrierExtension createExtension(ExtendedActorSystem system) {
      return new BarrierExtension();
    }
  }
}
