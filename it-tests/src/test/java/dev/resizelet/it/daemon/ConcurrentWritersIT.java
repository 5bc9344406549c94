package dev.resizelet.it.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Controllers patch concurrently: six writers each send strategic-merge PATCHes of {@code pods/race/resize} with
 * random cpu values. Every answer is either 200 carrying exactly the value that writer sent, at a generation that —
 * as a watch started before the writers saw it — held exactly that value, or a 409 Conflict. No acknowledged write
 * vanishes, and the pod converges to the newest generation's value.
 */
class ConcurrentWritersIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int WRITERS = 6;
    private static final int PATCHES_EACH = 100;

    @TempDir
    Path home;
    private DaemonProcess daemon;

    @BeforeEach
    void start() throws Exception {
        daemon = DaemonProcess.start(home.resolve("state"), "--allocatable-cpu", "4", "--allocatable-memory", "4Gi");
    }

    @AfterEach
    void stop() throws Exception {
        daemon.close();
    }

    @Test
    void everyAcknowledgedResizeHeldItsValueAtTheGenerationItWasAcknowledgedWith() throws Exception {
        PodApi api = new PodApi(daemon.url());
        api.create("race", 500);
        Map<Long, Long> specByGeneration = new ConcurrentHashMap<>();
        Thread watch = watchSpecs(api, specByGeneration);

        record Sent(long generation, long sent, long answered) {
        }
        List<Sent> acknowledged = new CopyOnWriteArrayList<>();
        AtomicInteger conflicts = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
        List<Future<?>> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            SplittableRandom random = new SplittableRandom(w);
            writers.add(pool.submit(() -> {
                for (int i = 0; i < PATCHES_EACH; i++) {
                    long cpu = 100 + 10L * random.nextInt(90);
                    PodApi.Ack ack = api.resizeCpu("race", cpu);
                    if (ack.code() == 409) {
                        conflicts.incrementAndGet();
                    } else {
                        assertThat(ack.code()).as("answer to a valid resize").isEqualTo(200);
                        acknowledged.add(new Sent(ack.generation(), cpu, ack.cpuMillis()));
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : writers) {
            f.get();
        }
        pool.shutdown();

        assertThat(acknowledged.size() + conflicts.get()).isEqualTo(WRITERS * PATCHES_EACH);
        assertThat(acknowledged).as("most writes succeed").hasSizeGreaterThan(WRITERS * PATCHES_EACH / 2);
        long newest = acknowledged.stream().mapToLong(Sent::generation).max().orElseThrow();
        await().atMost(Duration.ofSeconds(30)).until(() -> specByGeneration.containsKey(newest));
        for (Sent s : acknowledged) {
            assertThat(s.answered()).as("the answer carries the value sent, gen %d", s.generation()).isEqualTo(s.sent());
            assertThat(specByGeneration.get(s.generation())).as("the spec at generation %d", s.generation())
                    .isEqualTo(s.sent());
        }
        // two answers share a generation only when the second write changed nothing (it sent the value already
        // stored: like the apiserver, no new generation); then they carry the same value
        Map<Long, List<Sent>> byGeneration = acknowledged.stream()
                .collect(java.util.stream.Collectors.groupingBy(Sent::generation));
        byGeneration.forEach((g, sent) -> assertThat(sent).extracting(Sent::sent).as("values acknowledged at %d", g)
                .containsOnly(sent.get(0).sent()));
        assertThat(byGeneration.size()).as("distinct generations").isGreaterThan(acknowledged.size() * 3 / 4);
        long finalCpu = acknowledged.stream().filter(s -> s.generation() == newest).findFirst().orElseThrow().sent();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode pod = api.get("race");
            assertThat(pod.at("/metadata/generation").asLong()).isEqualTo(newest);
            assertThat(PodApi.specCpu(pod)).isEqualTo(finalCpu);
            assertThat(PodApi.allocatedCpu(pod)).as(pod.toPrettyString()).isEqualTo(finalCpu);
            assertThat(PodApi.actualCpu(pod)).as(pod.toPrettyString()).isEqualTo(finalCpu);
        });
        watch.interrupt();
    }

    /** Records the cpu request of every spec generation a watch from before the writers sees. */
    private static Thread watchSpecs(PodApi api, Map<Long, Long> specByGeneration) throws Exception {
        HttpResponse<String> list = api.http().send(HttpRequest.newBuilder(URI.create(api.podsUrl())).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode podList = JSON.readTree(list.body());
        for (JsonNode p : podList.path("items")) {
            specByGeneration.put(p.at("/metadata/generation").asLong(), PodApi.specCpu(p));
        }
        String rv = podList.at("/metadata/resourceVersion").asText();
        HttpResponse<InputStream> stream = api.http().send(HttpRequest.newBuilder(
                URI.create(api.podsUrl() + "?watch=true&resourceVersion=" + rv + "&timeoutSeconds=300")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        Thread t = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode pod = JSON.readTree(line).path("object");
                    long generation = pod.at("/metadata/generation").asLong();
                    Long before = specByGeneration.putIfAbsent(generation, PodApi.specCpu(pod));
                    if (before != null && before != PodApi.specCpu(pod)) {
                        specByGeneration.put(generation, -1L); // two values at one generation: never acceptable
                    }
                }
            } catch (Exception e) {
                // the test ended the watch
            }
        }, "watch-specs");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
