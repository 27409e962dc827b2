package io.arcanum.loadtests;

import io.gatling.javaapi.core.Simulation;

/**
 * A simulation with setup and teardown requests around its load: {@link #setup()} runs before the
 * load, {@link #after()} after it, and also when setup fails half-way (Gatling does not call
 * {@code after()} then), so that what setup made (tokens, policies, an audit device) is undone.
 */
public abstract class SetUpSimulation extends Simulation {

  /**
   * Runs {@link #setup()}; when it fails, undoes it with {@link #after()} and rethrows.
   *
   * @throws RuntimeException what setup threw
   */
  @Override
  public final void before() {
    try {
      setup();
    } catch (RuntimeException e) {
      after(); // undo what setup did, as far as it went
      throw e;
    }
  }

  /** The setup requests; throws when one fails. */
  protected abstract void setup();

  /** Teardown: undoes what {@link #setup()} did, as far as it went; must not throw. */
  @Override
  public abstract void after();
}
