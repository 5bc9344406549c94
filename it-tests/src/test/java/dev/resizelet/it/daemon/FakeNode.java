package dev.resizelet.it.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.resizelet.cgroups.CgroupConfig;
import dev.resizelet.cgroups.CgroupDriver;
import dev.resizelet.cgroups.CgroupFs;
import dev.resizelet.cgroups.CgroupManager;
import dev.resizelet.cgroups.CgroupVersion;
import dev.resizelet.fakecri.FakeRuntime;
import dev.resizelet.fakecri.FakeRuntimeServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A node for the daemon as its own process: the fake CRI runtime served by this test JVM on a Unix socket (so a test
 * can inject faults, stop and restart it under the daemon, and look at what it holds) and a cgroup v1 tree in a temp
 * dir that both write. {@link #start} runs {@code resizelet serve} against them on a state dir.
 */
final class FakeNode implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    final Path dir;
    final CgroupConfig cgroupConfig;
    final CgroupManager cgroups;
    final FakeRuntime fake;
    final FakeRuntimeServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    FakeNode(Path dir) throws IOException {
        this.dir = dir;
        Path root = dir.resolve("cgroup");
        for (String controller : new String[] {"cpu", "memory"}) {
            Files.createDirectories(root.resolve(controller).resolve("kubepods"));
        }
        cgroupConfig = new CgroupConfig(root, "kubepods", CgroupVersion.V1, CgroupDriver.CGROUPFS);
        cgroups = new CgroupManager(cgroupConfig, CgroupFs.real());
        fake = FakeRuntime.builder().cgroups(new CgroupManager(cgroupConfig, CgroupFs.real())).unboundedCallLog().build();
        server = FakeRuntimeServer.unixSocket(fake, dir.resolve("cri.sock"));
    }

    /** The daemon on this node's runtime and cgroup tree, state in {@code dir/state}; {@code extra} flags appended. */
    DaemonProcess start(String... extra) throws IOException {
        return startWith("4", "8Gi", extra);
    }

    /** As {@link #start} with the node's allocatable cpu and memory given. */
    DaemonProcess startWith(String allocatableCpu, String allocatableMemory, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("--container-runtime-endpoint", server.endpoint(),
                "--cgroup-mount", cgroupConfig.root().toString(), "--cgroup-version", "v1",
                "--allocatable-cpu", allocatableCpu, "--allocatable-memory", allocatableMemory));
        args.addAll(List.of(extra));
        return DaemonProcess.start(dir.resolve("state"), args.toArray(String[]::new));
    }

    HttpResponse<String> send(DaemonProcess d, String method, String path, String contentType, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(d.url() + path)).timeout(Duration.ofSeconds(20));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The pod's JSON, or a missing node when it is gone (404). */
    JsonNode pod(DaemonProcess d, String name) throws IOException, InterruptedException {
        HttpResponse<String> r = send(d, "GET", "/api/v1/namespaces/default/pods/" + name, null, null);
        return r.statusCode() == 404 ? JSON.missingNode() : JSON.readTree(r.body());
    }

    JsonNode events(DaemonProcess d) throws IOException, InterruptedException {
        return JSON.readTree(send(d, "GET", "/api/v1/namespaces/default/events", null, null).body());
    }

    String metrics(DaemonProcess d) throws IOException, InterruptedException {
        return send(d, "GET", "/metrics", null, null).body();
    }

    /** A Prometheus series' value (0 when absent). */
    static double metric(String metrics, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    static String podJson(String name, String cpu, Long terminationGracePeriodSeconds) {
        return "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" + name + "\"},\"spec\":{"
                + (terminationGracePeriodSeconds == null ? "" : "\"terminationGracePeriodSeconds\":" + terminationGracePeriodSeconds + ",")
                + "\"containers\":[{\"name\":\"c\",\"image\":\"busybox\",\"resources\":{\"requests\":{\"cpu\":\"" + cpu
                + "\",\"memory\":\"128Mi\"},\"limits\":{\"cpu\":\"" + cpu + "\",\"memory\":\"128Mi\"}}}]}}";
    }

    static String resizePatch(String cpu) {
        return "{\"spec\":{\"containers\":[{\"name\":\"c\",\"resources\":{\"requests\":{\"cpu\":\"" + cpu
                + "\"},\"limits\":{\"cpu\":\"" + cpu + "\"}}}]}}";
    }

    /** Sandboxes and containers the runtime holds for pod uid {@code uid}. */
    long objectsOf(String uid) {
        long sandboxes = fake.sandboxIds().stream().map(id -> fake.sandbox(id).orElseThrow())
                .filter(s -> uid.equals(s.getLabelsOrDefault("io.kubernetes.pod.uid", ""))).count();
        long containers = fake.containerIds().stream().map(id -> fake.container(id).orElseThrow())
                .filter(c -> uid.equals(c.getLabelsOrDefault("io.kubernetes.pod.uid", ""))).count();
        return sandboxes + containers;
    }

    /** Whether a pod cgroup of {@code uid} exists in any QoS tier. */
    boolean podCgroupExists(String uid) {
        for (dev.resizelet.cgroups.QosTier t : dev.resizelet.cgroups.QosTier.values()) {
            if (cgroups.dirs(cgroups.layout().pod(t, uid)).stream().anyMatch(Files::exists)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        server.close();
    }
}
