package dev.resizelet.core.admission;

import dev.resizelet.core.model.Container;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.QosClass;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.ResourceNames;
import dev.resizelet.core.model.ResourceVector;
import java.util.Objects;

/**
 * The kubelet's admission checks as pure functions (allocation manager {@code canResizePod} and the
 * node-resources fit predicate), with its messages. O(1): callers pass the running totals.
 */
public final class AdmissionRules {

    static final String STATIC_POD = "In-place resize of static-pods is not supported";
    static final String CPU_STATIC =
            "Resize is infeasible for Guaranteed Pods alongside CPU Manager policy \"static\"";
    static final String MEMORY_STATIC =
            "Resize is infeasible for Guaranteed Pods alongside Memory Manager policy \"Static\"";

    private AdmissionRules() {
    }

    /**
     * A resize of {@code allocated} to {@code desired}. {@code usedByOthers} is the sum of the
     * allocated requests of every other pod. Order: static pod, static policies, capacity (memory
     * before cpu: Infeasible), fit beside the others (cpu before memory, the predicate's order: Deferred).
     */
    public static AdmissionDecision resize(NodeConfig node, Pod allocated, Pod desired, ResourceVector usedByOthers) {
        return resize(node, allocated, desired, desired.requests(), usedByOthers);
    }

    /** As {@link #resize(NodeConfig, Pod, Pod, ResourceVector)} with the desired pod's requests computed once by the caller. */
    public static AdmissionDecision resize(NodeConfig node, Pod allocated, Pod desired, ResourceVector want,
            ResourceVector usedByOthers) {
        if (desired.isStatic()) {
            return new Infeasible(desired.uid(), desired.generation(), Infeasible.REASON, STATIC_POD);
        }
        boolean staticPolicy = node.cpuManagerPolicy() == NodeConfig.CpuManagerPolicy.STATIC
                || node.memoryManagerPolicy() == NodeConfig.MemoryManagerPolicy.STATIC;
        if (staticPolicy && allocated.qosClass() == QosClass.GUARANTEED) { // the QoS class only matters here
            if (node.cpuManagerPolicy() == NodeConfig.CpuManagerPolicy.STATIC
                    && requestChanged(allocated, desired, ResourceNames.CPU)) {
                return new Infeasible(desired.uid(), desired.generation(), Infeasible.REASON, CPU_STATIC);
            }
            if (node.memoryManagerPolicy() == NodeConfig.MemoryManagerPolicy.STATIC
                    && requestChanged(allocated, desired, ResourceNames.MEMORY)) {
                return new Infeasible(desired.uid(), desired.generation(), Infeasible.REASON, MEMORY_STATIC);
            }
        }
        NodeAllocatable a = node.allocatable();
        if (want.memoryBytes() > a.memoryBytes()) {
            return new Infeasible(desired.uid(), desired.generation(), Infeasible.REASON,
                    capacity("memory", want.memoryBytes(), a.memoryBytes()));
        }
        if (want.cpuMillis() > a.cpuMillis()) {
            return new Infeasible(desired.uid(), desired.generation(), Infeasible.REASON,
                    capacity("cpu", want.cpuMillis(), a.cpuMillis()));
        }
        String misfit = misfit(want, usedByOthers, a);
        if (misfit != null) {
            return new Deferred(desired.uid(), desired.generation(), misfit);
        }
        return new Admitted(desired.uid(), desired.generation());
    }

    /**
     * A new pod: the kubelet rejects it (no queue) when the pod count or its requests do not fit.
     * {@code podsAdmitted} is how many pods hold an allocation now.
     */
    public static AdmissionDecision newPod(NodeConfig node, Pod pod, ResourceVector used, int podsAdmitted) {
        return newPod(node, pod, used, podsAdmitted, java.util.Map.of());
    }

    /**
     * As {@link #newPod(NodeConfig, Pod, ResourceVector, int)} with the extended resources the admitted pods hold,
     * by name. Like the kubelet ({@code removeMissingExtendedResources}), a request of an extended resource the node
     * does not advertise is left out of the fit; one it advertises must fit beside the others ({@code OutOf<name>}).
     */
    public static AdmissionDecision newPod(NodeConfig node, Pod pod, ResourceVector used, int podsAdmitted,
            java.util.Map<String, Long> usedExtended) {
        NodeAllocatable a = node.allocatable();
        if (podsAdmitted + 1 > a.pods()) {
            return new Infeasible(pod.uid(), pod.generation(), "OutOfpods",
                    resource("pods", 1, podsAdmitted, a.pods()));
        }
        ResourceVector want = pod.requests();
        if (want.cpuMillis() > 0 && want.cpuMillis() > a.cpuMillis() - used.cpuMillis()) {
            return new Infeasible(pod.uid(), pod.generation(), "OutOfcpu",
                    resource("cpu", want.cpuMillis(), used.cpuMillis(), a.cpuMillis()));
        }
        if (want.memoryBytes() > 0 && want.memoryBytes() > a.memoryBytes() - used.memoryBytes()) {
            return new Infeasible(pod.uid(), pod.generation(), "OutOfmemory",
                    resource("memory", want.memoryBytes(), used.memoryBytes(), a.memoryBytes()));
        }
        for (java.util.Map.Entry<String, Long> e : a.extended().entrySet()) {
            long wanted = pod.request(e.getKey());
            long inUse = usedExtended.getOrDefault(e.getKey(), 0L);
            if (wanted > 0 && wanted > e.getValue() - inUse) {
                return new Infeasible(pod.uid(), pod.generation(), "OutOf" + e.getKey(),
                        resource(e.getKey(), wanted, inUse, e.getValue()));
            }
        }
        return new Admitted(pod.uid(), pod.generation());
    }

    private static String misfit(ResourceVector want, ResourceVector used, NodeAllocatable a) {
        if (!fits(want.cpuMillis(), used.cpuMillis(), a.cpuMillis())) {
            return resource("cpu", want.cpuMillis(), used.cpuMillis(), a.cpuMillis());
        }
        if (!fits(want.memoryBytes(), used.memoryBytes(), a.memoryBytes())) {
            return resource("memory", want.memoryBytes(), used.memoryBytes(), a.memoryBytes());
        }
        return null;
    }

    /** The fit test of {@link #resize} without its message: {@code want} fits beside {@code usedByOthers}. */
    static boolean fits(ResourceVector want, ResourceVector usedByOthers, NodeAllocatable a) {
        return fits(want.cpuMillis(), usedByOthers.cpuMillis(), a.cpuMillis())
                && fits(want.memoryBytes(), usedByOthers.memoryBytes(), a.memoryBytes());
    }

    /** As {@link #fits}, with the others' use given as all that is used minus what the pod holds (no vector built). */
    static boolean fitsBeside(ResourceVector want, ResourceVector used, ResourceVector holds, NodeAllocatable a) {
        return fits(want.cpuMillis(), Math.subtractExact(used.cpuMillis(), holds.cpuMillis()), a.cpuMillis())
                && fits(want.memoryBytes(), Math.subtractExact(used.memoryBytes(), holds.memoryBytes()), a.memoryBytes());
    }

    private static boolean fits(long want, long used, long capacity) {
        return want <= 0 || want <= capacity - used;
    }

    private static String capacity(String resource, long requested, long capacity) {
        return "Node didn't have enough capacity: " + resource + ", requested: " + requested + ", capacity: " + capacity;
    }

    private static String resource(String resource, long requested, long used, long capacity) {
        return "Node didn't have enough resource: " + resource + ", requested: " + requested + ", used: " + used
                + ", capacity: " + capacity;
    }

    private static boolean requestChanged(Pod allocated, Pod desired, String resource) {
        for (Container c : desired.resizableContainers()) {
            Quantity now = allocated.resizableContainers().stream().filter(o -> o.name().equals(c.name()))
                    .findFirst().map(o -> o.resources().request(resource)).orElse(null);
            if (!Objects.equals(now, c.resources().request(resource))) {
                return true;
            }
        }
        return false;
    }

    /** True when the resize raises the pod's cpu or memory request (it sorts after shrinking ones). */
    static boolean isIncreasing(ResourceVector allocated, ResourceVector desired) {
        return desired.cpuMillis() > allocated.cpuMillis() || desired.memoryBytes() > allocated.memoryBytes();
    }
}
