package dev.resizelet.core.admission;

import static dev.resizelet.core.testing.Pods.container;
import static dev.resizelet.core.testing.Pods.pod;
import static dev.resizelet.core.testing.Pods.resized;
import static org.assertj.core.api.Assertions.assertThat;

import dev.resizelet.core.admission.NodeConfig.CpuManagerPolicy;
import dev.resizelet.core.admission.NodeConfig.MemoryManagerPolicy;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.model.ResourceVector;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AdmissionRulesTest {

    private static final long GI = 1L << 30;
    private static final NodeAllocatable NODE = new NodeAllocatable(4000, 8 * GI, 110);

    private static NodeConfig config(String cpuPolicy, String memPolicy) {
        return new NodeConfig(NODE, CpuManagerPolicy.valueOf(cpuPolicy), MemoryManagerPolicy.valueOf(memPolicy),
                Duration.ofMinutes(3));
    }

    /**
     * Every branch: the pod starts at cpu=1/memory=1Gi (Burstable, or Guaranteed when limits are given)
     * and asks for the new requests beside others that use 'usedCpu' millicores / 'usedMemGi'.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "fits                          | cpu=2,memory=2Gi       |                  | 1000 | 1 | NONE   | NONE   | Admitted   | ",
        "exactly the last millicore    | cpu=3000m,memory=1Gi   |                  | 1000 | 1 | NONE   | NONE   | Admitted   | ",
        "one millicore too many        | cpu=3001m,memory=1Gi   |                  | 1000 | 1 | NONE   | NONE   | Deferred   | Node didn't have enough resource: cpu, requested: 3001, used: 1000, capacity: 4000",
        "exactly the last byte         | cpu=1,memory=7Gi       |                  | 1000 | 1 | NONE   | NONE   | Admitted   | ",
        "memory beside others          | cpu=1,memory=7.5Gi     |                  | 1000 | 1 | NONE   | NONE   | Deferred   | Node didn't have enough resource: memory, requested: 8053063680, used: 1073741824, capacity: 8589934592",
        "cpu deferred before memory    | cpu=3500m,memory=7.5Gi |                  | 1000 | 1 | NONE   | NONE   | Deferred   | Node didn't have enough resource: cpu, requested: 3500, used: 1000, capacity: 4000",
        "cpu over capacity             | cpu=5,memory=1Gi       |                  | 0    | 0 | NONE   | NONE   | Infeasible | Node didn't have enough capacity: cpu, requested: 5000, capacity: 4000",
        "memory over capacity          | cpu=1,memory=9Gi       |                  | 0    | 0 | NONE   | NONE   | Infeasible | Node didn't have enough capacity: memory, requested: 9663676416, capacity: 8589934592",
        "memory checked before cpu     | cpu=5,memory=9Gi       |                  | 0    | 0 | NONE   | NONE   | Infeasible | Node didn't have enough capacity: memory, requested: 9663676416, capacity: 8589934592",
        "whole node fits when alone    | cpu=4,memory=8Gi       |                  | 0    | 0 | NONE   | NONE   | Admitted   | ",
        "static cpu, guaranteed        | cpu=2,memory=1Gi       | cpu=2,memory=1Gi | 0    | 0 | STATIC | NONE   | Infeasible | Resize is infeasible for Guaranteed Pods alongside CPU Manager policy \"static\"",
        "static cpu, memory only       | cpu=1,memory=2Gi       | cpu=1,memory=2Gi | 0    | 0 | STATIC | NONE   | Admitted   | ",
        "static memory, guaranteed     | cpu=1,memory=2Gi       | cpu=1,memory=2Gi | 0    | 0 | NONE   | STATIC | Infeasible | Resize is infeasible for Guaranteed Pods alongside Memory Manager policy \"Static\"",
        "static memory, cpu only       | cpu=2,memory=1Gi       | cpu=2,memory=1Gi | 0    | 0 | NONE   | STATIC | Admitted   | ",
        "static cpu, burstable pod     | cpu=2,memory=1Gi       |                  | 0    | 0 | STATIC | STATIC | Admitted   | ",
    })
    void resizeBranches(String name, String newRequests, String limits, long usedCpu, long usedMemGi,
            String cpuPolicy, String memPolicy, String kind, String message) {
        String oldLimits = limits == null ? "" : "cpu=1,memory=1Gi";
        Pod allocated = pod("u1", container("c", "cpu=1,memory=1Gi", oldLimits));
        Pod desired = resized(allocated, newRequests, limits == null ? "" : limits);
        ResourceVector others = new ResourceVector(usedCpu, usedMemGi * GI);

        AdmissionDecision d = AdmissionRules.resize(config(cpuPolicy, memPolicy), allocated, desired, others);

        assertThat(d.getClass().getSimpleName()).isEqualTo(kind);
        assertThat(d.generation()).isEqualTo(desired.generation());
        if (d instanceof Deferred def) {
            assertThat(def.message()).isEqualTo(message);
        } else if (d instanceof Infeasible inf) {
            assertThat(inf.message()).isEqualTo(message);
            assertThat(inf.reason()).isEqualTo("Infeasible");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "fits exactly     | cpu=3,memory=7Gi  | 1   | Admitted   |             | ",
        "cpu              | cpu=3001m         | 1   | Infeasible | OutOfcpu    | Node didn't have enough resource: cpu, requested: 3001, used: 1000, capacity: 4000",
        "memory           | memory=7.5Gi      | 1   | Infeasible | OutOfmemory | Node didn't have enough resource: memory, requested: 8053063680, used: 1073741824, capacity: 8589934592",
        "pods             | cpu=1m            | 110 | Infeasible | OutOfpods   | Node didn't have enough resource: pods, requested: 1, used: 110, capacity: 110",
    })
    void newPodBranches(String name, String requests, int podsAdmitted, String kind, String reason, String message) {
        Pod p = pod("new", container("c", requests, ""));

        AdmissionDecision d = AdmissionRules.newPod(NodeConfig.of(NODE), p, new ResourceVector(1000, GI), podsAdmitted);

        assertThat(d.getClass().getSimpleName()).isEqualTo(kind);
        if (d instanceof Infeasible inf) {
            assertThat(inf.reason()).isEqualTo(reason);
            assertThat(inf.message()).isEqualTo(message);
        }
    }

    @ParameterizedTest(name = "static pod annotation {0}")
    @CsvSource({"kubernetes.io/config.source,file", "kubernetes.io/config.mirror,abc"})
    void staticPodsAreInfeasible(String key, String value) {
        Pod p = new Pod("kube-system", "etcd", PodUid.of("s"), 1, 0, Map.of(key, value), List.of(),
                List.of(container("c", "cpu=1", "")));

        AdmissionDecision d = AdmissionRules.resize(NodeConfig.of(NODE), p, resized(p, "cpu=2", ""), ResourceVector.ZERO);

        assertThat(d).isEqualTo(new Infeasible(p.uid(), 2, "Infeasible", "In-place resize of static-pods is not supported"));
    }

    /**
     * A sidecar resize is admitted on the pod's effective request (the kubelet's PodRequests): the sidecar counts beside
     * the app containers and beside every init container that runs after it. Node 4 cpu; init 3 cpu runs after the
     * sidecar, so growing the sidecar from 0.5 to 1 cpu needs 4 cpu (1 + 3), growing it to 1.5 needs 4.5: Infeasible.
     */
    @ParameterizedTest(name = "sidecar cpu {0}")
    @CsvSource(delimiter = '|', value = {
        "1    | Admitted   | ",
        "1001m| Infeasible | Node didn't have enough capacity: cpu, requested: 4001, capacity: 4000",
    })
    void sidecarResizeCountsTheInitPeak(String sidecarCpu, String kind, String message) {
        dev.resizelet.core.model.Container sidecar = new dev.resizelet.core.model.Container("log", "img", List.of(),
                dev.resizelet.core.testing.Pods.res("cpu=500m", ""), Map.of(), "Always");
        dev.resizelet.core.model.Container init = new dev.resizelet.core.model.Container("setup", "img", List.of(),
                dev.resizelet.core.testing.Pods.res("cpu=3", ""), Map.of(), null);
        dev.resizelet.core.model.Container app = container("app", "cpu=1", "");
        Pod allocated = new Pod("default", "p", PodUid.of("s"), 1, 0, Map.of(), List.of(sidecar, init), List.of(app));
        Pod desired = new Pod("default", "p", PodUid.of("s"), 2, 0, Map.of(),
                List.of(sidecar.withResources(dev.resizelet.core.testing.Pods.res("cpu=" + sidecarCpu, "")), init),
                List.of(app));

        AdmissionDecision d = AdmissionRules.resize(config("NONE", "NONE"), allocated, desired, ResourceVector.ZERO);

        assertThat(allocated.requests().cpuMillis()).as("max(0.5 + 1, 0.5 + 3)").isEqualTo(3500);
        assertThat(d.getClass().getSimpleName()).isEqualTo(kind);
        if (message != null) {
            assertThat(((Infeasible) d).message()).isEqualTo(message);
        }
    }

    @ParameterizedTest(name = "want {0}m/{1}, used {2}m/{3}, holds {4}m/{5}")
    @CsvSource({
        "1000, 1073741824, 3000, 4294967296, 1000, 1073741824",
        "2001, 1073741824, 3000, 4294967296, 1000, 1073741824",
        "2000, 1073741824, 3000, 4294967296, 1000, 1073741824",
        "1000, 5368709121, 3000, 4294967296, 1000, 1073741824",
        "1000, 5368709120, 3000, 4294967296, 1000, 1073741824",
        "0, 0, 4000, 8589934592, 0, 0",
        "1, 0, 4000, 8589934592, 0, 0",
    })
    void fitsBesideIsTheFitAgainstWhatTheOthersUse(long cpu, long mem, long usedCpu, long usedMem, long holdsCpu,
            long holdsMem) {
        ResourceVector want = new ResourceVector(cpu, mem);
        ResourceVector used = new ResourceVector(usedCpu, usedMem);
        ResourceVector holds = new ResourceVector(holdsCpu, holdsMem);
        boolean expected = cpu <= 0 || cpu <= NODE.cpuMillis() - (usedCpu - holdsCpu);
        expected &= mem <= 0 || mem <= NODE.memoryBytes() - (usedMem - holdsMem);

        assertThat(AdmissionRules.fitsBeside(want, used, holds, NODE)).isEqualTo(expected)
                .isEqualTo(AdmissionRules.fits(want, used.minus(holds), NODE));
    }
}
