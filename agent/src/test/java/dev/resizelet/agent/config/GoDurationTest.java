package dev.resizelet.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class GoDurationTest {

    @ParameterizedTest(name = "{0} = {1} ms")
    @CsvSource({"2m0s, 120000", "2m, 120000", "10s, 10000", "500ms, 500", "1h30m, 5400000", "1.5s, 1500",
            "0s, 0", "0, 0", "1m30.5s, 90500", "4h0m0s, 14400000", ".5s, 500", "1000us, 1"})
    void parsesGoDurations(String text, long millis) {
        assertThat(GoDuration.parse("--runtime-request-timeout", text)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "2", "10 s", "1d", "-1s", "s", "1m-1s", "2m0"})
    void rejectsWhatGoRejectsNamingTheFlag(String text) {
        assertThatThrownBy(() -> GoDuration.parse("--runtime-request-timeout", text))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--runtime-request-timeout");
    }

    @ParameterizedTest(name = "{0} ms prints {1}")
    @CsvSource({"120000, 2m0s", "10000, 10s", "500, 500ms", "3600000, 1h0m0s", "0, 0s", "1500, 1.5s"})
    void printsAsGoDoes(long millis, String text) {
        assertThat(GoDuration.format(Duration.ofMillis(millis))).isEqualTo(text);
        assertThat(GoDuration.parse("x", text)).isEqualTo(Duration.ofMillis(millis));
    }
}
