package dev.resizelet.bench;

import dev.resizelet.cgroups.CgroupConfig;
import dev.resizelet.fakecri.CriRpc;
import java.nio.file.Path;
import java.util.Map;

/**
 * The simulated node the harness runs the agent on: the fake runtime on a Unix socket, its cgroup tree on tmpfs,
 * and a state dir for the agent. {@link ChildFakeNode} serves the runtime from a child JVM (so the agent's heap holds
 * only the agent); {@link FakeNode} serves it in the harness's own JVM.
 */
interface SimNode extends AutoCloseable {
    /** One {@code UpdateContainerResources} the runtime received: when (System.nanoTime, same clock in both JVMs). */
    interface UpdateListener {
        void onUpdate(long nanoTime, String containerId, long cpuShares, long cpuQuota, long memoryLimitBytes);
    }

    String endpoint();

    CgroupConfig cgroups();

    Path stateDir();

    /** Calls received so far by RPC (never reset). */
    Map<CriRpc, Long> callCounts();

    /** ListContainers calls filtered by a pod's sandbox so far (a per-pod refresh; node-wide lists not counted). */
    long podScopedListCalls();

    /** Streams every UpdateContainerResources to {@code listener} while {@code on}. */
    void streamUpdates(boolean on, UpdateListener listener);

    /** From now on, remember every container id the runtime answers a ContainerStatus for. */
    void markStatusReads();

    /** Distinct containers read with ContainerStatus since {@link #markStatusReads()}. */
    int statusReadContainers();

    /** Whether the runtime's own objects live in another JVM than the agent. */
    boolean outOfProcess();

    @Override
    void close();
}
