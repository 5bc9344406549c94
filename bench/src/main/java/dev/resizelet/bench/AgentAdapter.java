package dev.resizelet.bench;

import dev.resizelet.cgroups.CgroupConfig;
import dev.resizelet.core.NodeAgent;
import dev.resizelet.core.api.PodStatus;
import dev.resizelet.core.api.PodView;
import dev.resizelet.core.model.Container;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.ResourceRequirements;
import dev.resizelet.cri.CriRuntime;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Every place the harness touches the agent's API and model: building the agent, pod specs from shapes, and
 * reading a {@link PodView}'s status back into numbers. The rest of the harness speaks {@link ContainerShape}.
 */
final class AgentAdapter {
    static final String NAMESPACE = "bench";
    private static final String CPU = "cpu";
    private static final String MEMORY = "memory";
    
    private AgentAdapter() {
    }

    /**
     * An agent on {@code client}, its checkpoints in {@code stateDir}; connects, restores and starts its loops.
     * {@code maxPods} must cover the run's pods: the agent's default is the kubelet's 110.
     */
    static NodeAgent build(CriRuntime client, CgroupConfig cgroups, Path stateDir, long allocatableCpuMilli,
            long allocatableMemoryBytes, int maxPods, Duration relist) {
        return NodeAgent.builder()
                .runtime(client)
                .cgroups(cgroups)
                .allocatable(allocatableCpuMilli, allocatableMemoryBytes, maxPods)
                .stateDir(stateDir)
                .relistInterval(relist)
                .requestTimeout(Duration.ofSeconds(30))
                .build();
    }

    static Pod pod(String name, String uid, String image, List<ContainerShape> shapes) {
        List<Container> containers = new ArrayList<>();
        for (int i = 0; i < shapes.size(); i++) {
            containers.add(Container.of("c" + i, image, requirements(shapes.get(i))));
        }
        return Pod.of(NAMESPACE, name, PodUid.of(uid), containers);
    }

    /** {@code pod} with its containers' resources replaced by {@code shapes}, in order. */
    static Pod resized(Pod pod, List<ContainerShape> shapes) {
        List<Container> containers = new ArrayList<>();
        for (int i = 0; i < pod.containers().size(); i++) {
            containers.add(pod.containers().get(i).withResources(requirements(shapes.get(i))));
        }
        return new Pod(pod.namespace(), pod.name(), pod.uid(), pod.generation(), pod.priority(), pod.annotations(),
                pod.initContainers(), containers);
    }

    /** A resize through the {@code resize} subresource, as kubectl 1.32+ sends it. */
    static void update(NodeAgent agent, Pod newSpec) {
        agent.update(NAMESPACE, newSpec.name(), newSpec, null, true, false);
    }

    private static ResourceRequirements requirements(ContainerShape s) {
        return new ResourceRequirements(
                Map.of(CPU, Quantity.ofMillis(s.cpuRequestMilli()), MEMORY, Quantity.ofBytes(s.memoryRequestBytes())),
                Map.of(CPU, Quantity.ofMillis(s.cpuLimitMilli()), MEMORY, Quantity.ofBytes(s.memoryLimitBytes())));
    }

    /**
     * A pod's status, reduced to what the storm compares.
     *
     * @param actual per container (spec order): cpu request, cpu limit (millicores), memory limit (bytes) as the
     *     runtime reports them; null for a container with no reported resources yet
     * @param allocatedCpu per container: allocated cpu request (millicores), -1 when not allocated yet
     * @param containerIds per container: the runtime's id without the {@code containerd://} prefix, or null
     * @param pendingReason {@code Deferred} / {@code Infeasible} from the PodResizePending condition of the pod's
     *     current generation, or null
     * @param inProgress whether the PodResizeInProgress condition is present
     */
    record Observed(long[][] actual, long[] allocatedCpu, String[] containerIds, String pendingReason,
            boolean inProgress) {
        boolean showsActual(List<ContainerShape> target) {
            for (int i = 0; i < target.size(); i++) {
                long[] a = i < actual.length ? actual[i] : null;
                ContainerShape t = target.get(i);
                if (a == null || !cpuEqual(a[0], t.cpuRequestMilli()) || !cpuEqual(a[1], t.cpuLimitMilli())
                        || a[2] != t.memoryLimitBytes()) {
                    return false;
                }
            }
            return true;
        }

        boolean showsAllocated(List<ContainerShape> target) {
            for (int i = 0; i < target.size(); i++) {
                if (i >= allocatedCpu.length || allocatedCpu[i] != target.get(i).cpuRequestMilli()) {
                    return false;
                }
            }
            return true;
        }

        /** Every container has allocatedResources (cpu request). */
        boolean allAllocated() {
            for (long a : allocatedCpu) {
                if (a < 0) {
                    return false;
                }
            }
            return allocatedCpu.length > 0;
        }

        boolean running() {
            for (int i = 0; i < actual.length; i++) {
                if (actual[i] == null || containerIds[i] == null) {
                    return false;
                }
            }
            return actual.length > 0;
        }

        /** The runtime may round: shares back to millicores is a ceiling, quota back is exact. */
        private static boolean cpuEqual(long reported, long wanted) {
            return Math.abs(reported - wanted) <= 1;
        }
    }

    static Observed observe(PodView view) {
        var statuses = view.status().containerStatuses();
        int n = view.spec().containers().size();
        long[][] actual = new long[n][];
        long[] allocated = new long[n];
        String[] ids = new String[n];
        java.util.Arrays.fill(allocated, -1);
        for (var cs : statuses) {
            int i = indexOf(view.spec(), cs.name());
            if (i < 0) {
                continue;
            }
            String id = cs.containerId();
            if (id != null && !id.isEmpty()) {
                int sep = id.indexOf("://");
                ids[i] = sep >= 0 ? id.substring(sep + 3) : id;
            }
            ResourceRequirements r = cs.resources();
            if (r != null && r.limit(CPU) != null && r.limit(MEMORY) != null && r.request(CPU) != null) {
                actual[i] = new long[] {r.request(CPU).milliValue(), r.limit(CPU).milliValue(), r.limit(MEMORY).value()};
            }
            ResourceRequirements alloc = cs.allocatedResources();
            if (alloc != null && alloc.request(CPU) != null) {
                allocated[i] = alloc.request(CPU).milliValue();
            }
        }
        String pending = null;
        boolean inProgress = false;
        for (var c : view.status().conditions()) {
            // a pending condition speaks for the generation it names: the one of a spec just sent is not decided yet
            if (PodStatus.RESIZE_PENDING.equals(c.type()) && "True".equals(c.status())
                    && c.observedGeneration() == view.generation()) {
                pending = c.reason();
            } else if (PodStatus.RESIZE_IN_PROGRESS.equals(c.type()) && "True".equals(c.status())) {
                inProgress = true;
            }
        }
        return new Observed(actual, allocated, ids, pending, inProgress);
    }

    private static int indexOf(Pod pod, String containerName) {
        for (int i = 0; i < pod.containers().size(); i++) {
            if (pod.containers().get(i).name().equals(containerName)) {
                return i;
            }
        }
        return -1;
    }
}
