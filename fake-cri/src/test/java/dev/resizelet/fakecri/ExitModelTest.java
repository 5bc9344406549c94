package dev.resizelet.fakecri;

import static org.assertj.core.api.Assertions.assertThat;

import dev.resizelet.fakecri.ExitModel.ExitAfter;
import dev.resizelet.fakecri.ExitModel.Never;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ExitModelTest {

    static Stream<Arguments> table() {
        Duration now = Duration.ZERO;
        return Stream.of(
                Arguments.of(List.of(), List.of(), new Never()),
                Arguments.of(List.of("true"), List.of(), new ExitAfter(now, 0)),
                Arguments.of(List.of("/bin/true"), List.of(), new ExitAfter(now, 0)),
                Arguments.of(List.of("false"), List.of(), new ExitAfter(now, 1)),
                Arguments.of(List.of("sh", "-c", "exit 3"), List.of(), new ExitAfter(now, 3)),
                Arguments.of(List.of("/bin/sh", "-c"), List.of("exit 1"), new ExitAfter(now, 1)),
                Arguments.of(List.of("sh", "-c", "exit 257"), List.of(), new ExitAfter(now, 1)),
                Arguments.of(List.of("sh", "-c", "exit"), List.of(), new ExitAfter(now, 0)),
                Arguments.of(List.of("sleep", "5"), List.of(), new ExitAfter(Duration.ofSeconds(5), 0)),
                Arguments.of(List.of("sleep"), List.of("0.5"), new ExitAfter(Duration.ofMillis(500), 0)),
                Arguments.of(List.of("sleep", "2m"), List.of(), new ExitAfter(Duration.ofMinutes(2), 0)),
                Arguments.of(List.of("sleep", "1h"), List.of(), new ExitAfter(Duration.ofHours(1), 0)),
                Arguments.of(List.of("sleep", "infinity"), List.of(), new Never()),
                Arguments.of(List.of("sleep", "soon"), List.of(), new ExitAfter(now, 1)),
                Arguments.of(List.of("tail", "-f", "/dev/null"), List.of(), new Never()),
                Arguments.of(List.of("sh", "-c", "tail -f /dev/null"), List.of(), new Never()),
                Arguments.of(List.of("sh", "-c", "sleep 2; exit 3"), List.of(), new ExitAfter(Duration.ofSeconds(2), 3)),
                Arguments.of(List.of("sh", "-c", "sleep 1 && sleep 2"), List.of(), new ExitAfter(Duration.ofSeconds(3), 0)),
                Arguments.of(List.of("sh", "-c", "exec sleep 4"), List.of(), new ExitAfter(Duration.ofSeconds(4), 0)),
                Arguments.of(List.of("sh", "-c", "sleep 1; sleep infinity"), List.of(), new Never()),
                Arguments.of(List.of("nginx", "-g", "daemon off;"), List.of(), new Never()),
                Arguments.of(List.of("sh", "-c", "echo hello"), List.of(), new Never()));
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @MethodSource("table")
    void commandsExitAsTheModelSays(List<String> command, List<String> args, ExitModel.Exit expected) {
        assertThat(ExitModel.of(command, args)).isEqualTo(expected);
    }
}
