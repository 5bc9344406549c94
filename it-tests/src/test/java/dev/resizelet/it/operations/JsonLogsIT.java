package dev.resizelet.it.operations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --logging-format=json}: every line the agent logs, from start through a resize to SIGTERM, is one JSON object. */
class JsonLogsIT {
    @TempDir
    Path dir;

    @Test
    void everyLogLineIsAJsonObjectWithTimeLevelLoggerAndMessage() throws Exception {
        Instant started = Instant.now();
        String log;
        int exit;
        try (AgentProcess agent = AgentProcess.start(dir, "--logging-format=json", "-v", "4", "--allocatable-cpu", "2",
                "--allocatable-memory", "1Gi")) {
            agent.send("POST", "/api/v1/namespaces/default/pods", "application/json", AgentProcess.podJson("web", "500m"));
            agent.send("PATCH", "/api/v1/namespaces/default/pods/web/resize", "application/strategic-merge-patch+json",
                    AgentProcess.resizePatch("800m"));
            await().atMost(Duration.ofSeconds(30)).until(() -> "800m".equals(agent.pod("web").path("status")
                    .path("containerStatuses").path(0).path("resources").path("limits").path("cpu").asText()));
            exit = agent.stop();
            log = agent.stderr();
        }

        List<JsonNode> lines = new ArrayList<>();
        for (String line : log.split("\n")) {
            lines.add(assertDoesNotThrow(() -> AgentProcess.JSON.readTree(line), "not a JSON line: " + line));
        }
        assertThat(lines).hasSizeGreaterThan(3).allSatisfy(l -> {
            assertThat(l.isObject()).isTrue();
            assertThat(Instant.ofEpochMilli(l.path("timestamp").asLong())).isBetween(started, Instant.now());
            assertThat(l.path("level").asText()).isIn("TRACE", "DEBUG", "INFO", "WARN", "ERROR");
            assertThat(l.path("loggerName").asText()).isNotEmpty();
            assertThat(l.path("formattedMessage").asText()).isNotEmpty();
        });
        assertThat(lines).anySatisfy(l -> assertThat(l.path("formattedMessage").asText()).startsWith("cri connected"))
                .anySatisfy(l -> assertThat(l.path("level").asText()).isEqualTo("DEBUG")) // -v 4
                .last().satisfies(l -> assertThat(l.path("formattedMessage").asText()).isEqualTo("stopped"));
        assertThat(exit).isIn(0, 143); // SIGTERM: shutdown hooks ran, then the JVM's 128+15
    }
}
