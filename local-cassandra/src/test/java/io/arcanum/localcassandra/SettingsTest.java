package io.arcanum.localcassandra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The commit log mode a local node is configured with, from the environment. */
class SettingsTest {

    @Test
    void batchModeByDefault() {
        assertEquals(0, Settings.fromEnvironment(Map.of()).commitLogGroupWindowMillis());
    }

    @Test
    void aGroupWindowFromTheEnvironment() {
        assertEquals(15, Settings.fromEnvironment(Map.of(Settings.ENV_COMMIT_LOG_WINDOW, "15"))
                .commitLogGroupWindowMillis());
    }

    @Test
    void aWindowThatIsNotANumberOfMillisecondsIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> Settings.fromEnvironment(Map.of(Settings.ENV_COMMIT_LOG_WINDOW, "15ms")));
        assertThrows(IllegalArgumentException.class,
                () -> Settings.fromEnvironment(Map.of(Settings.ENV_COMMIT_LOG_WINDOW, "-1")));
    }
}
