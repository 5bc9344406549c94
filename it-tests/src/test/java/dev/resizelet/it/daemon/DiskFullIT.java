package dev.resizelet.it.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk for real: the daemon's state directory on a 2 MiB tmpfs that a file fills up while resizes arrive.
 * Resizes go on into the space the logs preallocated (zero-filled ahead of their records) until it is used up; then a
 * resize the agent cannot make durable gets 500 InternalError with a {@code Status} (as the apiserver answers when
 * etcd's space is exceeded) and is not applied; reads go on; once the file is removed, resizes succeed again without
 * a restart and converge; after {@code kill -9} every acknowledged resize is there. Needs root for {@code mount};
 * skipped (with the reason) where mounting is not permitted.
 */
class DiskFullIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> PODS = List.of("p0", "p1", "p2");

    @TempDir
    Path home;
    private Path mount;
    private DaemonProcess daemon;

    /** The newest acknowledged resize of one pod. */
    private record Newest(long generation, long cpuMillis) {
    }

    @AfterEach
    void stop() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
        if (mount != null) {
            run("umount", mount.toString());
        }
    }

    @Test
    void aFullStateDirectoryRefusesWritesWith500ServesReadsAndTakesWritesAgainWhenSpaceReturns() throws Exception {
        // given the daemon's state on a small tmpfs, and three pods
        Path dir = Files.createDirectories(home.resolve("tmpfs"));
        String mounted = run("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", dir.toString());
        Assumptions.assumeTrue(mounted == null, () -> "disk-full IT skipped: cannot mount a tmpfs here (needs root): "
                + mounted);
        mount = dir;
        Path state = dir.resolve("state");
        daemon = start(state);
        PodApi api = new PodApi(daemon.url());
        for (String pod : PODS) {
            api.create(pod, 300);
        }
        Map<String, Newest> newest = new LinkedHashMap<>();
        int acknowledged = 0;
        long cpu = 300;
        for (String pod : PODS) {
            PodApi.Ack ack = api.resizeCpu(pod, ++cpu);
            assertThat(ack.code()).isEqualTo(200);
            newest.put(pod, new Newest(ack.generation(), ack.cpuMillis()));
            acknowledged++;
        }

        // when a file fills the filesystem
        Path filler = dir.resolve("filler");
        fill(filler);

        // then, once the logs' preallocated space is used up (up to 1 MiB each, zero-filled ahead of the records),
        // resizes are refused with 500 and a Status saying why; a write landing in space a log file already holds
        // succeeds, is acknowledged and counted (and must survive the kill -9 below)
        int refused = 0;
        int acknowledgedWhileFull = 0;
        int refusedInARow = 0;
        int readsWhileFull = 0;
        for (int i = 0; i < 20_000 && refusedInARow < 5; i++) {
            String pod = PODS.get(i % PODS.size());
            long value = ++cpu;
            HttpResponse<String> r = patch(api, pod, value);
            if (r.statusCode() == 200) {
                JsonNode p = JSON.readTree(r.body());
                newest.put(pod, new Newest(p.at("/metadata/generation").asLong(), PodApi.specCpu(p)));
                acknowledged++;
                acknowledgedWhileFull++;
                refusedInARow = 0;
                continue;
            }
            assertThat(r.statusCode()).as("answer to a resize on a full disk: %s", r.body()).isEqualTo(500);
            JsonNode status = JSON.readTree(r.body());
            assertThat(status.path("kind").asText()).isEqualTo("Status");
            assertThat(status.path("reason").asText()).isEqualTo("InternalError");
            assertThat(status.path("message").asText()).contains("No space left on device");
            refused++;
            refusedInARow++;
            // and reads go on, showing the newest acknowledged value, never the refused one
            JsonNode read = api.get(pod);
            assertThat(read.at("/metadata/generation").asLong()).isEqualTo(newest.get(pod).generation());
            assertThat(PodApi.specCpu(read)).isEqualTo(newest.get(pod).cpuMillis());
            readsWhileFull++;
        }
        assertThat(refusedInARow).as("resizes refused in a row on the full disk").isEqualTo(5);
        HttpResponse<String> list = api.http().send(HttpRequest.newBuilder(URI.create(api.podsUrl())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(list.body()).path("items")).hasSize(3);
        readsWhileFull++;

        // when the space returns: resizes succeed again, without a restart, and converge
        Files.delete(filler);
        for (int i = 0; i < 9; i++) {
            String pod = PODS.get(i % PODS.size());
            HttpResponse<String> r = patch(api, pod, ++cpu);
            assertThat(r.statusCode()).as("resize after the space returned: %s", r.body()).isEqualTo(200);
            JsonNode p = JSON.readTree(r.body());
            newest.put(pod, new Newest(p.at("/metadata/generation").asLong(), PodApi.specCpu(p)));
            acknowledged++;
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> converged(api, newest));

        // and after kill -9 every acknowledged resize is there, and the pods converge again
        daemon.kill9();
        daemon = start(state);
        PodApi after = new PodApi(daemon.url());
        int lost = 0;
        for (Map.Entry<String, Newest> e : newest.entrySet()) {
            JsonNode p = after.get(e.getKey());
            if (p.at("/metadata/generation").asLong() != e.getValue().generation()
                    || PodApi.specCpu(p) != e.getValue().cpuMillis()) {
                lost++;
            }
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> converged(after, newest));
        System.out.printf("disk full (tmpfs 2 MiB): resizes acknowledged: %d (%d on the full disk), "
                + "refused with 500: %d, reads while full: %d, lost after kill -9: %d%n", acknowledged,
                acknowledgedWhileFull, refused, readsWhileFull, lost);
        assertThat(lost).as("acknowledged resizes lost").isZero();
        assertThat(daemon.output()).doesNotContain("Exception in thread");
    }

    private DaemonProcess start(Path state) throws IOException {
        return DaemonProcess.start(state, "--allocatable-cpu", "8", "--allocatable-memory", "8Gi");
    }

    private static HttpResponse<String> patch(PodApi api, String pod, long cpuMillis) throws Exception {
        String body = "{\"spec\":{\"containers\":[{\"name\":\"c\",\"resources\":{\"requests\":{\"cpu\":\"" + cpuMillis
                + "m\"},\"limits\":{\"cpu\":\"" + cpuMillis + "m\"}}}]}}";
        return api.http().send(HttpRequest.newBuilder(URI.create(api.podsUrl() + "/" + pod + "/resize"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/strategic-merge-patch+json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Every pod at its newest acknowledged value: desired, allocated and what the runtime reports. */
    private static boolean converged(PodApi api, Map<String, Newest> newest) throws Exception {
        for (Map.Entry<String, Newest> e : newest.entrySet()) {
            JsonNode p = api.get(e.getKey());
            long want = e.getValue().cpuMillis();
            if (PodApi.specCpu(p) != want || PodApi.allocatedCpu(p) != want || PodApi.actualCpu(p) != want
                    || p.path("status").has("resize")) {
                return false;
            }
        }
        return true;
    }

    /** Writes zeros until the filesystem refuses (ENOSPC). */
    private static void fill(Path file) throws IOException {
        byte[] block = new byte[64 << 10];
        try (OutputStream out = Files.newOutputStream(file)) {
            while (true) {
                out.write(block);
            }
        } catch (IOException full) {
            assertThat(full.getMessage()).contains("No space left on device");
        }
        // the last partial block too
        try (OutputStream out = Files.newOutputStream(file, java.nio.file.StandardOpenOption.APPEND)) {
            while (true) {
                out.write(0);
                out.flush();
            }
        } catch (IOException full) {
            // full to the byte
        }
    }

    /** Runs a command; null if it succeeded, else its output and exit code. */
    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        int rc = p.waitFor();
        return rc == 0 ? null : String.join(" ", cmd) + " exited " + rc + ": " + out;
    }
}
