package dev.resizelet.core.runtime;

import static java.util.Objects.requireNonNull;

import dev.resizelet.cgroups.CgroupManager;
import dev.resizelet.cgroups.CgroupName;
import dev.resizelet.cgroups.CgroupVersion;
import dev.resizelet.core.enact.Backoff;
import dev.resizelet.core.enact.PodCgroupConfig;
import dev.resizelet.core.enact.ResourceValues;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.cri.CriNotFoundException;
import dev.resizelet.cri.CriRuntime;
import dev.resizelet.cri.v1.Container;
import dev.resizelet.cri.v1.ContainerConfig;
import dev.resizelet.cri.v1.ContainerFilter;
import dev.resizelet.cri.v1.CreateContainerRequest;
import dev.resizelet.cri.v1.ListContainersRequest;
import dev.resizelet.cri.v1.ListPodSandboxRequest;
import dev.resizelet.cri.v1.PodSandbox;
import dev.resizelet.cri.v1.PodSandboxConfig;
import dev.resizelet.cri.v1.PodSandboxFilter;
import dev.resizelet.cri.v1.PodSandboxState;
import dev.resizelet.cri.v1.PodSandboxStateValue;
import dev.resizelet.cri.v1.RemoveContainerRequest;
import dev.resizelet.cri.v1.RemovePodSandboxRequest;
import dev.resizelet.cri.v1.RunPodSandboxRequest;
import dev.resizelet.cri.v1.StartContainerRequest;
import dev.resizelet.cri.v1.StopContainerRequest;
import dev.resizelet.cri.v1.StopContainerResponse;
import dev.resizelet.cri.v1.StopPodSandboxRequest;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Just enough pod lifecycle to have something to resize: pod cgroup, sandbox, then containers in the kubelet's start
 * order ({@link StartPlanner}: init containers one by one to completion, sidecars kept running, then the app
 * containers, exited ones restarted per restart policy with the crash-loop back-off); and down again.
 * Called only from the pod's worker lane.
 */
public final class PodLifecycle {
    private static final Logger log = LoggerFactory.getLogger(PodLifecycle.class);
    /** The least StopContainer timeout the kubelet sends ({@code minimumGracePeriodInSeconds}). */
    static final long MINIMUM_GRACE_PERIOD_SECONDS = 2;

    private final CriRuntime cri;
    private final CgroupManager cgroups;
    private final StatusReader statusReader;
    private final Clock clock;
    private final Backoff crashLoop;

    public PodLifecycle(CriRuntime cri, CgroupManager cgroups) {
        this(cri, cgroups, new StatusReader(cri, cgroups), Clock.systemUTC(), StartPlanner.KUBELET_CRASH_LOOP);
    }

    public PodLifecycle(CriRuntime cri, CgroupManager cgroups, Clock clock) {
        this(cri, cgroups, new StatusReader(cri, cgroups), clock, StartPlanner.KUBELET_CRASH_LOOP);
    }

    public PodLifecycle(CriRuntime cri, CgroupManager cgroups, StatusReader statusReader, Clock clock,
            Backoff crashLoop) {
        this.cri = requireNonNull(cri, "cri");
        this.cgroups = requireNonNull(cgroups, "cgroups");
        this.statusReader = requireNonNull(statusReader, "statusReader");
        this.clock = requireNonNull(clock, "clock");
        this.crashLoop = requireNonNull(crashLoop, "crashLoop");
    }

    /**
     * What a start pass did: the pod as it runs now, the values the containers it created run with, and when it must
     * look again for a container waiting out its crash-loop back-off (null: nothing waits).
     */
    public record Progress(RunningPod pod, Map<String, ResourceValues> created, Instant retryAt) {
        public Progress {
            requireNonNull(pod, "pod");
            created = Map.copyOf(created);
        }
    }

    /** The back-off before an exited container is started again. */
    public Backoff crashLoop() {
        return crashLoop;
    }

    public CgroupName podCgroup(PodSpec pod) {
        return cgroups.layout().pod(pod.tier(), pod.uid().value());
    }

    /**
     * Creates the pod cgroup with the pod-level values of {@code allocated}, runs the sandbox, then starts the
     * containers as far as the start order allows ({@link #advance}). If the cgroup or sandbox cannot be made, what
     * was made is torn down and the error rethrown, so the next attempt starts clean.
     */
    public Progress start(PodSpec pod, Map<String, ResourceValues> allocated) {
        CgroupName podCgroup = podCgroup(pod);
        List<ResourceValues> values = pod.containers().stream().map(c -> valuesOf(allocated, c.name())).toList();
        cgroups.create(podCgroup);
        // what a kernel makes at mkdir (a simulated tree has none of it; a real cgroupfs has it all: nothing written)
        cgroups.populateKernelDefaults(podCgroup);
        cgroups.set(podCgroup, PodCgroupConfig.forPod(pod.tier(), values,
                allocated.getOrDefault(PodTarget.POD_LEVEL, ResourceValues.NONE)));
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
        Progress progress;
        try {
            progress = advance(pod, running, allocated, false);
        } catch (RuntimeException e) {
            stopQuietly(running);
            throw e;
        }
        log.info("pod started pod={}/{} uid={} sandbox={} containers={}", pod.namespace(), pod.name(),
                pod.uid(), sandboxId, progress.pod().containers().size());
        return progress;
    }

    /**
     * Starts whatever the start order says may start now, step by step (a container that exits at once is seen at
     * once, and the next one started): returns where the pod stands. {@code allocated} holds the values of the app
     * containers and sidecars; other init containers run with their spec's.
     */
    public Progress advance(PodSpec pod, RunningPod running, Map<String, ResourceValues> allocated) {
        return advance(pod, running, allocated, true);
    }

    /**
     * @param readAppContainers false on the first start, whose caller relists the pod right after: an app container
     *        just created is then not read twice
     */
    private Progress advance(PodSpec pod, RunningPod running, Map<String, ResourceValues> allocated,
            boolean readAppContainers) {
        Map<String, ResourceValues> created = new HashMap<>();
        RunningPod now = withExitCodes(pod, running, allocated);
        int guard = 0;
        while (true) {
            StartPlanner.Step step = StartPlanner.next(pod, now, clock.instant(), crashLoop);
            if (step instanceof StartPlanner.Start s) {
                if (++guard > 4 * (pod.initContainers().size() + pod.containers().size()) + 8) {
                    throw new IllegalStateException("start order did not settle for pod " + pod.namespace() + "/"
                            + pod.name());
                }
                ContainerSpec c = s.container();
                ResourceValues values = pod.containers().contains(c)
                        ? valuesOf(allocated, c.name()) : pod.initResources().get(c.name());
                RunningContainer old = now.container(c.name()).orElse(null);
                if (old != null && !old.containerId().isEmpty()) {
                    stopAndRemove(old.containerId(), pod.terminationGracePeriodSeconds()); // the exited instance; its end is kept as the new one's lastState
                }
                String id = createAndStart(pod, now.sandboxId(), c, s.attempt(), values);
                log.info("container started pod={}/{} container={} attempt={} id={}", pod.namespace(), pod.name(),
                        c.name(), s.attempt(), id);
                if (pod.containers().contains(c)) {
                    created.put(c.name(), values); // an app container or sidecar: its values count as actuated
                }
                if (readAppContainers || old != null || pod.initContainers().contains(c)) {
                    // the next step depends on it: has it exited already (true, exit N), does it run (a sidecar)?
                    now = now.with(statusReader.read(now, c.name(), id, values.memoryRequestBytes()));
                } else {
                    // an app container on the first start: nothing waits for it; the relist after the pass reads it
                    RunningContainer.Termination previous = old == null ? null
                            : old.exited() != null ? old.exited() : old.previous();
                    now = now.with(new RunningContainer(c.name(), id, s.attempt(), "CONTAINER_RUNNING", null, false,
                            null, null, previous, null));
                }
                continue;
            }
            Instant retryAt = null;
            if (step instanceof StartPlanner.WaitBackoff w) {
                retryAt = w.until();
                now = markBackoff(now, w.container(), w.until());
            } else if (step instanceof StartPlanner.Started st && st.nextRestart() != null) {
                retryAt = st.nextRestart();
                now = markBackoff(now, st.waiting(), st.nextRestart());
            } else if (step instanceof StartPlanner.InitFailed f) {
                log.info("init container failed, pod failed (restartPolicy Never) pod={}/{} container={}",
                        pod.namespace(), pod.name(), f.container());
            }
            return new Progress(now, created, retryAt);
        }
    }

    private static RunningPod markBackoff(RunningPod pod, String container, Instant until) {
        return pod.container(container).map(c -> pod.with(c.withBackoffUntil(until))).orElse(pod);
    }

    /** Exited containers whose exit code is not known yet (adopted from a listing) are read once. */
    private RunningPod withExitCodes(PodSpec pod, RunningPod running, Map<String, ResourceValues> allocated) {
        RunningPod out = running;
        for (RunningContainer c : running.containers()) {
            if (c.hasExited() && c.exited() == null) {
                ResourceValues v = allocated.getOrDefault(c.name(), pod.initResources().get(c.name()));
                try {
                    out = out.with(statusReader.read(out, c.name(), c.containerId(), v == null ? 0 : v.memoryRequestBytes()));
                } catch (CriNotFoundException e) {
                    out = new RunningPod(out.uid(), out.sandboxId(), out.podCgroup(),
                            out.containers().stream().filter(x -> !x.name().equals(c.name())).toList());
                }
            }
        }
        return out;
    }

    /**
     * Finds the pod's ready sandbox in the runtime (after an agent restart: the containers kept running)
     * and returns it with the newest running container of each name, so that nothing is created twice.
     * Containers missing from the runtime are returned with an empty id; the next pass recreates them.
     */
    public Optional<RunningPod> adopt(PodSpec pod) {
        List<PodSandbox> sandboxes = cri.listPodSandbox(ListPodSandboxRequest.newBuilder()
                .setFilter(readySandboxes().putLabelSelector(SandboxConfigs.LABEL_POD_UID, pod.uid().value()))
                .build()).getItemsList();
        Optional<PodSandbox> newest = sandboxes.stream().max(Comparator.comparingLong(PodSandbox::getCreatedAt));
        if (newest.isEmpty()) {
            return Optional.empty();
        }
        String sandboxId = newest.get().getId();
        List<Container> containers = cri.listContainers(ListContainersRequest.newBuilder()
                .setFilter(ContainerFilter.newBuilder().setPodSandboxId(sandboxId)).build()).getContainersList();
        return Optional.of(adopted(pod, sandboxId, containers));
    }

    /** {@link #adopt} for many pods with one ListPodSandbox and one ListContainers: the restart path. */
    public Map<PodUid, RunningPod> adoptAll(List<PodSpec> pods) {
        return adoptAll(pods, RuntimeListing.read(cri));
    }

    /** As {@link #adoptAll(List)}, from a listing read at start (shared with the orphan sweep). */
    public Map<PodUid, RunningPod> adoptAll(List<PodSpec> pods, RuntimeListing listing) {
        Map<String, PodSandbox> newestByUid = new HashMap<>();
        for (PodSandbox s : listing.readySandboxes()) {
            String uid = s.getLabelsOrDefault(SandboxConfigs.LABEL_POD_UID, "");
            newestByUid.merge(uid, s, (a, b) -> a.getCreatedAt() >= b.getCreatedAt() ? a : b);
        }
        Map<String, List<Container>> bySandbox = new HashMap<>();
        // every state: an init container that completed must not run again
        for (Container c : listing.containers()) {
            bySandbox.computeIfAbsent(c.getPodSandboxId(), k -> new java.util.ArrayList<>()).add(c);
        }
        // each pod on its own, on every core: at 10,000 pods this was a third of a restart's wait after the listing
        Map<PodUid, RunningPod> out = pods.parallelStream()
                .map(pod -> {
                    PodSandbox s = newestByUid.get(pod.uid().value()); // labels are the wire's strings
                    return s == null ? null : adopted(pod, s.getId(), bySandbox.getOrDefault(s.getId(), List.of()));
                })
                .filter(java.util.Objects::nonNull)
                .collect(java.util.stream.Collectors.toMap(RunningPod::uid, r -> r, (a, b) -> a));
        log.info("pods adopted from the runtime adopted={} of={}", out.size(), pods.size());
        return out;
    }

    private static PodSandboxFilter.Builder readySandboxes() {
        return PodSandboxFilter.newBuilder()
                .setState(PodSandboxStateValue.newBuilder().setState(PodSandboxState.SANDBOX_READY));
    }

    private RunningPod adopted(PodSpec pod, String sandboxId, List<Container> containers) {
        Map<String, Container> byName = new HashMap<>();
        for (Container c : containers) {
            byName.merge(c.getMetadata().getName(), c, (a, b) -> a.getCreatedAt() >= b.getCreatedAt() ? a : b);
        }
        RunningPod running = new RunningPod(pod.uid(), sandboxId, podCgroup(pod), List.of());
        // containers missing from the runtime are left out: the start order creates them on the next pass
        for (ContainerSpec c : java.util.stream.Stream.concat(pod.initContainers().stream(), pod.containers().stream())
                .distinct().toList()) {
            Container found = byName.get(c.name());
            if (found != null) {
                running = running.with(new RunningContainer(c.name(), found.getId(),
                        (int) found.getMetadata().getAttempt(), found.getState().name(), null, false, null));
            }
        }
        log.debug("pod adopted pod={}/{} uid={} sandbox={} containers={}", pod.namespace(), pod.name(),
                pod.uid(), sandboxId, byName.size());
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
     * Stops the containers at once, each with the whole grace period left (the kubelet's {@code killContainersWithSyncResult}
     * stops a pod's containers in parallel: one after the other, the first could use up the grace period the next one
     * needs). Waits for every answer; a container already gone is fine; the first other failure is thrown after all
     * answered (the teardown is retried).
     */
    private void stopTogether(Set<String> containerIds, long timeoutSeconds) {
        long timeout = Math.max(MINIMUM_GRACE_PERIOD_SECONDS, timeoutSeconds);
        Map<String, CompletableFuture<StopContainerResponse>> stops = new LinkedHashMap<>();
        for (String id : containerIds) {
            stops.put(id, cri.stopContainerAsync(StopContainerRequest.newBuilder().setContainerId(id)
                    .setTimeout(timeout).build()));
        }
        RuntimeException first = null;
        for (Map.Entry<String, CompletableFuture<StopContainerResponse>> stop : stops.entrySet()) {
            try {
                stop.getValue().get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof CriNotFoundException) {
                    log.debug("container already gone container={}", stop.getKey());
                } else if (first == null) {
                    first = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while stopping the containers of a pod", e);
            }
        }
        if (first != null) {
            throw first;
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
    public void teardown(PodUid uid, RunningPod known, List<CgroupName> podCgroups, Instant deadline) {
        String label = uid.value();
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
                .setFilter(PodSandboxFilter.newBuilder().putLabelSelector(SandboxConfigs.LABEL_POD_UID, label)
                        .putLabelSelector(SandboxConfigs.LABEL_MANAGED, SandboxConfigs.MANAGED))
                .build()).getItemsList()) {
            sandboxIds.add(s.getId());
        }
        for (Container c : cri.listContainers(ListContainersRequest.newBuilder()
                .setFilter(ContainerFilter.newBuilder().putLabelSelector(SandboxConfigs.LABEL_POD_UID, label)
                        .putLabelSelector(SandboxConfigs.LABEL_MANAGED, SandboxConfigs.MANAGED))
                .build()).getContainersList()) {
            containerIds.add(c.getId());
        }
        stopTogether(containerIds, remainingSeconds(deadline));
        for (String id : containerIds) {
            cri.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
        }
        for (String id : sandboxIds) {
            removeSandbox(id);
        }
        for (CgroupName c : podCgroups) {
            cgroups.removeTreeEverywhere(c);
        }
        log.info("pod torn down uid={} sandboxes={} containers={}", label, sandboxIds.size(), containerIds.size());
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
