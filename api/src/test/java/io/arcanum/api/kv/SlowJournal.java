package io.arcanum.api.kv;

import com.typesafe.config.Config;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.cassandra.journal.CassandraJournal;
import scala.collection.immutable.Seq;
import scala.concurrent.Future;
import scala.concurrent.duration.FiniteDuration;
import scala.runtime.BoxedUnit;
import scala.util.Try;

/**
 * The real Cassandra journal, made slow on demand for tests: while {@link #delayMillis} is above zero,
 * each write goes to Cassandra at once (it becomes durable as usual) but its acknowledgement reaches
 * the entity only that much later. So a client can time out on a write that was in fact stored, which
 * is the case an unknown outcome must be reported for (and a version's data key kept).
 */
public final class SlowJournal extends CassandraJournal {

  /** How long acknowledgements are held back, in milliseconds; 0 for none. */
  public static volatile long delayMillis;

  /**
   * @param cfg the plugin's configuration
   * @param cfgPath its path
   */
  public SlowJournal(Config cfg, String cfgPath) {
    super(cfg, cfgPath);
  }

  @Override
  public Future<Seq<Try<BoxedUnit>>> asyncWriteMessages(Seq<AtomicWrite> messages) {
    Future<Seq<Try<BoxedUnit>>> written = super.asyncWriteMessages(messages);
    long delay = delayMillis;
    if (delay <= 0) {
      return written;
    }
    return Patterns.after(FiniteDuration.create(delay, TimeUnit.MILLISECONDS), context().system().scheduler(),
        context().dispatcher(), () -> written);
  }
}
