package dev.resizelet.it.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resizelet.it.daemon.PodResizeE2E.Ctr;
import dev.resizelet.it.daemon.PodResizeE2E.Res;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * kubernetes/kubernetes {@code test/e2e/node/pod_resize.go} (commit 019cac28e274a1082058e7ba43cfcccf4cb3f429): the
 * deferred-resize cases, through the real kubectl 1.32 against one daemon on a simulated node of 2400m and 6Gi (upstream
 * sizes its pods from the node's free CPU: here the whole node is free, so the numbers are upstream's fractions of
 * 2400m). The cases run one after another on that node; each deletes its pods, and whatever a failed case left is
 * deleted after it.
 *
 * <p>What the agent is not: a scheduler (a pod that does not fit is rejected by the node, OutOfcpu, never Pending and
 * Unschedulable), the ResourceQuota and LimitRanger admission plugins, PriorityClass objects (the pod's
 * {@code spec.priority} is given, as the Priority plugin would compute it), node objects with
 * {@code podPreemptionPolicy}, memory-backed volumes. Cases or steps that need them are disabled and say so.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("Pod InPlace Resize Container (test/e2e/node/pod_resize.go)")
class UpstreamNodePodResizeE2EIT {
    private static final long NODE_CPU_MILLIS = 2400;
    private static final long NODE_MEMORY = 6L << 30;

    @TempDir
    static Path dir;
    private FakeNode node;
    private DaemonProcess daemon;
    private PodResizeSteps steps;

    @BeforeAll
    void start() throws Exception {
        if (!Files.isExecutable(Path.of(Kubectl.V1_32))) {
            return;
        }
        DaemonProcess.emptyKubeconfig(dir);
        node = new FakeNode(dir);
        daemon = node.startWith(NODE_CPU_MILLIS + "m", Long.toString(NODE_MEMORY));
        steps = new PodResizeSteps(new Kubectl(Kubectl.V1_32, daemon.url(), dir), daemon.url(), dir, "busybox",
                Duration.ofSeconds(30), (uid, id, controller, file) -> Files.readString(
                        node.cgroups.file(node.fake.containerCgroup(id).orElseThrow(), file)), null);
    }

    @AfterEach
    void deleteLeftovers() throws Exception {
        if (steps != null) {
            steps.kubectl().run("delete", "pods", "--all", "--wait=true");
        }
    }

    @AfterAll
    void stop() throws Exception {
        Teardown.close(daemon, node);
    }

    private PodResizeSteps steps() {
        assumeTrue(steps != null, "needs kubectl 1.32 (patch --subresource resize) at " + Kubectl.V1_32);
        return steps;
    }

    private static String cpu(long millis) {
        return millis + "m";
    }

    private static List<Ctr> cpuOnly(String name, long millis) {
        return List.of(Ctr.of(name, Res.of(cpu(millis), cpu(millis), "", "")));
    }

    private static String cpuPatch(String container, long millis) {
        return "{\"spec\":{\"containers\":[{\"name\":\"" + container + "\",\"resources\":{\"requests\":{\"cpu\":\""
                + millis + "m\"},\"limits\":{\"cpu\":\"" + millis + "m\"}}}]}}";
    }

    private JsonNode createSync(String name, List<Ctr> containers) throws Exception {
        JsonNode pod = steps().createAndVerify(name, containers);
        assertThat(pod.at("/status/phase").asText()).isEqualTo("Running");
        assertThat(pod.at("/metadata/generation").asLong()).isEqualTo(1);
        return pod;
    }

    /** {@code waitForPodDeferred}: PodResizePending with reason Deferred. */
    private void awaitDeferred(String name) {
        steps().awaitPod(name, p -> PodResizeE2E.deferred(p) ? List.of() : List.of("not deferred: " + p.at("/status/conditions")));
    }

    /** {@code WaitForPodResizeActuation} + {@code ExpectPodResized} with no restart. */
    private void awaitResized(String name, List<Ctr> expected) throws Exception {
        steps().awaitResized(name, PodResizeE2E.withCurrentRestarts(steps().get(name), expected));
    }

    private void delete(String... names) throws Exception {
        for (String n : names) {
            steps().delete(n);
        }
    }

    // ---------------------------------------------------------------- scheduler-focused

    /**
     * TEST2's resize that makes room and TEST3 of "pod-resize-scheduler-tests": pod1 (half the node) shrinks to a third
     * so that pod3 fits beside pod2; pod1 then asks for its half again, which is deferred until pod2 and pod3 are
     * deleted, and then actuated; finally pod1 asks for twice the node. Upstream master (the 1.37 PodResize admission
     * plugin) refuses that at the apiserver (403 "node didn't have enough allocatable resources", cause NodeCapacity);
     * in 1.35 and 1.36, the versions the agent follows, the resize is accepted and the kubelet reports it Infeasible,
     * which is what is checked here.
     */
    @Test
    @DisplayName("Pod InPlace Resize Container (scheduler-focused) pod-resize-scheduler-tests (TEST2 resize to make room, TEST3)")
    void schedulerTest3() throws Exception {
        long pod1Cpu = NODE_CPU_MILLIS / 2;
        long pod2Cpu = pod1Cpu / 2; // TEST1's pod2 after its resize to fit
        createSync("testpod1", cpuOnly("c1", pod1Cpu));
        createSync("testpod2", cpuOnly("c2", pod2Cpu));
        long available = NODE_CPU_MILLIS - pod1Cpu - pod2Cpu;
        long pod3Cpu = available + pod1Cpu / 4;
        long pod1Resized = pod1Cpu / 3;

        JsonNode p1 = steps().patch("testpod1", cpuPatch("c1", pod1Resized));
        assertThat(p1.at("/metadata/generation").asLong()).isEqualTo(2);
        awaitResized("testpod1", cpuOnly("c1", pod1Resized));
        createSync("testpod3", cpuOnly("c3", pod3Cpu));

        p1 = steps().patch("testpod1", cpuPatch("c1", pod1Cpu));
        assertThat(p1.at("/metadata/generation").asLong()).isEqualTo(3);
        awaitDeferred("testpod1");
        delete("testpod2", "testpod3");
        awaitResized("testpod1", cpuOnly("c1", pod1Cpu));

        steps().patch("testpod1", cpuPatch("c1", 2 * NODE_CPU_MILLIS));
        JsonNode infeasible = steps().awaitPod("testpod1", p -> PodResizeE2E.condition(p, "PodResizePending")
                .filter(c -> c.path("reason").asText().equals("Infeasible")).isPresent() ? List.of() : List.of("not infeasible"));
        assertThat(PodResizeE2E.condition(infeasible, "PodResizePending").orElseThrow().path("message").asText())
                .isEqualTo("Node didn't have enough capacity: cpu, requested: " + 2 * NODE_CPU_MILLIS + ", capacity: " + NODE_CPU_MILLIS);
        PodResizeSteps.assertNone(PodResizeE2E.verifyStatusResources(infeasible, cpuOnly("c1", pod1Cpu)), infeasible);
        delete("testpod1");
    }

    @Test
    @Disabled("needs a scheduler: upstream creates pods that do not fit and waits for them to be Pending/Unschedulable, "
            + "then resizes to let the scheduler place them; on a node agent a pod that does not fit is rejected by the "
            + "node's admission (phase Failed, reason OutOfcpu) as the kubelet rejects it (DaemonResizeIT, "
            + "AdmissionRules), so no resize can make it run")
    @DisplayName("Pod InPlace Resize Container (scheduler-focused) pod-resize-scheduler-tests (TEST1 and TEST2: unschedulable pods)")
    void schedulerTests1And2() {
    }

    @Test
    @Disabled("the PodResize admission plugin of upstream master (after 1.36) refuses a resize above node allocatable at "
            + "the apiserver (403 Forbidden, \"node didn't have enough allocatable resources\", cause NodeCapacity); the agent "
            + "follows 1.35/1.36, where the kubelet reports such a resize Infeasible (checked in schedulerTest3)")
    @DisplayName("Pod InPlace Resize Container (scheduler-focused) pod-resize-scheduler-tests (TEST3: refused at the apiserver)")
    void schedulerTest3RefusedAtTheApiserver() {
    }

    // ---------------------------------------------------------------- deferred resizes

    @Test
    @DisplayName("Pod InPlace Resize Container (deferred-resizes) pod-resize-retry-deferred-test-1")
    void retryDeferred1() throws Exception {
        long part = NODE_CPU_MILLIS / 10;
        createSync("testpod-a", cpuOnly("ca", part * 5));
        createSync("testpod-b", cpuOnly("cb", part * 3));
        assertThat(NODE_CPU_MILLIS - part * 8).as("remaining CPU is less than the 3 parts pod B's resize needs").isLessThan(part * 3);

        steps().patch("testpod-b", cpuPatch("cb", part * 6));
        awaitDeferred("testpod-b");
        JsonNode a = steps().patch("testpod-a", cpuPatch("ca", part * 2));
        assertThat(a.at("/metadata/generation").asLong()).isEqualTo(2);

        awaitResized("testpod-b", cpuOnly("cb", part * 6));
        delete("testpod-a", "testpod-b");
    }

    /**
     * Five pods; all but the first ask for two thirds of the node and are deferred; each deletion lets the next one in
     * the kubelet's order through: the higher priority (upstream: a PriorityClass of value 1000; here
     * {@code spec.priority: 1000}, what the Priority admission plugin writes), then Guaranteed before Burstable, then
     * the longest pending.
     */
    @Test
    @DisplayName("Pod InPlace Resize Container (deferred-resizes) pod-resize-retry-deferred-test-2")
    void retryDeferred2() throws Exception {
        long majority = 2 * NODE_CPU_MILLIS / 3;
        long little = NODE_CPU_MILLIS / 16;
        List<Ctr> guaranteedLittle = List.of(Ctr.of("c", Res.of(cpu(little), cpu(little), "100Mi", "100Mi")));
        createSync("testpod1", cpuOnly("c", majority));
        createWithPriority("testpod2", cpuOnly("c", little), 1000);
        createSync("testpod3", guaranteedLittle);
        createSync("testpod4", cpuOnly("c", little));
        createSync("testpod5", cpuOnly("c", little));

        for (String pod : List.of("testpod4", "testpod3", "testpod2", "testpod5")) {
            steps().patch(pod, cpuPatch("c", majority));
            awaitDeferred(pod);
        }

        delete("testpod1");
        awaitResized("testpod2", cpuOnly("c", majority));
        Stream.of("testpod3", "testpod4", "testpod5").forEach(this::awaitDeferred);

        delete("testpod2");
        awaitResized("testpod3", List.of(Ctr.of("c", Res.of(cpu(majority), cpu(majority), "100Mi", "100Mi"))));
        Stream.of("testpod4", "testpod5").forEach(this::awaitDeferred);

        delete("testpod3");
        awaitResized("testpod4", cpuOnly("c", majority));
        awaitDeferred("testpod5");

        delete("testpod4");
        awaitResized("testpod5", cpuOnly("c", majority));
        delete("testpod5");
    }

    private void createWithPriority(String name, List<Ctr> containers, int priority) throws Exception {
        ObjectNode pod = PodResizeE2E.pod(name, Long.toString(System.nanoTime()), containers, "busybox");
        ((ObjectNode) pod.get("spec")).put("priority", priority);
        Path file = Files.createTempFile(dir, name, ".json");
        Files.writeString(file, pod.toString());
        Kubectl.Result r = steps().kubectl().run("create", "-f", file.toString());
        assertThat(r.exitCode()).as(r.all()).isZero();
        steps().awaitPod(name, p -> p.at("/status/phase").asText().equals("Running") ? List.of() : List.of("not running"));
    }

    /**
     * Four pods of a quarter of the node's CPU and a fifth of its memory (requests only); three resizes that do not fit
     * are deferred (pod2: more CPU, less memory; pod3: much more memory, less CPU; pod4: more CPU), chosen so that the
     * deletion of pod1 lets pod2 through, pod2's resize lets pod3 through, and pod3's lets pod4 through.
     */
    @Test
    @DisplayName("Pod InPlace Resize Container (deferred-resizes) pod-resize-retry-deferred-test-3")
    void retryDeferred3() throws Exception {
        String initialCpu = cpu(NODE_CPU_MILLIS / 4);
        String initialMemory = Long.toString(NODE_MEMORY / 5);
        List<Ctr> c = List.of(Ctr.of("c", Res.of(initialCpu, "", initialMemory, "")));
        for (String pod : List.of("testpod1", "testpod2", "testpod3", "testpod4")) {
            createSync(pod, c);
        }
        List<Ctr> pod2 = List.of(Ctr.of("c", Res.of(cpu(NODE_CPU_MILLIS / 3), "", Long.toString(NODE_MEMORY / 24), "")));
        List<Ctr> pod3 = List.of(Ctr.of("c", Res.of(cpu(NODE_CPU_MILLIS / 24), "", Long.toString(2 * NODE_MEMORY / 3), "")));
        List<Ctr> pod4 = List.of(Ctr.of("c", Res.of(cpu(NODE_CPU_MILLIS / 2 + NODE_CPU_MILLIS / 8), "", initialMemory, "")));
        steps().patch("testpod2", PodResizeE2E.resizePatch(c, pod2).toString());
        awaitDeferred("testpod2");
        steps().patch("testpod3", PodResizeE2E.resizePatch(c, pod3).toString());
        awaitDeferred("testpod3");
        steps().patch("testpod4", PodResizeE2E.resizePatch(c, pod4).toString());
        awaitDeferred("testpod4");

        delete("testpod1");
        awaitResized("testpod2", pod2);
        awaitResized("testpod3", pod3);
        awaitResized("testpod4", pod4);
        delete("testpod2", "testpod3", "testpod4");
    }

    // ---------------------------------------------------------------- what the agent does not have

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"exceed maximum CPU", "exceed maximum Memory", "exceed maximum CPU and Memory",
            "valid increase of CPU", "valid increase of Memory", "valid increase for both CPU and Memory"})
    @Disabled("ResourceQuota: the agent serves no resourcequotas and has no ResourceQuota admission plugin (a namespace-wide "
            + "quota is the apiserver's, not the node's); upstream's \"exceeded quota: resize-resource-quota, ...\" answers "
            + "come from that plugin")
    @DisplayName("Pod InPlace Resize Container (resource-quota) pod-resize-resource-quota-test")
    void resourceQuota(String entry) {
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"exceed maximum CPU", "exceed maximum Memory", "exceed maximum Memory and CPU",
            "request below min CPU", "request below min Memory", "request below min CPU and min Memory",
            "valid increase of CPU", "valid increase of Memory", "valid increase of CPU and Memory",
            "valid decrease of Memory", "valid decrease of CPU", "valid decrease of CPU and Memory"})
    @Disabled("LimitRanger: the agent serves no limitranges and has no LimitRanger admission plugin; upstream's "
            + "\"maximum cpu usage per Container is 500m, but limit is 600m\" answers come from that plugin")
    @DisplayName("Pod InPlace Resize Container (limit-ranger) pod-resize-limit-ranger-test")
    void limitRanger(String entry) {
    }

    @Test
    @Disabled("needs the InPlacePodVerticalScalingSchedulerPreemption feature (after 1.36): a node's "
            + "spec.podPreemptionPolicy and preemption of lower-priority pods for a deferred resize; the agent serves no "
            + "node objects and never evicts a pod to make room")
    @DisplayName("Pod InPlace Resize Container (deferred-resize-preemption) preempt a lower-priority pod to satisfy a deferred resize")
    void deferredResizePreemption() {
    }

    @Test
    @Disabled("InPlacePodVerticalScalingMemoryBackedVolumes (alpha, after 1.36): the agent keeps no volumes and cannot "
            + "exec df in a container")
    @DisplayName("Pod InPlace Resize Memory-Backed Volume (deferred-resizes) should isolate volume updates when container "
            + "resource resize is deferred")
    void memoryBackedVolumeDeferred() {
    }
}
