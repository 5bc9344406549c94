package dev.resizelet.it.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resizelet.it.daemon.PodResizeE2E.Ctr;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The steps of upstream's pod resize e2e tests ({@code createAndVerifyPod}, {@code patchAndVerify},
 * {@code doPatchAndRollback}, {@code WaitForPodResizeActuation}, {@code ExpectPodResized}) through the real kubectl
 * ({@code create -f}, {@code patch --subresource resize}, {@code get -o json}, {@code delete}) against one daemon, with
 * the cgroup values read from wherever the runtime keeps them. Safe to use from several threads at once (one pod each).
 */
public final class PodResizeSteps {
    /** Upstream waits {@code f.Timeouts.PodStart} (5 min); the simulated node settles in well under a second. */
    private final Duration wait;
    private final Kubectl kubectl;
    private final String server;
    private final Path home;
    private final String image;
    private final PodResizeE2E.CgroupReader containerCgroups;
    private final PodCgroupReader podCgroups;
    private final HttpClient http = HttpClient.newHttpClient();

    /** Reads a pod cgroup v1 file: (pod JSON, file) to its content, null when there is none. */
    @FunctionalInterface
    public interface PodCgroupReader {
        String read(JsonNode pod, String file) throws Exception;
    }

    public PodResizeSteps(Kubectl kubectl, String server, Path home, String image, Duration wait,
                          PodResizeE2E.CgroupReader containerCgroups, PodCgroupReader podCgroups) {
        this.kubectl = kubectl;
        this.server = server;
        this.home = home;
        this.image = image;
        this.wait = wait;
        this.containerCgroups = containerCgroups;
        this.podCgroups = podCgroups;
    }

    public Kubectl kubectl() {
        return kubectl;
    }

    public PodResizeE2E.CgroupReader containerCgroups() {
        return containerCgroups;
    }

    /** {@code doPatchAndRollback}: create and verify, resize and verify, and (if asked) resize back and verify. */
    public void patchAndRollback(String name, List<Ctr> original, List<Ctr> expected, boolean rollback) throws Exception {
        JsonNode pod = createAndVerify(name, original);
        JsonNode resized = patchAndVerify(pod, original, expected);
        if (rollback) {
            // resizes that restarted a container restart it again when rolled back
            List<Ctr> back = new ArrayList<>();
            for (int i = 0; i < original.size(); i++) {
                assertThat(original.get(i).name()).as("test case containers & expectations should be in the same order")
                        .isEqualTo(expected.get(i).name());
                back.add(original.get(i).withRestartCount(expected.get(i).restartCount()));
            }
            patchAndVerify(resized, expected, back);
        }
        delete(name);
    }

    /**
     * {@code createAndVerifyPod}: {@code kubectl create -f}, wait until Running (CreateSync), then the spec's resources
     * and resize policies, the status resources and the containers' cgroups are the original ones.
     */
    public JsonNode createAndVerify(String name, List<Ctr> containers) throws Exception {
        JsonNode created = create(name, containers);
        JsonNode pod = awaitPod(name, p -> {
            List<String> why = new ArrayList<>();
            if (!p.at("/status/phase").asText().equals("Running")) {
                why.add("phase " + p.at("/status/phase").asText());
            }
            why.addAll(PodResizeE2E.verifyStatusResources(p, containers));
            return why;
        });
        assertThat(created.at("/metadata/generation").asLong()).isEqualTo(1);
        assertNone(PodResizeE2E.verifyPodResources(pod, containers), pod);
        assertNone(PodResizeE2E.verifyResizePolicy(pod, containers), pod);
        assertNone(PodResizeE2E.verifyContainerCgroups(pod, containers, containerCgroups), pod);
        assertNone(verifyPodCgroup(pod, containers), pod);
        return pod;
    }

    /** {@code kubectl create -f} of upstream's pod; returns the created object. */
    public JsonNode create(String name, List<Ctr> containers) throws Exception {
        ObjectNode pod = PodResizeE2E.pod(name, Long.toString(System.nanoTime()), containers, image);
        Path file = Files.createTempFile(home, name, ".json");
        Files.writeString(file, pod.toString());
        Kubectl.Result r = kubectl.run("create", "-f", file.toString(), "-o", "json");
        assertThat(r.exitCode()).as(r.all()).isZero();
        return PodResizeE2E.JSON.readTree(r.stdout());
    }

    /**
     * {@code patchAndVerify}: the resize patch through {@code kubectl patch --subresource resize}; the answer holds the
     * new spec (generation + 1); then the resize is actuated (WaitForPodResizeActuation) and the pod is as expected
     * (ExpectPodResized: cgroups, status resources, restart counts, no resize condition) and the pod cgroup follows.
     * {@code current} is the pod as last read (settled): the restart counts the expected increments add to.
     */
    public JsonNode patchAndVerify(JsonNode current, List<Ctr> original, List<Ctr> expectedIncrements) throws Exception {
        String name = current.at("/metadata/name").asText();
        ObjectNode patch = PodResizeE2E.resizePatch(original, expectedIncrements);
        JsonNode patched = patch(name, patch.toString());
        List<Ctr> expected = PodResizeE2E.withCurrentRestarts(current, expectedIncrements);
        assertNone(PodResizeE2E.verifyPodResources(patched, expected), patched);
        if (!patch.isEmpty()) {
            assertThat(patched.at("/metadata/generation").asLong()).as("generation after a resize")
                    .isEqualTo(current.at("/metadata/generation").asLong() + 1);
        }
        return awaitResized(name, expected);
    }

    /** {@code WaitForPodResizeActuation} then {@code ExpectPodResized}, and the pod cgroup. */
    public JsonNode awaitResized(String name, List<Ctr> expected) throws Exception {
        JsonNode resized = awaitPod(name, p -> PodResizeE2E.actuationPending(p, expected));
        List<String> errors = new ArrayList<>();
        errors.addAll(PodResizeE2E.verifyContainerCgroups(resized, expected, containerCgroups));
        errors.addAll(PodResizeE2E.verifyStatusResources(resized, expected));
        errors.addAll(PodResizeE2E.verifyRestarts(resized, expected));
        errors.addAll(verifyPodCgroup(resized, expected));
        assertNone(errors, resized);
        return resized;
    }

    private List<String> verifyPodCgroup(JsonNode pod, List<Ctr> expected) throws Exception {
        if (podCgroups == null) {
            return List.of();
        }
        return PodResizeE2E.verifyPodCgroup(pod, expected, podCgroups.read(pod, "cpu.shares"),
                podCgroups.read(pod, "cpu.cfs_quota_us"), podCgroups.read(pod, "memory.limit_in_bytes"));
    }

    /** {@code kubectl patch pod NAME --subresource resize --type strategic -p PATCH -o json}; must succeed. */
    public JsonNode patch(String name, String patch) throws Exception {
        Kubectl.Result r = kubectl.run("patch", "pod", name, "--subresource", "resize", "--type", "strategic", "-p", patch,
                "-o", "json");
        assertThat(r.exitCode()).as(r.all()).isZero();
        return PodResizeE2E.JSON.readTree(r.stdout());
    }

    /** The same patch as kubectl must fail: kubectl's exit code and text, and (over HTTP) the Status the client gets. */
    public Refusal patchRefused(String name, String patch) throws Exception {
        Kubectl.Result r = kubectl.run("patch", "pod", name, "--subresource", "resize", "--type", "strategic", "-p", patch);
        assertThat(r.exitCode()).as(r.all()).isNotZero();
        HttpRequest request = HttpRequest.newBuilder(URI.create(server + "/api/v1/namespaces/default/pods/" + name + "/resize"))
                .header("Content-Type", "application/strategic-merge-patch+json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(patch)).timeout(Duration.ofSeconds(20)).build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        return new Refusal(r, response.statusCode(), PodResizeE2E.JSON.readTree(response.body()));
    }

    /** What a refused patch answered: kubectl's output, and the HTTP code and Status object a client library sees. */
    public record Refusal(Kubectl.Result kubectl, int code, JsonNode status) {
    }

    public JsonNode get(String name) throws Exception {
        Kubectl.Result r = kubectl.run("get", "pod", name, "-o", "json");
        assertThat(r.exitCode()).as(r.all()).isZero();
        return PodResizeE2E.JSON.readTree(r.stdout());
    }

    /** {@code podClient.DeleteSync}: deleted, and gone. */
    public void delete(String name) throws Exception {
        Kubectl.Result r = kubectl.run("delete", "pod", name, "--wait=true");
        assertThat(r.exitCode()).as(r.all()).isZero();
    }

    /** Polls {@code kubectl get pod -o json} until {@code pending} has nothing to say; fails with the last reasons. */
    public JsonNode awaitPod(String name, Check pending) {
        AtomicReference<JsonNode> last = new AtomicReference<>();
        AtomicReference<List<String>> why = new AtomicReference<>(List.of());
        try {
            await().atMost(wait).pollInterval(Duration.ofMillis(150)).until(() -> {
                JsonNode p = get(name);
                last.set(p);
                why.set(pending.check(p));
                return why.get().isEmpty();
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("pod " + name + " not as expected within " + wait + ": " + why.get() + "\n"
                    + (last.get() == null ? "" : last.get().toPrettyString()), e);
        }
        return last.get();
    }

    @FunctionalInterface
    public interface Check {
        List<String> check(JsonNode pod) throws Exception;
    }

    static void assertNone(List<String> errors, JsonNode pod) {
        assertThat(errors).as("%s", pod.toPrettyString()).isEmpty();
    }
}
