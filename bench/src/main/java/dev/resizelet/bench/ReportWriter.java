package dev.resizelet.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes {@code bench.json} and {@code latency.svg} into the output directory. */
final class ReportWriter {
    static final String JSON = "bench.json";
    static final String SVG = "latency.svg";

    private ReportWriter() {
    }

    static ObjectMapper mapper() {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    }

    static List<Path> write(BenchReport r, Path dir) {
        try {
            Files.createDirectories(dir);
            Path json = dir.resolve(JSON);
            mapper().writeValue(json.toFile(), r);
            Path svg = dir.resolve(SVG);
            Files.writeString(svg, chart(r), StandardCharsets.UTF_8);
            return List.of(json, svg);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the bench report to " + dir, e);
        }
    }

    static String chart(BenchReport r) {
        var a = r.agent();
        var run = r.run();
        String title = "resize latency, " + run.pods() + " pods x " + run.containersPerPod() + ", "
                + Targets.fmt(run.ratePerSecond()) + "/s, " + run.runtime();
        return LatencyChart.svg(title, List.of(
                new LatencyChart.Series("agent storm request→status-visible", a.requestToStatusVisible()),
                new LatencyChart.Series("agent storm request→actuated", a.requestToActuated()),
                new LatencyChart.Series("agent saturation (c=" + run.concurrency() + ") send→visible",
                        a.saturationLatency()),
                new LatencyChart.Series("bare resize calls, 1 thread", r.bare().resizeSingle().sequence(), true),
                new LatencyChart.Series("bare resize calls, c=" + run.concurrency(),
                        r.bare().resizeConcurrent().sequence(), true),
                new LatencyChart.Series("bare UpdateContainerResources, 1 thread",
                        r.bare().singleThread().latency(), true)));
    }
}
