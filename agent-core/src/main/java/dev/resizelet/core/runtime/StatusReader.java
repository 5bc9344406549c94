package dev.resizelet.core.runtime;

import static java.util.Objects.requireNonNull;

import dev.resizelet.cgroups.CgroupManager;
import dev.resizelet.core.enact.ResourceValues;
import dev.resizelet.cri.CriNotFoundException;
import dev.resizelet.cri.CriRuntime;
import dev.resizelet.cri.v1.Container;
import dev.resizelet.cri.v1.ContainerFilter;
import dev.resizelet.cri.v1.ContainerState;
import dev.resizelet.cri.v1.ContainerStatus;
import dev.resizelet.cri.v1.ContainerStatusRequest;
import dev.resizelet.cri.v1.ContainerStatusResponse;
import dev.resizelet.cri.v1.ListContainersRequest;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads what the runtime runs: ContainerStatus for the actual resources (DESIGN §8). A runtime that reports no
 * resources (containerd before 1.6.9) is read from the container's cgroup files instead; that is said once in
 * the log and counted in {@link #legacyFallbacks()}.
 */
public final class StatusReader {
    private static final Logger log = LoggerFactory.getLogger(StatusReader.class);

    private final CriRuntime cri;
    private final CgroupManager cgroups;
    private final AtomicBoolean legacyLogged = new AtomicBoolean();
    private final LongAdder legacyFallbacks = new LongAdder();

    public StatusReader(CriRuntime cri, CgroupManager cgroups) {
        this.cri = requireNonNull(cri, "cri");
        this.cgroups = requireNonNull(cgroups, "cgroups");
    }

    /** How many container statuses were read from cgroup files because the runtime reported no resources. */
    public long legacyFallbacks() {
        return legacyFallbacks.sum();
    }

    /** One container's status now; {@code memoryRequest} is passed through (the runtime does not report it). */
    public RunningContainer read(RunningPod pod, String name, String containerId, long memoryRequest) {
        return convert(pod, name, containerId, memoryRequest, cri.containerStatus(containerId));
    }

    /** Starts one container's ContainerStatus without waiting; {@link #convert} turns the answer into its status. */
    public CompletableFuture<ContainerStatusResponse> startRead(String containerId) {
        return cri.containerStatusAsync(ContainerStatusRequest.newBuilder().setContainerId(containerId).build());
    }

    /** As {@link #read}, from an answer already received (the caller's thread does any cgroup-file fallback). */
    public RunningContainer convert(RunningPod pod, String name, String containerId, long memoryRequest,
            ContainerStatusResponse response) {
        ContainerStatus s = response.getStatus();
        ResourceValues actual;
        boolean fromFiles = false;
        if (s.hasResources() && s.getResources().hasLinux()) {
            actual = CriResources.fromCri(s.getResources().getLinux(), memoryRequest);
        } else {
            fromFiles = true;
            legacyFallbacks.increment();
            if (legacyLogged.compareAndSet(false, true)) {
                log.warn("runtime reports no container resources (containerd < 1.6.9?): reading status from cgroup "
                        + "files instead container={} runtimeVersion=legacy", containerId);
            }
            actual = CriResources.fromCgroup(
                    cgroups.read(cgroups.layout().container(pod.podCgroup(), containerId)), memoryRequest);
        }
        Instant started = s.getStartedAt() > 0 ? Instant.ofEpochSecond(0, s.getStartedAt()) : null;
        RunningContainer.Termination exited = s.getState() == ContainerState.CONTAINER_EXITED
                ? new RunningContainer.Termination(s.getExitCode(), s.getReason(), started,
                        s.getFinishedAt() > 0 ? Instant.ofEpochSecond(0, s.getFinishedAt()) : null, containerId)
                : null;
        RunningContainer known = pod.container(name).orElse(null);
        RunningContainer.Termination previous = null;
        Instant backoffUntil = null;
        if (known != null && known.containerId().equals(containerId)) {
            previous = known.previous();
            backoffUntil = exited != null ? known.backoffUntil() : null;
        } else if (known != null) {
            previous = known.exited() != null ? known.exited() : known.previous(); // a new instance: the old one's end
        }
        RunningContainer read = new RunningContainer(name, containerId, (int) s.getMetadata().getAttempt(),
                s.getState().name(), actual, fromFiles, started, exited, previous, backoffUntil);
        return read.equals(known) ? known : read; // nothing new: the pod keeps the container it has
    }

    /**
     * Relists the pod's containers (ListContainers for its sandbox, then ContainerStatus of the newest of each
     * name) so changes made behind the agent's back show: a container the runtime restarted has a new id and
     * attempt; a value the runtime rounded reads back rounded.
     */
    public RunningPod relist(RunningPod pod, ToLongFunction<String> memoryRequestOf) {
        Map<String, Container> newest = new HashMap<>();
        for (Container c : cri.listContainers(ListContainersRequest.newBuilder()
                .setFilter(ContainerFilter.newBuilder().setPodSandboxId(pod.sandboxId())).build()).getContainersList()) {
            newest.merge(c.getMetadata().getName(), c, (a, b) -> a.getCreatedAt() >= b.getCreatedAt() ? a : b);
        }
        RunningPod next = pod;
        for (RunningContainer known : pod.containers()) {
            Container listed = newest.get(known.name());
            if (listed == null) {
                if (!known.containerId().isEmpty()) {
                    next = next.with(new RunningContainer(known.name(), known.containerId(), known.restartCount(),
                            "CONTAINER_UNKNOWN", known.actual(), known.fromCgroupFiles(), known.startedAt(), null,
                            known.previous(), null));
                }
                continue;
            }
            try {
                next = next.with(read(pod, known.name(), listed.getId(), memoryRequestOf.applyAsLong(known.name())));
            } catch (CriNotFoundException e) {
                log.debug("container vanished during relist container={}", listed.getId());
            }
        }
        return next;
    }
}
