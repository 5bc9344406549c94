package dev.resizelet.it.daemon;

import static dev.resizelet.it.daemon.PodResizeE2E.NOT_REQUIRED;
import static dev.resizelet.it.daemon.PodResizeE2E.RESTART_CONTAINER;
import static dev.resizelet.it.daemon.PodResizeE2E.offsetCpu;
import static dev.resizelet.it.daemon.PodResizeE2E.offsetMemory;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resizelet.cgroups.CgroupName;
import dev.resizelet.cgroups.QosTier;
import dev.resizelet.it.daemon.PodResizeE2E.Ctr;
import dev.resizelet.it.daemon.PodResizeE2E.Res;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * kubernetes/kubernetes {@code test/e2e/common/node/pod_resize.go} ("Pod InPlace Resize Container", commit
 * 06e67ba2130d1daf60133b0110cbd19d52381e3d), every case, through the real kubectl 1.32 against one daemon on a simulated
 * node (the fake CRI runtime served over gRPC on a Unix socket by this JVM, a cgroup v1 tree both write). One test per
 * upstream case, named as upstream names it (the Ginkgo containers and entry joined by spaces); each checks what upstream
 * checks (spec requests/limits and resize policies, status resources, restart counts, no resize condition left, Ready,
 * the apiserver's error text) and the cgroup values the kubelet sets, for the containers with upstream's formulas and
 * for the pod cgroup with {@code ResourceConfigForPod}'s.
 *
 * <p>The cases are independent pods, so they run eight at a time on a pool of threads against the shared daemon (started in
 * {@link #start}); each test reports its own case's outcome. The node is large (64 CPUs, 64Gi, 123 {@code
 * dummy.com/dummy}) so that no case is deferred by another.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("Pod InPlace Resize Container (test/e2e/common/node/pod_resize.go)")
public class UpstreamPodResizeE2EIT {
    static final String ORIGINAL_CPU = "20m";
    static final String ORIGINAL_CPU_LIMIT = "30m";
    static final String REDUCED_CPU = "15m";
    static final String REDUCED_CPU_LIMIT = "25m";
    static final String INCREASED_CPU = "25m";
    static final String INCREASED_CPU_LIMIT = "35m";
    static final String ORIGINAL_MEM = "35Mi";
    static final String ORIGINAL_MEM_LIMIT = "45Mi";
    static final String REDUCED_MEM = "30Mi";
    static final String REDUCED_MEM_LIMIT = "40Mi";
    static final String INCREASED_MEM = "40Mi";
    static final String INCREASED_MEM_LIMIT = "50Mi";
    private static final int PARALLEL = 8;

    @TempDir
    static Path dir;
    private FakeNode node;
    private DaemonProcess daemon;
    private PodResizeSteps steps;
    private ExecutorService pool;
    private final Map<String, Future<?>> outcomes = new LinkedHashMap<>();

    /** One upstream case: its name and what it does on the shared node. */
    public record Case(String name, Body body) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** A case's steps on a node; {@code usage} sets a container's memory usage where the runtime is simulated. */
    @FunctionalInterface
    public interface Body {
        void run(PodResizeSteps steps, String podName, MemoryUsage usage) throws Exception;
    }

    /** Sets the memory a container uses (the fake runtime's); a real runtime's processes use what they use. */
    @FunctionalInterface
    public interface MemoryUsage {
        void set(String containerId, long bytes);
    }

    @BeforeAll
    void start() throws Exception {
        if (!Files.isExecutable(Path.of(Kubectl.V1_32))) {
            return; // every test says why it is skipped
        }
        DaemonProcess.emptyKubeconfig(dir);
        node = new FakeNode(dir);
        daemon = node.startWith("64", "64Gi", "--extended-resources", PodResizeE2E.FAKE_EXTENDED_RESOURCE + "=123");
        steps = new PodResizeSteps(new Kubectl(Kubectl.V1_32, daemon.url(), dir), daemon.url(), dir, "busybox",
                Duration.ofSeconds(30), this::containerCgroup, this::podCgroup);
        pool = Executors.newFixedThreadPool(PARALLEL);
        List<Case> all = cases().toList();
        for (int i = 0; i < all.size(); i++) {
            Case c = all.get(i);
            String podName = "resize-test-" + i;
            outcomes.put(c.name(), pool.submit(() -> {
                c.body().run(steps, podName, node.fake::setMemoryUsage);
                return null;
            }));
        }
    }

    @AfterAll
    void stop() throws Exception {
        if (pool != null) {
            pool.shutdownNow();
        }
        Teardown.close(daemon, node);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void upstreamCase(Case c) throws Throwable {
        assumeTrue(Files.isExecutable(Path.of(Kubectl.V1_32)), "needs kubectl 1.32 (patch --subresource resize) at " + Kubectl.V1_32);
        try {
            outcomes.get(c.name()).get();
        } catch (ExecutionException e) {
            throw e.getCause();
        }
    }

    private String containerCgroup(String podUid, String containerId, String controller, String file) throws Exception {
        CgroupName name = node.fake.containerCgroup(containerId).orElseThrow(() -> new AssertionError("no cgroup for " + containerId));
        return Files.readString(node.cgroups.file(name, file));
    }

    private String podCgroup(JsonNode pod, String file) throws Exception {
        QosTier tier = switch (pod.at("/status/qosClass").asText()) {
            case "Guaranteed" -> QosTier.GUARANTEED;
            case "Burstable" -> QosTier.BURSTABLE;
            default -> QosTier.BESTEFFORT;
        };
        Path f = node.cgroups.file(node.cgroups.layout().pod(tier, pod.at("/metadata/uid").asText()), file);
        return Files.exists(f) ? Files.readString(f) : null;
    }

    // ---------------------------------------------------------------- the cases

    public static Stream<Case> cases() {
        List<Case> all = new ArrayList<>();
        guaranteed(all);
        burstable(all);
        all.add(new Case("resize pod via the replace endpoint [MinimumKubeletVersion:1.34]", UpstreamPodResizeE2EIT::replaceEndpoint));
        patchErrors(all);
        all.add(new Case("decrease memory limit below usage", UpstreamPodResizeE2EIT::memoryLimitBelowUsage));
        return all.stream();
    }

    /** {@code makeGuaranteedContainers}: c1..cN with offset requests = limits, then (if asked) the sidecar c1-init. */
    static List<Ctr> guaranteedContainers(int n, String cpuPolicy, String memPolicy, boolean initContainers,
                                          boolean extendedResources, String cpu, String mem) {
        List<Ctr> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Res r = Res.of(offsetCpu(i, cpu), offsetCpu(i, cpu), offsetMemory(i, mem), offsetMemory(i, mem));
            if (extendedResources) {
                r = r.withExtended("1", "1");
            }
            out.add(Ctr.of("c" + (i + 1), r, cpuPolicy, memPolicy));
        }
        if (initContainers) {
            out.add(Ctr.sidecar("c1-init", Res.of(cpu, cpu, mem, mem), cpuPolicy, memPolicy));
        }
        return out;
    }

    /** {@code doGuaranteedPodResizeTests}. */
    private static void guaranteed(List<Case> all) {
        record Policy(String name, String cpu, String mem, boolean resizeInitCtrs) { }
        record Entry(String name, String cpu, String mem) { }
        List<Policy> policies = List.of(new Policy("no restart", NOT_REQUIRED, NOT_REQUIRED, false),
                new Policy("no restart + resize initContainers", NOT_REQUIRED, NOT_REQUIRED, true),
                new Policy("mem restart", NOT_REQUIRED, RESTART_CONTAINER, false),
                new Policy("cpu restart", RESTART_CONTAINER, NOT_REQUIRED, false),
                new Policy("cpu & mem restart", RESTART_CONTAINER, RESTART_CONTAINER, false),
                new Policy("cpu & mem restart + resize initContainers", RESTART_CONTAINER, RESTART_CONTAINER, true));
        List<Entry> entries = List.of(new Entry("cpu", INCREASED_CPU, ORIGINAL_MEM), new Entry("mem", ORIGINAL_CPU, INCREASED_MEM),
                new Entry("cpu & mem in the same direction", INCREASED_CPU, INCREASED_MEM),
                new Entry("cpu & mem in opposite directions", INCREASED_CPU, REDUCED_MEM));
        for (Policy p : policies) {
            for (Entry e : entries) {
                all.add(new Case("guaranteed qos - 1 container with resize policy " + p.name() + " resizing " + e.name(),
                        (steps, pod, usage) -> {
                            List<Ctr> original = guaranteedContainers(1, p.cpu(), p.mem(), true, true, ORIGINAL_CPU, ORIGINAL_MEM);
                            List<Ctr> expected = new ArrayList<>(guaranteedContainers(1, p.cpu(), p.mem(), true, true, e.cpu(), e.mem()));
                            for (int i = 0; i < expected.size(); i++) {
                                Ctr c = expected.get(i);
                                if (c.init() && !p.resizeInitCtrs()) {
                                    // the pod has an init container that is not resized: it keeps its resources
                                    expected.set(i, c.withResources(original.get(i).resources()));
                                    continue;
                                }
                                boolean restart = (p.cpu().equals(RESTART_CONTAINER) && !e.cpu().equals(ORIGINAL_CPU))
                                        || (p.mem().equals(RESTART_CONTAINER) && !e.mem().equals(ORIGINAL_MEM));
                                expected.set(i, c.withRestartCount(restart ? 1 : 0));
                            }
                            steps.patchAndRollback(pod, original, expected, true);
                        }));
            }
        }
        List<Ctr> three = guaranteedContainers(3, NOT_REQUIRED, NOT_REQUIRED, false, false, ORIGINAL_CPU, ORIGINAL_MEM).stream()
                .map(Ctr::withoutPolicies).toList();
        all.add(new Case("guaranteed pods with multiple containers 3 containers - increase cpu & mem on c1, c2, decrease cpu & mem on c3 "
                + "- net increase [MinimumKubeletVersion:1.34]", (steps, pod, usage) -> steps.patchAndRollback(pod, three, List.of(
                        guaranteed3(0, INCREASED_CPU, INCREASED_MEM), guaranteed3(1, INCREASED_CPU, INCREASED_MEM),
                        guaranteed3(2, REDUCED_CPU, REDUCED_MEM)), true)));
        all.add(new Case("guaranteed pods with multiple containers 3 containers - increase cpu & mem on c1, decrease cpu & mem on c2, c3 "
                + "- net decrease [MinimumKubeletVersion:1.34]", (steps, pod, usage) -> steps.patchAndRollback(pod, three, List.of(
                        guaranteed3(0, INCREASED_CPU, INCREASED_MEM), guaranteed3(1, REDUCED_CPU, REDUCED_MEM),
                        guaranteed3(2, REDUCED_CPU, REDUCED_MEM)), true)));
        all.add(new Case("guaranteed pods with multiple containers 3 containers - increase: CPU (c1,c3), memory (c2, c3) ; decrease: "
                + "CPU (c2) [MinimumKubeletVersion:1.34]", (steps, pod, usage) -> steps.patchAndRollback(pod, three, List.of(
                        guaranteed3(0, INCREASED_CPU, ORIGINAL_MEM), guaranteed3(1, REDUCED_CPU, INCREASED_MEM),
                        guaranteed3(2, INCREASED_CPU, INCREASED_MEM)), true)));
    }

    private static Ctr guaranteed3(int i, String cpu, String mem) {
        return Ctr.of("c" + (i + 1), Res.of(offsetCpu(i, cpu), offsetCpu(i, cpu), offsetMemory(i, mem), offsetMemory(i, mem)));
    }

    /** {@code doBurstablePodResizeTests}. */
    private static void burstable(List<Case> all) {
        record Policy(String name, String cpu, String mem) { }
        record Entry(String name, Res desired) { }
        List<Policy> policies = List.of(new Policy("no restart", NOT_REQUIRED, NOT_REQUIRED),
                new Policy("cpu restart", RESTART_CONTAINER, NOT_REQUIRED), new Policy("mem restart", NOT_REQUIRED, RESTART_CONTAINER),
                new Policy("cpu & mem restart", RESTART_CONTAINER, RESTART_CONTAINER));
        List<Entry> entries = List.of(
                new Entry("cpu requests", Res.of(INCREASED_CPU, ORIGINAL_CPU_LIMIT, ORIGINAL_MEM, ORIGINAL_MEM_LIMIT)),
                new Entry("cpu limits", Res.of(ORIGINAL_CPU, INCREASED_CPU_LIMIT, ORIGINAL_MEM, ORIGINAL_MEM_LIMIT)),
                new Entry("mem requests", Res.of(ORIGINAL_CPU, ORIGINAL_CPU_LIMIT, INCREASED_MEM, ORIGINAL_MEM_LIMIT)),
                new Entry("mem limits", Res.of(ORIGINAL_CPU, ORIGINAL_CPU_LIMIT, ORIGINAL_MEM, INCREASED_MEM_LIMIT)),
                new Entry("all resources in the same direction", Res.of(INCREASED_CPU, INCREASED_CPU_LIMIT, INCREASED_MEM, INCREASED_MEM_LIMIT)),
                new Entry("cpu & mem in opposite directions", Res.of(INCREASED_CPU, INCREASED_CPU_LIMIT, REDUCED_MEM, REDUCED_MEM_LIMIT)),
                new Entry("requests & limits in opposite directions", Res.of(REDUCED_CPU, INCREASED_CPU_LIMIT, INCREASED_MEM, REDUCED_MEM_LIMIT)));
        Res original = Res.of(ORIGINAL_CPU, ORIGINAL_CPU_LIMIT, ORIGINAL_MEM, ORIGINAL_MEM_LIMIT);
        for (Policy p : policies) {
            for (Entry e : entries) {
                all.add(new Case("burstable pods - 1 container with all requests & limits set and resize policy " + p.name()
                        + " resizing " + e.name(), (steps, pod, usage) -> {
                            boolean restart = (p.cpu().equals(RESTART_CONTAINER)
                                    && (!e.desired().cpuReq().equals(ORIGINAL_CPU) || !e.desired().cpuLim().equals(ORIGINAL_CPU_LIMIT)))
                                    || (p.mem().equals(RESTART_CONTAINER)
                                    && (!e.desired().memReq().equals(ORIGINAL_MEM) || !e.desired().memLim().equals(ORIGINAL_MEM_LIMIT)));
                            steps.patchAndRollback(pod, List.of(Ctr.of("c1", original, p.cpu(), p.mem())),
                                    List.of(Ctr.of("c1", e.desired(), p.cpu(), p.mem()).withRestartCount(restart ? 1 : 0)), true);
                        }));
            }
        }
        all.add(new Case("burstable pods - extended 6 containers - various operations performed (including adding limits and "
                + "requests) [MinimumKubeletVersion:1.34]", (steps, pod, usage) -> steps.patchAndRollback(pod, List.of(
                        Ctr.of("c1", Res.of(ORIGINAL_CPU, "", "", "")),
                        Ctr.of("c2", Res.of("", "", ORIGINAL_MEM, "")),
                        Ctr.of("c3", Res.of(ORIGINAL_CPU, "", ORIGINAL_MEM, "")),
                        Ctr.of("c4", Res.of(ORIGINAL_CPU, "", "", "")),
                        Ctr.of("c5", Res.of("", "", ORIGINAL_MEM, ""))), List.of(
                        Ctr.of("c1", Res.of(INCREASED_CPU, INCREASED_CPU_LIMIT, "", "")),
                        Ctr.of("c2", Res.of("", "", REDUCED_MEM, INCREASED_MEM_LIMIT)),
                        Ctr.of("c3", Res.of(ORIGINAL_CPU, "", REDUCED_MEM, "")),
                        Ctr.of("c4", Res.of(REDUCED_CPU, "", ORIGINAL_MEM, "")),
                        Ctr.of("c5", Res.of(ORIGINAL_CPU, "", INCREASED_MEM, ""))), false)));
        all.add(new Case("burstable pods - extended resize with equivalents [MinimumKubeletVersion:1.34]",
                (steps, pod, usage) -> steps.patchAndRollback(pod, List.of(Ctr.of("c1", Res.of("2m", "10m", "", ""))),
                        List.of(Ctr.of("c1", Res.of("1m", "5m", "", ""))), true)));
    }

    /**
     * {@code doPodResizeReadAndReplaceTests}: {@code kubectl replace --subresource resize} with the pod read before;
     * generation 1, then 2; the resize is actuated; and the pod read through {@code get --subresource resize} is the
     * pod read through the main endpoint.
     */
    private static void replaceEndpoint(PodResizeSteps steps, String podName, MemoryUsage usage) throws Exception {
        List<Ctr> original = List.of(Ctr.of("c1", Res.of(ORIGINAL_CPU, "", ORIGINAL_MEM, "")));
        List<Ctr> desired = List.of(Ctr.of("c1", Res.of(INCREASED_CPU, "", INCREASED_MEM, "")));
        JsonNode pod = steps.createAndVerify(podName, original);
        assertThat(pod.at("/metadata/generation").asLong()).isEqualTo(1);

        ObjectNode toUpdate = (ObjectNode) steps.get(podName);
        ((ObjectNode) toUpdate.at("/spec/containers/0")).set("resources", desired.get(0).resources().requirements());
        Path file = Files.createTempFile(steps.kubectl().home(), podName, ".json");
        Files.writeString(file, toUpdate.toString());
        Kubectl.Result r = steps.kubectl().run("replace", "--subresource", "resize", "-f", file.toString());
        assertThat(r.exitCode()).as(r.all()).isZero();

        JsonNode updated = steps.get(podName);
        PodResizeSteps.assertNone(PodResizeE2E.verifyPodResources(updated, desired), updated);
        assertThat(updated.at("/metadata/generation").asLong()).isEqualTo(2);
        steps.awaitResized(podName, PodResizeE2E.withCurrentRestarts(updated, desired));

        steps.awaitPod(podName, main -> {
            Kubectl.Result sub = steps.kubectl().run("get", "pod", podName, "--subresource", "resize", "-o", "json");
            if (sub.exitCode() != 0) {
                return List.of("failed to fetch pod after resize: " + sub.all());
            }
            JsonNode fromResize = PodResizeE2E.JSON.readTree(sub.stdout());
            return fromResize.equals(main) ? List.of()
                    : List.of("pod from resize subresource not equivalent to pod: " + fromResize + " vs " + main);
        });
        steps.delete(podName);
    }

    /** {@code doPodResizePatchErrorTests}: the table of refused patches. */
    private static void patchErrors(List<Case> all) {
        String qos = "Pod QOS Class may not change as a result of resizing";
        String renamed = "spec.containers[0].name: Forbidden: containers may not be renamed or reordered on resize, "
                + "spec.containers[1].name: Forbidden: containers may not be renamed or reordered on resize";
        Res guaranteed = Res.of(ORIGINAL_CPU, ORIGINAL_CPU, ORIGINAL_MEM, ORIGINAL_MEM);
        Res cpuOnly = Res.of(ORIGINAL_CPU, "", "", "");
        patchError(all, "BestEffort pod - request memory", List.of(Ctr.of("c1", null)),
                List.of(Ctr.of("c1", Res.of("", "", ORIGINAL_MEM, ""))), qos);
        patchError(all, "BestEffort pod - request cpu", List.of(Ctr.of("c1", null)), List.of(Ctr.of("c1", cpuOnly)), qos);
        patchError(all, "Guaranteed pod - remove cpu & memory limits", List.of(Ctr.of("c1", guaranteed)),
                List.of(Ctr.of("c1", Res.of(ORIGINAL_CPU, "", ORIGINAL_MEM, ""))), "resource limits cannot be removed");
        patchError(all, "Burstable pod - remove cpu & memory limits + increase requests",
                List.of(Ctr.of("c1", Res.of(ORIGINAL_CPU, INCREASED_CPU_LIMIT, ORIGINAL_MEM, INCREASED_MEM_LIMIT))),
                List.of(Ctr.of("c1", Res.of(INCREASED_CPU, "", INCREASED_MEM, ""))), "resource limits cannot be removed");
        patchError(all, "Burstable pod - remove memory requests", List.of(Ctr.of("c1", Res.of("", "", ORIGINAL_MEM, ""))),
                List.of(Ctr.of("c1", Res.none())), "resource requests cannot be removed");
        patchError(all, "Burstable pod - remove cpu requests", List.of(Ctr.of("c1", cpuOnly)), List.of(Ctr.of("c1", Res.none())),
                "resource requests cannot be removed");
        patchError(all, "Burstable pod - reorder containers", List.of(Ctr.of("c1", cpuOnly), Ctr.of("c2", cpuOnly)),
                List.of(Ctr.of("c2", cpuOnly), Ctr.of("c1", cpuOnly)), renamed);
        patchError(all, "Guaranteed pod - rename containers", List.of(Ctr.of("c1-old", guaranteed), Ctr.of("c2-old", guaranteed)),
                List.of(Ctr.of("c1-new", guaranteed), Ctr.of("c2-new", guaranteed)), renamed);
        patchError(all, "Burstable pod - set requests == limits",
                List.of(Ctr.of("c1", Res.of(ORIGINAL_CPU, INCREASED_CPU_LIMIT, ORIGINAL_MEM, INCREASED_MEM_LIMIT))),
                List.of(Ctr.of("c1", Res.of(INCREASED_CPU_LIMIT, INCREASED_CPU_LIMIT, INCREASED_MEM_LIMIT, INCREASED_MEM_LIMIT))), qos);
        patchError(all, "Burstable pod - resize ephemeral storage",
                List.of(Ctr.of("c1", Res.of(ORIGINAL_CPU, "", ORIGINAL_MEM, "").withEphemeralRequest("1"))),
                List.of(Ctr.of("c1", Res.of(ORIGINAL_CPU, "", ORIGINAL_MEM, "").withEphemeralRequest("3"))),
                "only cpu and memory resources are mutable");
    }

    /**
     * One entry of "apply invalid resize patch requests": the patch is refused with upstream's text (in the Status
     * message a client library reports as the error, and in what kubectl prints), and the pod keeps its spec, its
     * generation and its status resources.
     */
    private static void patchError(List<Case> all, String name, List<Ctr> original, List<Ctr> desired, String patchError) {
        all.add(new Case("apply invalid resize patch requests " + name, (steps, podName, usage) -> {
            JsonNode pod = steps.createAndVerify(podName, original);
            PodResizeSteps.Refusal refusal = steps.patchRefused(podName, PodResizeE2E.resizePatch(original, desired).toString());

            assertThat(refusal.code()).as(refusal.status().toString()).isEqualTo(422);
            assertThat(refusal.status().path("message").asText()).contains(patchError);
            for (String cause : patchError.split(", (?=spec\\.)")) {
                assertThat(refusal.kubectl().stderr()).contains(cause);
            }
            JsonNode after = steps.get(podName);
            PodResizeSteps.assertNone(PodResizeE2E.verifyPodResources(after, original), after);
            PodResizeSteps.assertNone(PodResizeE2E.verifyStatusResources(after, original), after);
            assertThat(after.at("/metadata/generation")).isEqualTo(pod.at("/metadata/generation"));
            steps.delete(podName);
        }));
    }

    /**
     * {@code doPodResizeMemoryLimitDecreaseTest}: a slightly lower memory limit is actuated; one below what the container
     * uses (10Ki; the simulated runtime is told 1Mi is in use, about what the busybox process uses on a real node) stays in
     * progress with reason Error and "memory limit (N) below current usage" and no PodResizePending, the status keeps
     * the viable values; reverting to the original is actuated.
     */
    private static void memoryLimitBelowUsage(PodResizeSteps steps, String podName, MemoryUsage usage) throws Exception {
        List<Ctr> original = List.of(Ctr.of("c1", Res.of("", "", ORIGINAL_MEM, ORIGINAL_MEM)));
        JsonNode pod = steps.createAndVerify(podName, original);

        List<Ctr> viable = List.of(Ctr.of("c1", Res.of("", "", REDUCED_MEM, REDUCED_MEM)));
        pod = steps.patchAndVerify(pod, original, viable);

        String containerId = PodResizeE2E.containerIds(pod).get("c1");
        usage.set(containerId, 1024 * 1024);
        List<Ctr> nonViable = List.of(Ctr.of("c1", Res.of("", "", "10Ki", "10Ki")));
        JsonNode patched = steps.patch(podName, PodResizeE2E.resizePatch(viable, nonViable).toString());
        PodResizeSteps.assertNone(PodResizeE2E.verifyPodResources(patched, nonViable), patched);
        Pattern expectedMessage = Pattern.compile("memory limit \\(\\d+\\) below current usage");
        JsonNode failed = steps.awaitPod(podName, p -> {
            if (PodResizeE2E.verifyStatusResources(p, nonViable).isEmpty()) {
                throw new AssertionError("non-viable resize unexpectedly completed: " + p);
            }
            List<String> why = new ArrayList<>();
            PodResizeE2E.condition(p, "PodResizePending").ifPresent(c -> why.add("pod should not be pending, got " + c));
            JsonNode inProgress = PodResizeE2E.condition(p, "PodResizeInProgress").orElse(null);
            if (inProgress == null) {
                why.add("resize is not in progress");
            } else if (!inProgress.path("reason").asText().equals("Error")) {
                why.add("in-progress reason is not error: " + inProgress);
            } else if (!expectedMessage.matcher(inProgress.path("message").asText()).find()) {
                why.add("Expected " + inProgress.path("message") + " to contain " + expectedMessage);
            }
            return why;
        });
        // upstream checks the status in the non-viable patch's answer: what the pod showed before the kubelet acted
        PodResizeSteps.assertNone(PodResizeE2E.verifyStatusResources(patched, viable), patched);
        PodResizeSteps.assertNone(PodResizeE2E.verifyContainerCgroups(failed, viable, steps.containerCgroups()), failed);

        steps.patchAndVerify(failed, nonViable, original);
        steps.delete(podName);
    }

    // ---------------------------------------------------------------- cases the agent cannot run

    @Test
    @Disabled("InPlacePodVerticalScalingInitContainers is an alpha feature gate, off in 1.35 and 1.36 (the versions the agent "
            + "follows): there the apiserver refuses a resize of a non-sidecar init container with \"resources for "
            + "non-sidecar init containers are immutable\", and so does the agent (ResizeRules)")
    @DisplayName("Pod InPlace Resize Init Container should support resizing a non-sidecar init container")
    void nonSidecarInitContainer() {
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("memoryBackedVolumeCases")
    @Disabled("InPlacePodVerticalScalingMemoryBackedVolumes (alpha, after 1.36): resizing a memory-backed emptyDir's "
            + "sizeLimit through the resize subresource; the agent keeps no volumes (spec.volumes is not part of its "
            + "model) and cannot exec df in a container")
    @DisplayName("Pod InPlace Resize Memory-Backed Volume")
    void memoryBackedVolume(String name) {
    }

    static Stream<String> memoryBackedVolumeCases() {
        return Stream.of("memory-backed emptyDir volume resize volume resize (upsize then downsize)",
                "memory-backed emptyDir volume resize volume resize + container resize (upsize then downsize)",
                "should fail to shrink sizeLimit of a memory-backed volume below active usage");
    }
}
