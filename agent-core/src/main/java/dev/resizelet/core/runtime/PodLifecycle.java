package dev.resizelet.core.runtime;

import static java.util.Objects.requireNonNull;

import dev.resizelet.cgroups.CgroupManager;
import dev.resizelet.cgroups.CgroupName;
import dev.resizelet.cgroups.CgroupVersion;
import dev.resizelet.core.enact.PodCgroupConfig;
import dev.resizelet.core.enact.ResourceValues;
import dev.resizelet.cri.CriNotFoundException;
import dev.resizelet.cri.CriRuntime;
import dev.resizelet.cri.v1.Container;
import dev.resizelet.cri.v1.ContainerConfig;
import dev.resizelet.cri.v1.ContainerFilter;
import dev.resizelet.cri.v1.ContainerState;
import dev.resizelet.cri.v1.ContainerStateValue;
import dev.resizelet.cri.v1.ListContainersRequest;
import dev.resizelet.cri.v1.ListPodSandboxRequest;
import dev.resizelet.cri.v1.PodSandbox;
import dev.resizelet.cri.v1.PodSandboxFilter;
import dev.resizelet.cri.v1.PodSandboxState;
import dev.resizelet.cri.v1.PodSandboxStateValue;
import dev.resizelet.cri.v1.CreateContainerRequest;
import dev.resizelet.cri.v1.PodSandboxConfig;
import dev.resizelet.cri.v1.RemoveContainerRequest;
import dev.resizelet.cri.v1.RemovePodSandboxRequest;
import dev.resizelet.cri.v1.RunPodSandboxRequest;
import dev.resizelet.cri.v1.StartContainerRequest;
import dev.resizelet.cri.v1.StopContainerRequest;
import dev.resizelet.cri.v1.StopPodSandboxRequest;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Just enough pod lifecycle to have something to resize: pod cgroup, sandbox, containers up; and down again.
 * Called only from the pod's worker lane.
 */
public final class PodLifecycle {
    private static final Logger log = LoggerFactory.getLogger(PodLifecycle.class);
    /** The least StopContainer timeout the kubelet sends ({@code minimumGracePeriodInSeconds}). */
    static final long MINIMUM_GRACE_PERIOD_SECONDS = 2;

    private final CriRuntime cri;
    private final CgroupManager cgroups;
    private final Clock clock;

    public PodLifecycle(CriRuntime cri, CgroupManager cgroups) {
        this(cri, cgroups, Clock.systemUTC());
    }

    public PodLifecycle(CriRuntime cri, CgroupManager cgroups, Clock clock) {
        this.cri = requireNonNull(cri, "cri");
        this.cgroups = requireNonNull(cgroups, "cgroups");
        this.clock = requireNonNull(clock, "clock");
    }

    public CgroupName podCgroup(PodSpec pod) {
        return cgroups.layout().pod(pod.tier(), pod.uid());
    }

    /**
     * Creates the pod cgroup with the pod-level values of {@code allocated}, runs the sandbox, then creates and
     * starts every container with its allocated values. On failure, what was made is torn down and the error
     * rethrown, so the next attempt starts clean.
     */
    public RunningPod start(PodSpec pod, Map<String, ResourceValues> allocated) {
        CgroupName podCgroup = podCgroup(pod);
        List<ResourceValues> values = pod.containers().stream().map(c -> valuesOf(allocated, c.name())).toList();
        cgroups.create(podCgroup);
        cgroups.set(podCgroup, PodCgroupConfig.forPod(pod.tier(), values));
        PodSandboxConfig sandboxConfig = SandboxConfigs.sandbox(pod, podCgroup, cgroups.config().driver());
        String sandboxId;
        try {
            sandboxId = cri.runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(sandboxConfig).build())
                    .getPodSandboxId();
        } catch (RuntimeException e) {
            removeCgroupQuietly(podCgroup);
            throw e;
        }
        RunningPod running = new RunningPod(pod.uid(), sandboxId, podCgroup, List.of());
        try {
            for (ContainerSpec c : pod.containers()) {
                String id = createAndStart(pod, sandboxId, c, 0, valuesOf(allocated, c.name()));
                running = running.with(new RunningContainer(c.name(), id, 0, "CONTAINER_RUNNING", null, false, null));
            }
        } catch (RuntimeException e) {
            stopQuietly(running);
            throw e;
        }
        log.info("pod started pod={}/{} uid={} sandbox={} containers={}", pod.namespace(), pod.name(), pod.uid(),
                sandboxId, running.containers().size());
        return running;
    }

    /**
     * Finds the pod's ready sandbox in the runtime (after an agent restart: the containers kept running)
     * and returns it with the newest running container of each name, so that nothing is created twice.
     * Containers missing from the runtime are returned with an empty id; the next pass recreates them.
     */
    public Optional<RunningPod> adopt(PodSpec pod) {
        List<PodSandbox> sandboxes = cri.listPodSandbox(ListPodSandboxRequest.newBuilder()
                .setFilter(readySandboxes().putLabelSelector(SandboxConfigs.LABEL_POD_UID, pod.uid()))
                .build()).getItemsList();
        Optional<PodSandbox> newest = sandboxes.stream().max(Comparator.comparingLong(PodSandbox::getCreatedAt));
        if (newest.isEmpty()) {
            return Optional.empty();
        }
        String sandboxId = newest.get().getId();
        List<Container> containers = cri.listContainers(ListContainersRequest.newBuilder()
                .setFilter(runningContainers().setPodSandboxId(sandboxId)).build()).getContainersList();
        return Optional.of(adopted(pod, sandboxId, containers));
    }

    /** {@link #adopt} for many pods with one ListPodSandbox and one ListContainers: the restart path. */
    public Map<String, RunningPod> adoptAll(List<PodSpec> pods) {
        Map<String, PodSandbox> newestByUid = new HashMap<>();
        for (PodSandbox s : cri.listPodSandbox(ListPodSandboxRequest.newBuilder().setFilter(readySandboxes()).build())
                .getItemsList()) {
            String uid = s.getLabelsOrDefault(SandboxConfigs.LABEL_POD_UID, "");
            newestByUid.merge(uid, s, (a, b) -> a.getCreatedAt() >= b.getCreatedAt() ? a : b);
        }
        Map<String, List<Container>> bySandbox = new HashMap<>();
        for (Container c : cri.listContainers(ListContainersRequest.newBuilder().setFilter(runningContainers()).build())
                .getContainersList()) {
            bySandbox.computeIfAbsent(c.getPodSandboxId(), k -> new java.util.ArrayList<>()).add(c);
        }
        Map<String, RunningPod> out = new HashMap<>();
        for (PodSpec pod : pods) {
            PodSandbox s = newestByUid.get(pod.uid());
            if (s != null) {
                out.put(pod.uid(), adopted(pod, s.getId(), bySandbox.getOrDefault(s.getId(), List.of())));
            }
        }
        log.info("pods adopted from the runtime adopted={} of={}", out.size(), pods.size());
        return out;
    }

    private static PodSandboxFilter.Builder readySandboxes() {
        return PodSandboxFilter.newBuilder()
                .setState(PodSandboxStateValue.newBuilder().setState(PodSandboxState.SANDBOX_READY));
    }

    private static ContainerFilter.Builder runningContainers() {
        return ContainerFilter.newBuilder()
                .setState(ContainerStateValue.newBuilder().setState(ContainerState.CONTAINER_RUNNING));
    }

    private RunningPod adopted(PodSpec pod, String sandboxId, List<Container> containers) {
        Map<String, Container> byName = new HashMap<>();
        for (Container c : containers) {
            byName.merge(c.getMetadata().getName(), c, (a, b) -> a.getCreatedAt() >= b.getCreatedAt() ? a : b);
        }
        RunningPod running = new RunningPod(pod.uid(), sandboxId, podCgroup(pod), List.of());
        for (ContainerSpec c : pod.containers()) {
            Container found = byName.get(c.name());
            running = running.with(found == null
                    ? new RunningContainer(c.name(), "", 0, "CONTAINER_EXITED", null, false, null)
                    : new RunningContainer(c.name(), found.getId(), (int) found.getMetadata().getAttempt(),
                            found.getState().name(), null, false, null));
        }
        log.debug("pod adopted pod={}/{} uid={} sandbox={} containers={}", pod.namespace(), pod.name(), pod.uid(),
                sandboxId, byName.size());
        return running;
    }

    /** The memory limit file of a container of {@code pod} ({@code memory.limit_in_bytes} v1, {@code memory.max} v2). */
    public Path containerMemoryLimitFile(PodSpec pod, String containerId) {
        String file = cgroups.config().version() == CgroupVersion.V1 ? "memory.limit_in_bytes" : "memory.max";
        return cgroups.file(cgroups.layout().container(podCgroup(pod), containerId), file);
    }

    /** CreateContainer (attempt {@code attempt}) with {@code values}, then StartContainer; returns the id. */
    public String createAndStart(PodSpec pod, String sandboxId, ContainerSpec c, int attempt, ResourceValues values) {
        CgroupName podCgroup = podCgroup(pod);
        ContainerConfig config = SandboxConfigs.container(pod, c, attempt, values);
        String id = cri.createContainer(CreateContainerRequest.newBuilder()
                .setPodSandboxId(sandboxId)
                .setConfig(config)
                .setSandboxConfig(SandboxConfigs.sandbox(pod, podCgroup, cgroups.config().driver()))
                .build()).getContainerId();
        cri.startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        return id;
    }

    /**
     * StopContainer (the container gets {@code timeoutSeconds} after SIGTERM, at least the kubelet's 2) then
     * RemoveContainer; a container that is already gone is fine.
     */
    public void stopAndRemove(String containerId, long timeoutSeconds) {
        if (containerId.isEmpty()) {
            return;
        }
        stopContainer(containerId, timeoutSeconds);
        cri.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(containerId).build());
    }

    private void stopContainer(String containerId, long timeoutSeconds) {
        try {
            cri.stopContainer(StopContainerRequest.newBuilder()
                    .setContainerId(containerId)
                    .setTimeout(Math.max(MINIMUM_GRACE_PERIOD_SECONDS, timeoutSeconds)).build());
        } catch (CriNotFoundException e) {
            log.debug("container already gone container={}", containerId);
        }
    }

    /**
     * Stops and removes the containers, stops and removes the sandbox, removes the pod cgroup: on v1 from every
     * hierarchy, since runc creates it in all of them and RemovePodSandbox leaves it behind. Containers get the
     * kubelet's least grace period (a failed start is cleaned up; nothing ran long enough to need more).
     */
    public void stop(RunningPod pod) {
        teardown(pod.uid(), pod, List.of(pod.podCgroup()), clock.instant());
    }

    /**
     * A pod's teardown, as the kubelet's {@code killPod} and the garbage collector do it together: every container of
     * the pod the runtime lists (the agent's own, by the pod uid label, in any state: one a racing start created is
     * found too) and those of {@code known} are stopped, each with the grace period left until {@code deadline} (at
     * least 2 s, {@code minimumGracePeriodInSeconds}), then removed; then every sandbox of the pod is stopped and
     * removed, and the pod cgroups are removed in every hierarchy. Idempotent: what is gone already is skipped, so a
     * teardown cut short (an error, a crash) is simply run again.
     *
     * @param known the pod as the agent last saw it, or null
     * @param podCgroups the pod's cgroups to remove (its QoS tier may be unknown after a restart: give each candidate)
     */
    public void teardown(String uid, RunningPod known, List<CgroupName> podCgroups, Instant deadline) {
        Set<String> sandboxIds = new LinkedHashSet<>();
        Set<String> containerIds = new LinkedHashSet<>();
        if (known != null) {
            sandboxIds.add(known.sandboxId());
            known.containers().forEach(c -> {
                if (!c.containerId().isEmpty()) {
                    containerIds.add(c.containerId());
                }
            });
        }
        for (PodSandbox s : cri.listPodSandbox(ListPodSandboxRequest.newBuilder()
                .setFilter(PodSandboxFilter.newBuilder().putLabelSelector(SandboxConfigs.LABEL_POD_UID, uid)
                        .putLabelSelector(SandboxConfigs.LABEL_MANAGED, SandboxConfigs.MANAGED))
                .build()).getItemsList()) {
            sandboxIds.add(s.getId());
        }
        for (Container c : cri.listContainers(ListContainersRequest.newBuilder()
                .setFilter(ContainerFilter.newBuilder().putLabelSelector(SandboxConfigs.LABEL_POD_UID, uid)
                        .putLabelSelector(SandboxConfigs.LABEL_MANAGED, SandboxConfigs.MANAGED))
                .build()).getContainersList()) {
            containerIds.add(c.getId());
        }
        for (String id : containerIds) {
            stopContainer(id, remainingSeconds(deadline));
        }
        for (String id : containerIds) {
            cri.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
        }
        for (String id : sandboxIds) {
            removeSandbox(id);
        }
        for (CgroupName c : podCgroups) {
            cgroups.removeTreeEverywhere(c);
        }
        log.info("pod torn down uid={} sandboxes={} containers={}", uid, sandboxIds.size(), containerIds.size());
    }

    /** StopPodSandbox then RemovePodSandbox; a sandbox that is already gone is fine. */
    void removeSandbox(String sandboxId) {
        try {
            cri.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(sandboxId).build());
        } catch (CriNotFoundException e) {
            log.debug("sandbox already gone sandbox={}", sandboxId);
        }
        cri.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(sandboxId).build());
    }

    /** Whole seconds left until {@code deadline}, rounded up; never below the kubelet's minimum. */
    long remainingSeconds(Instant deadline) {
        long millis = Duration.between(clock.instant(), deadline).toMillis();
        long seconds = millis <= 0 ? 0 : (millis + 999) / 1000;
        return Math.max(MINIMUM_GRACE_PERIOD_SECONDS, seconds);
    }

    private void stopQuietly(RunningPod running) {
        try {
            stop(running);
        } catch (RuntimeException e) {
            log.warn("cleanup after a failed start failed uid={} error=\"{}\"", running.uid(), e.getMessage());
        }
    }

    private void removeCgroupQuietly(CgroupName podCgroup) {
        try {
            cgroups.removeTreeEverywhere(podCgroup);
        } catch (RuntimeException e) {
            log.warn("cannot remove pod cgroup cgroup={} error=\"{}\"", podCgroup, e.getMessage());
        }
    }

    private static ResourceValues valuesOf(Map<String, ResourceValues> allocated, String name) {
        ResourceValues v = allocated.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no allocated resources for container " + name);
        }
        return v;
    }
}
