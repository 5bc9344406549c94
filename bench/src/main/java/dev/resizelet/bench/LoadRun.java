package dev.resizelet.bench;

import static java.util.Objects.requireNonNull;

import dev.resizelet.bench.AgentAdapter.Observed;
import dev.resizelet.bench.BareBaseline.BarePod;
import dev.resizelet.bench.BareBaseline.BaselineResult;
import dev.resizelet.bench.BareBaseline.ResizeBaseline;
import dev.resizelet.bench.BenchReport.AgentFigures;
import dev.resizelet.bench.BenchReport.Bare;
import dev.resizelet.bench.BenchReport.CriCalls;
import dev.resizelet.bench.BenchReport.Heap;
import dev.resizelet.bench.BenchReport.Restore;
import dev.resizelet.bench.BenchReport.RunInfo;
import dev.resizelet.bench.BenchReport.Saturation;
import dev.resizelet.cgroups.CgroupConfig;
import dev.resizelet.cgroups.CgroupDriver;
import dev.resizelet.cgroups.CgroupVersion;
import dev.resizelet.core.NodeAgent;
import dev.resizelet.core.api.PodEvent;
import dev.resizelet.core.api.PodView;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.store.StatusSnapshot;
import dev.resizelet.cri.CriClientOptions;
import dev.resizelet.cri.CriRuntime;
import dev.resizelet.cri.GrpcRuntimeClient;
import dev.resizelet.cri.v1.ListPodSandboxRequest;
import dev.resizelet.cri.v1.VersionRequest;
import dev.resizelet.fakecri.CriRpc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One harness run: the agent in-process on the fake runtime (served from a child JVM over a Unix socket, cgroup tree
 * on tmpfs) or on a real runtime, N pods of M containers, an idle window (the relist's own CRI calls), a
 * rate-limited resize storm, a closed-loop saturation phase, a restore from the state dir, and the bare-call
 * baselines through the same client to the same runtime.
 *
 * <p>The node's allocatable cpu is 1.6x the pods' base requests, so every UP/DOWN/FITS fits whatever the storm
 * did before; a DEFERRED resize asks 60% of the node for one pod (fits the node, never beside the others), an
 * INFEASIBLE one twice the node.
 */
public final class LoadRun {
    private static final Logger log = LoggerFactory.getLogger(LoadRun.class);
    private static final Duration DRAIN = Duration.ofSeconds(10);
    private static final long TIMELINE_WINDOW_NANOS = 500_000_000L;
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(60);
    private static final long PROGRESS_NANOS = 5_000_000_000L;
    private static final long RESTORE_POLL_MILLIS = 20;
    /** How long the restore waits, after every pod is allocated, for the runtime's reads (then: not reached). */
    private Duration runtimeReadWait() {
        Duration three = o.relist().multipliedBy(3);
        return three.compareTo(Duration.ofSeconds(5)) < 0 ? Duration.ofSeconds(5)
                : three.compareTo(Duration.ofSeconds(30)) > 0 ? Duration.ofSeconds(30) : three;
    }

    private final HarnessOptions o;
    private final List<PodTrack> tracks = new ArrayList<>();
    private final Map<String, PodTrack> byName = new HashMap<>();
    private final Map<String, PodTrack> byContainerId = new ConcurrentHashMap<>();
    // latency recorders: written by the watch and CRI threads, read at the end of a phase
    private final Recorder toDecision = new Recorder(3);
    private final Recorder toActuated = new Recorder(3);
    private final Recorder toVisible = new Recorder(3);
    private final StormTimeline timeline = new StormTimeline(TIMELINE_WINDOW_NANOS);
    private final Map<String, AtomicLong> outcomes = new ConcurrentHashMap<>();
    private final AtomicLong decisions = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private final LongAdder admittedChanged = new LongAdder();
    private final AtomicLong watchRestarts = new AtomicLong();
    private final Map<String, String> load = new LinkedHashMap<>();
    private final long allocatableCpuMilli;
    private final long allocatableMemoryBytes;
    private volatile boolean actuationFromCalls;

    public LoadRun(HarnessOptions options) {
        this.o = requireNonNull(options, "options");
        long baseCpu = (long) o.pods() * o.containers() * ContainerShape.BASE.cpuRequestMilli();
        this.allocatableCpuMilli = baseCpu * 16 / 10;
        this.allocatableMemoryBytes = (long) o.pods() * o.containers() * ContainerShape.BASE.memoryRequestBytes() * 4;
        for (String k : List.of("admitted", "deferred", "infeasible", "superseded", "unfinished", "rejected",
                "unexpected")) {
            outcomes.put(k, new AtomicLong());
        }
    }

    /** Runs every phase and returns the figures; the temp dirs (fake runtime) are removed at the end. */
    public BenchReport run() {
        String startedAt = Instant.now().toString();
        loadAverage("start");
        try (BenchNode node = openNode()) {
            SimNode fake = node.fake();
            String endpoint = node.endpoint();
            CgroupConfig cgroups = node.cgroups();
            Path stateDir = node.stateDir();
            GrpcRuntimeClient client = node.client();
            String runtimeVersion = describe(client);
            if (fake != null) {
                actuationFromCalls = true;
            }
            makeTracks();
            Phases p = new Phases();
            p.heapBefore = HeapProbe.usedAfterGc();
            NodeAgent agent = AgentAdapter.build(client, cgroups, stateDir, allocatableCpuMilli, allocatableMemoryBytes,
                    o.pods() + 10, o.relist());
            p.heapEmptyAgent = HeapProbe.usedAfterGc();
            loadAverage("create");
            createPods(agent, p);

            AtomicReference<AutoCloseable> watch = new AtomicReference<>();
            startWatch(agent, watch);
            if (fake != null) {
                // on from the warm-up: the measured storm then starts with both JVMs' code for it already compiled
                fake.streamUpdates(true, this::onUpdateCall);
            }
            if (!o.warmup().isZero()) {
                loadAverage("warmup");
                storm(agent, p, o.warmup(), o.seed() ^ 0x77a);
                log.info("bench warm-up done requested={} completed={} (not counted)", p.stormRequested, completed.get());
                tracks.forEach(t -> t.pending.set(null)); // what the warm-up left unfinished is not the storm's
            }
            loadAverage("idle");
            Map<CriRpc, Long> idleBefore = fake != null ? fake.callCounts() : Map.of();
            long idleStart = System.nanoTime();
            LockSupport.parkNanos(o.idle().toNanos());
            Map<CriRpc, Long> idleAfter = fake != null ? fake.callCounts() : Map.of();
            double idleSeconds = (System.nanoTime() - idleStart) / 1e9;

            loadAverage("storm");
            Map<CriRpc, Long> callsBefore = fake != null ? fake.callCounts() : Map.of();
            long podListsBefore = fake != null ? fake.podScopedListCalls() : 0;
            long windowStart = System.nanoTime();
            storm(agent, p, o.duration(), o.seed());
            Map<CriRpc, Long> callsAfter = fake != null ? fake.callCounts() : Map.of();
            long podLists = fake != null ? fake.podScopedListCalls() - podListsBefore : 0;
            double windowSeconds = (System.nanoTime() - windowStart) / 1e9;
            if (fake != null) {
                fake.streamUpdates(false, null);
            }
            p.criCalls = fake == null ? CriCalls.notMeasured()
                    : criCalls(diff(idleBefore, idleAfter), idleSeconds, diff(callsBefore, callsAfter), windowSeconds,
                            podLists, p.stormOutcomes.getOrDefault("admitted", 0L));
            loadAverage("saturation");
            saturate(agent, p);
            closeQuietly(watch.getAndSet(null));
            agent.close();
            agent = null;
            tracks.forEach(t -> t.pending.set(null));
            if (o.keepState() != null) {
                replaceTree(stateDir, o.keepState());
                log.info("bench state kept dir={} (for --restore-only)", o.keepState());
            }

            loadAverage("restore");
            CriRuntime restoreClient = usable(client, endpoint);
            p.restore = restore(restoreClient, cgroups, stateDir, fake, false);
            loadAverage("restore-after-crash");
            p.restore = p.restore.withAfterCrash(restore(restoreClient, cgroups, stateDir, fake, true));
            for (int i = 1; i < o.restores(); i++) {
                loadAverage("restore-" + (i + 1));
                restore(restoreClient, cgroups, stateDir, fake, false);
            }

            loadAverage("bare");
            List<String> ids = new ArrayList<>(byContainerId.keySet());
            Collections.sort(ids);
            BaselineResult single = BareBaseline.run(restoreClient, ids, 1, baselineDuration());
            BaselineResult concurrent = BareBaseline.run(restoreClient, ids, o.concurrency(), baselineDuration());
            List<BarePod> pods = barePods(restoreClient);
            boolean sandboxUpdate = BareBaseline.hasSandboxUpdate(restoreClient, pods.get(0));
            ResizeBaseline resizeSingle = BareBaseline.runResizeShaped(restoreClient, pods, sandboxUpdate, 1,
                    baselineDuration());
            ResizeBaseline resizeConcurrent = BareBaseline.runResizeShaped(restoreClient, pods, sandboxUpdate,
                    o.concurrency(), baselineDuration());
            p.runtimeReportsResources = restoreClient.containerStatus(ids.get(0)).getStatus().hasResources();
            restoreClient.close();
            client.close(); // a no-op when it is restoreClient
            loadAverage("end");

            return report(startedAt, runtimeVersion, p, single, concurrent, resizeSingle, resizeConcurrent,
                    sandboxUpdate, fake == null || fake.outOfProcess());
        }
    }

    /**
     * Only the restore phase, on a copy of a state dir kept by an earlier run ({@code --keep-state}): the runtime is
     * first given the pods (an agent started on the copy starts them, then closes) unless it already runs them (a
     * fake runtime kept alive between runs, given with {@code --cri-endpoint}). Each timed restore starts from a
     * fresh copy of the kept dir. Returns the figures as text.
     */
    public String restoreOnly() {
        loadAverage("start");
        try (BenchNode node = openNode()) {
            SimNode fake = node.fake();
            String endpoint = node.endpoint();
            CgroupConfig cgroups = node.cgroups();
            Path stateDir = node.stateDir();
            GrpcRuntimeClient client = node.client();
            String runtimeVersion = describe(client);
            makeTracks();
            freshCopy(stateDir);
            int sandboxes = client.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsCount();
            if (sandboxes < o.pods()) {
                loadAverage("seed");
                long t0 = System.nanoTime();
                log.info("bench restore-only: the runtime has {} sandboxes; starting the kept {} pods", sandboxes,
                        o.pods());
                // without the kept statuses: they show every pod running at once, and the seed would stop while it
                // still starts them (each timed restore takes a fresh copy with the snapshot again)
                try {
                    Files.deleteIfExists(stateDir.resolve(StatusSnapshot.FILE));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                try (NodeAgent seed = AgentAdapter.build(client, cgroups, stateDir, allocatableCpuMilli,
                        allocatableMemoryBytes, o.pods() + 10, o.relist())) {
                    awaitAll(seed, READY_TIMEOUT, "the kept pods running", t0);
                }
                log.info("bench restore-only: runtime seeded seconds={}", secondsSince(t0));
            }
            StringBuilder out = new StringBuilder();
            out.append("restore-only: ").append(o.pods()).append(" pods x ").append(o.containers())
                    .append(" containers, state ").append(o.restoreOnly()).append(", runtime ").append(runtimeVersion)
                    .append('\n');
            for (int i = 0; i < o.restores(); i++) {
                freshCopy(stateDir);
                loadAverage("restore-" + (i + 1));
                Restore r = restore(usable(client, endpoint), cgroups, stateDir, fake, false);
                out.append(String.format("restore %d: ready %.3f s, allocated %.3f s, runtime-read %.3f s; CPU of "
                        + "this JVM to ready %.3f s, to allocated %.3f s (reads %d, load %s)%n", i + 1, r.readySeconds(),
                        r.allocatedSeconds(), r.runtimeReadSeconds(), lastRestoreCpuReady, lastRestoreCpuAllocated,
                        r.statusReadContainers(), load.get("restore-" + (i + 1))));
            }
            client.close();
            return out.toString();
        }
    }

    // CPU this JVM (agent and harness) spent from the last restore's build start to ready and to allocated: the work,
    // apart from how long other processes kept it waiting for a core
    private double lastRestoreCpuReady = -1;
    private double lastRestoreCpuAllocated = -1;

    private static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
    }

    private void makeTracks() {
        for (int i = 0; i < o.pods(); i++) {
            String name = String.format("p%05d", i);
            PodTrack t = new PodTrack(i, name, UUID.nameUUIDFromBytes(name.getBytes()).toString(), o.containers());
            tracks.add(t);
            byName.put(t.name, t);
        }
    }

    /** {@code stateDir} emptied and filled with a copy of the kept state dir. */
    private void freshCopy(Path stateDir) {
        replaceTree(o.restoreOnly(), stateDir);
    }

    /**
     * The node a run talks to: the fake runtime (its cgroup tree and state dir in its temp dir) or the runtime at
     * {@code --cri-endpoint} (a scratch dir for the state, cgroups under {@code --cgroup-root}). Closing it stops the
     * fake runtime or removes the scratch dir; the client is the caller's to close.
     */
    private record BenchNode(SimNode fake, Path scratch, String endpoint, CgroupConfig cgroups, Path stateDir,
            GrpcRuntimeClient client) implements AutoCloseable {
        @Override
        public void close() {
            if (fake != null) {
                fake.close();
            } else {
                FakeNode.deleteTree(scratch);
            }
        }
    }

    private BenchNode openNode() {
        SimNode fake = !o.fakeRuntime() ? null
                : o.fakeInProcess() ? FakeNode.start(o.stateOnTmpfs()) : ChildFakeNode.start(o.stateOnTmpfs(), o.fakeHeap());
        Path scratch = fake != null ? null : tempDir();
        try {
            String endpoint = fake != null ? fake.endpoint() : o.criEndpoint();
            CgroupConfig cgroups = fake != null ? fake.cgroups()
                    : new CgroupConfig(o.cgroupRoot(), "rzbench" + Long.toHexString(o.seed() & 0xffff),
                            CgroupVersion.V1, CgroupDriver.CGROUPFS);
            Path stateDir = fake != null ? fake.stateDir() : scratch.resolve("state");
            GrpcRuntimeClient client = GrpcRuntimeClient.connect(endpoint,
                    CriClientOptions.defaults().withRequestTimeout(Duration.ofSeconds(30)));
            return new BenchNode(fake, scratch, endpoint, cgroups, stateDir, client);
        } catch (RuntimeException e) {
            new BenchNode(fake, scratch, null, null, null, null).close();
            throw e;
        }
    }

    /** {@code to} emptied and filled with a copy of {@code from}. */
    private static void replaceTree(Path from, Path to) {
        if (Files.exists(to)) {
            FakeNode.deleteTree(to);
        }
        copyTree(from, to);
    }

    private static void copyTree(Path from, Path to) {
        try (var paths = Files.walk(from)) {
            for (Path src : (Iterable<Path>) paths::iterator) {
                Path dst = to.resolve(from.relativize(src).toString());
                if (Files.isDirectory(src)) {
                    Files.createDirectories(dst);
                } else {
                    Files.copy(src, dst, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + from + " to " + to, e);
        }
    }

    // ------------------------------------------------------------------ phases

    /** Mutable scratch of one run; only the run's thread writes it. */
    private static final class Phases {
        long heapBefore;
        long heapEmptyAgent;
        long heapWithPods;
        double createSeconds;
        long stormRequested;
        double stormSeconds;
        long stormDecisions;
        long stormCompleted;
        Histogram decisionHist;
        Histogram actuatedHist;
        Histogram visibleHist;
        List<StormTimeline.Window> visibleBySendTime = List.of();
        Map<String, Long> stormOutcomes;
        CriCalls criCalls;
        long saturationCompleted;
        long saturationNeededCalls;
        double saturationSeconds;
        Histogram saturationHist;
        Restore restore;
        boolean runtimeReportsResources;
        boolean sandboxUpdate;
    }

    /**
     * Creates the pods from {@code createThreads} threads at once (each create returns once durable; the store
     * group-commits concurrent ones), with a progress line every 5 s, then waits until all run with status resources.
     * The heap is probed before the harness maps container ids (its own strings).
     */
    private void createPods(NodeAgent agent, Phases p) {
        long t0 = System.nanoTime();
        AtomicInteger next = new AtomicInteger();
        AtomicInteger created = new AtomicInteger();
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        List<Thread> creators = new ArrayList<>();
        for (int c = 0; c < o.createThreads(); c++) {
            Thread th = new Thread(() -> {
                int i;
                while ((i = next.getAndIncrement()) < tracks.size() && failure.get() == null) {
                    PodTrack t = tracks.get(i);
                    try {
                        agent.create(AgentAdapter.pod(t.name, t.uid, o.image(), t.expected));
                        created.incrementAndGet();
                    } catch (RuntimeException e) {
                        failure.compareAndSet(null, e);
                    }
                }
            }, "bench-create-" + c);
            th.setDaemon(true);
            creators.add(th);
            th.start();
        }
        long nextProgress = t0 + PROGRESS_NANOS;
        for (Thread th : creators) {
            while (th.isAlive()) {
                join(th, 200);
                if (System.nanoTime() > nextProgress) {
                    log.info("bench creating pods created={}/{} seconds={}", created.get(), o.pods(),
                            secondsSince(t0));
                    nextProgress += PROGRESS_NANOS;
                }
            }
        }
        if (failure.get() != null) {
            throw new IllegalStateException("creating pods failed: " + failure.get().getMessage(), failure.get());
        }
        log.info("bench pods created pods={} seconds={}; waiting until all run", o.pods(), secondsSince(t0));
        awaitAll(agent, READY_TIMEOUT, "created pods running with status resources", t0);
        p.createSeconds = secondsSince(t0);
        p.heapWithPods = HeapProbe.usedAfterGc();
        for (PodView v : agent.list(AgentAdapter.NAMESPACE)) {
            Observed ob = AgentAdapter.observe(v);
            PodTrack t = byName.get(v.spec().name());
            String[] ids = ob.containerIds();
            for (int i = 0; i < ids.length; i++) {
                t.containerIds[i] = ids[i];
                byContainerId.put(ids[i], t);
            }
        }
        log.info("bench pods running pods={} containers={} seconds={}", o.pods(), o.containers(), p.createSeconds);
    }

    /** Waits until every pod is listed running with status resources, with a progress line every 5 s. */
    private int awaitAll(NodeAgent agent, Duration timeout, String what, long t0) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long nextProgress = System.nanoTime() + PROGRESS_NANOS;
        while (true) {
            List<PodView> all = agent.ready() ? agent.list(AgentAdapter.NAMESPACE) : List.of();
            long running = all.stream().filter(v -> AgentAdapter.observe(v).running()).count();
            if (all.size() == o.pods() && running == o.pods()) {
                return all.size();
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + timeout + " waiting for " + what + ": "
                        + all.size() + " of " + o.pods() + " pods listed, " + running + " running");
            }
            if (System.nanoTime() > nextProgress) {
                log.info("bench waiting for {}: listed={} running={}/{} seconds={}", what, all.size(), running,
                        o.pods(), secondsSince(t0));
                nextProgress += PROGRESS_NANOS;
            }
            // listing every pod costs the agent's CPU too: at 10,000 pods look once a second
            LockSupport.parkNanos(o.pods() >= 5000 ? 1_000_000_000L : o.pods() >= 500 ? 100_000_000L : 10_000_000L);
        }
    }

    /** Watches every pod; a watch the agent closes (the harness fell behind) is re-opened after a list. */
    private void startWatch(NodeAgent agent, AtomicReference<AutoCloseable> holder) {
        long rv = agent.resourceVersion();
        AutoCloseable w = agent.watch(AgentAdapter.NAMESPACE, rv, this::onEvent, () -> {
            watchRestarts.incrementAndGet();
            log.warn("bench watch closed by the agent (too slow): re-listing and watching again");
            Thread th = new Thread(() -> {
                if (holder.get() == null || !agent.ready()) {
                    return;
                }
                long now = agent.resourceVersion();
                for (PodView v : agent.list(AgentAdapter.NAMESPACE)) {
                    onEvent(new PodEvent(PodEvent.Type.MODIFIED, v));
                }
                rewatch(agent, holder, now);
            }, "bench-rewatch");
            th.setDaemon(true);
            th.start();
        });
        holder.set(w);
    }

    private void rewatch(NodeAgent agent, AtomicReference<AutoCloseable> holder, long rv) {
        try {
            AutoCloseable w = agent.watch(AgentAdapter.NAMESPACE, rv, this::onEvent, () -> {
                watchRestarts.incrementAndGet();
                Thread th = new Thread(() -> {
                    if (holder.get() == null || !agent.ready()) {
                        return;
                    }
                    long now = agent.resourceVersion();
                    for (PodView v : agent.list(AgentAdapter.NAMESPACE)) {
                        onEvent(new PodEvent(PodEvent.Type.MODIFIED, v));
                    }
                    rewatch(agent, holder, now);
                }, "bench-rewatch");
                th.setDaemon(true);
                th.start();
            });
            AutoCloseable old = holder.getAndSet(w);
            if (old == null) {
                holder.set(null);
                closeQuietly(w);
            }
        } catch (RuntimeException e) {
            log.warn("bench cannot watch again error={}", e.toString());
        }
    }

    /** The rate-limited storm: one resize every 1/rate s, round robin over the pods, kinds from the mix. */
    private void storm(NodeAgent agent, Phases p, Duration duration, long seed) {
        resetCounters();
        SplittableRandom random = new SplittableRandom(seed);
        ExecutorService senders = Executors.newFixedThreadPool(o.senders(), daemon("bench-sender"));
        long intervalNanos = (long) (1e9 / o.rate());
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        timeline.reset(start);
        long i = 0;
        for (long at = start; at < end; at = start + (++i) * intervalNanos) {
            long wait = at - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            PodTrack t = tracks.get((int) (i % tracks.size()));
            ResizeKind kind = o.mix().pick(random);
            Pending pending;
            Pod spec;
            synchronized (t) {
                pending = t.plan(kind, at, allocatableCpuMilli);
                spec = AgentAdapter.pod(t.name, t.uid, o.image(), pending.target);
            }
            Pending old = t.pending.getAndSet(pending);
            if (old != null && !old.done()) {
                outcomes.get("superseded").incrementAndGet();
            }
            senders.execute(() -> send(agent, t, pending, spec));
        }
        p.stormRequested = i;
        p.stormSeconds = (System.nanoTime() - start) / 1e9;
        shutdown(senders);
        long drainEnd = System.nanoTime() + DRAIN.toNanos();
        while (System.nanoTime() < drainEnd && tracks.stream().anyMatch(PodTrack::undecided)) {
            LockSupport.parkNanos(2_000_000L);
        }
        long unfinished = tracks.stream().filter(PodTrack::undecided).count();
        outcomes.get("unfinished").addAndGet(unfinished);
        tracks.stream().filter(PodTrack::undecided).limit(10).forEach(t -> log.info(
                "bench unfinished pod={} kind={} target={} status={}", t.name, t.pending.get().kind,
                t.pending.get().target,
                agent.get(AgentAdapter.NAMESPACE, t.name).map(v -> v.status().toString()).orElse("gone")));
        p.stormDecisions = decisions.get();
        p.stormCompleted = completed.get();
        p.decisionHist = toDecision.getIntervalHistogram();
        p.actuatedHist = toActuated.getIntervalHistogram();
        p.visibleHist = toVisible.getIntervalHistogram();
        p.visibleBySendTime = timeline.windows();
        for (StormTimeline.Window w : p.visibleBySendTime) {
            log.info("bench storm window sent={}s visible={} p50={}ms p99={}ms max={}ms", w.startSeconds(), w.count(),
                    Math.round(w.p50Ms() * 10) / 10.0, Math.round(w.p99Ms() * 10) / 10.0, Math.round(w.maxMs()));
        }
        Map<String, Long> snapshot = new LinkedHashMap<>();
        outcomes.forEach((k, v) -> snapshot.put(k, v.get()));
        p.stormOutcomes = snapshot;
        log.info("bench storm done requested={} decisions={} completed={} unfinished={} watchRestarts={}",
                p.stormRequested, p.stormDecisions, p.stormCompleted, unfinished, watchRestarts.get());
    }

    private void send(NodeAgent agent, PodTrack t, Pending pending, Pod spec) {
        try {
            AgentAdapter.update(agent, spec);
        } catch (RuntimeException e) {
            if (pending.finish()) {
                outcomes.get("rejected").incrementAndGet();
                log.warn("bench resize rejected pod={} kind={} error={}", t.name, pending.kind, e.getMessage());
            }
        }
    }

    /**
     * Closed loop: {@code concurrency} workers, each sends a resize and waits until status shows it. Counts, per
     * completed resize, the calls it minimally needs (2 per changed container, +1 sandbox update where the runtime
     * has it; whether it has it is probed in the bare phase, so the calls are summed by changed containers here).
     */
    private void saturate(NodeAgent agent, Phases p) {
        if (o.saturation().isZero()) {
            p.saturationHist = LatencyStats.newHistogram();
            return;
        }
        Histogram hist = LatencyStats.newHistogram();
        AtomicInteger nextPod = new AtomicInteger();
        AtomicLong done = new AtomicLong();
        AtomicLong changedContainers = new AtomicLong();
        long start = System.nanoTime();
        long end = start + o.saturation().toNanos();
        List<Thread> workers = new ArrayList<>();
        SplittableRandom seeds = new SplittableRandom(o.seed() ^ 0x5a7);
        for (int w = 0; w < o.concurrency(); w++) {
            SplittableRandom random = seeds.split();
            Thread th = new Thread(() -> {
                Histogram mine = LatencyStats.newHistogram();
                while (System.nanoTime() < end) {
                    PodTrack t = tracks.get(Math.floorMod(nextPod.getAndIncrement(), tracks.size()));
                    ResizeKind kind = switch (random.nextInt(3)) {
                        case 0 -> ResizeKind.UP;
                        case 1 -> ResizeKind.DOWN;
                        default -> ResizeKind.FITS;
                    };
                    Pending pending;
                    Pod spec;
                    synchronized (t) {
                        Pending old = t.pending.get();
                        if (old != null && !old.done()) {
                            continue; // still in flight from another worker: take the next pod
                        }
                        pending = t.plan(kind, System.nanoTime(), allocatableCpuMilli);
                        spec = AgentAdapter.pod(t.name, t.uid, o.image(), pending.target);
                        t.pending.set(pending);
                    }
                    // parked until the watch event that finishes the resize unparks it: a waiter polling every
                    // 50 µs took CPU from the agent that the bare baseline's threads (blocked in the call) never take
                    pending.waiter = Thread.currentThread();
                    send(agent, t, pending, spec);
                    long deadline = System.nanoTime() + DRAIN.toNanos();
                    for (long left = DRAIN.toNanos(); !pending.visible && !pending.done() && left > 0;
                            left = deadline - System.nanoTime()) {
                        LockSupport.parkNanos(pending, left);
                    }
                    if (pending.visible) {
                        mine.recordValue(Math.max(1_000L, pending.visibleAt - pending.requestNanos));
                        done.incrementAndGet();
                        changedContainers.addAndGet(pending.changed);
                    }
                }
                synchronized (hist) {
                    hist.add(mine);
                }
            }, "bench-saturation-" + w);
            th.setDaemon(true);
            workers.add(th);
            th.start();
        }
        for (Thread th : workers) {
            join(th, 0);
        }
        p.saturationSeconds = (System.nanoTime() - start) / 1e9;
        p.saturationCompleted = done.get();
        p.saturationNeededCalls = changedContainers.get(); // × 2 (+ sandbox) in report(), once probed
        p.saturationHist = hist;
        toDecision.reset();
        toActuated.reset();
        toVisible.reset();
    }

    /**
     * A new agent on the same state dir and the runtime that kept the pods. Timed from {@code build()} start: until it
     * returns (ready), until every pod is listed with allocatedResources, and until every pod is listed running with
     * status resources and the runtime has answered a ContainerStatus for each of its containers since the start
     * (the fake runtime counts them; a real runtime: running with status resources). {@code afterCrash}: the statuses
     * the last agent's clean stop left are removed first, as a {@code kill -9} leaves none.
     */
    private Restore restore(CriRuntime client, CgroupConfig cgroups, Path stateDir, SimNode fake, boolean afterCrash) {
        if (afterCrash) {
            try {
                Files.deleteIfExists(stateDir.resolve(StatusSnapshot.FILE));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        boolean statusesKept;
        if (fake != null) {
            fake.markStatusReads();
        }
        int wantReads = o.pods() * o.containers();
        long cpu0 = processCpuNanos();
        long t0 = System.nanoTime();
        double readySeconds;
        double allocatedSeconds = -1;
        double runtimeSeconds = -1;
        int reads = 0;
        long pollCost = 0;
        int polls = 0;
        try (NodeAgent agent = AgentAdapter.build(client, cgroups, stateDir, allocatableCpuMilli,
                allocatableMemoryBytes, o.pods() + 10, o.relist())) {
            readySeconds = secondsSince(t0);
            lastRestoreCpuReady = (processCpuNanos() - cpu0) / 1e9;
            statusesKept = agent.startedFromStatusSnapshot();
            log.info("bench restore: agent ready pods={} seconds={} cpuSeconds={}", o.pods(), readySeconds,
                    lastRestoreCpuReady);
            long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
            long nextProgress = System.nanoTime() + PROGRESS_NANOS;
            long pollNanos = RESTORE_POLL_MILLIS * 1_000_000L;
            boolean[] allocatedSeen = new boolean[tracks.size()];
            boolean[] runningSeen = new boolean[tracks.size()];
            int allocated = 0;
            int running = 0;
            while (runtimeSeconds < 0) {
                long pollStart = System.nanoTime();
                // each pod is looked up (a get, as a client would) until it shows what is waited for, then no more:
                // a full list of 10,000 pods per look would take the agent's CPU for the whole wait
                for (int i = 0; i < tracks.size(); i++) {
                    if (allocatedSeen[i] && runningSeen[i]) {
                        continue;
                    }
                    PodView v = agent.get(AgentAdapter.NAMESPACE, tracks.get(i).name).orElse(null);
                    if (v == null) {
                        continue;
                    }
                    Observed ob = AgentAdapter.observe(v);
                    if (!allocatedSeen[i] && ob.allAllocated()) {
                        allocatedSeen[i] = true;
                        allocated++;
                    }
                    if (!runningSeen[i] && ob.running()) {
                        runningSeen[i] = true;
                        running++;
                    }
                }
                if (allocatedSeconds < 0 && allocated == o.pods()) {
                    allocatedSeconds = secondsSince(t0);
                    lastRestoreCpuAllocated = (processCpuNanos() - cpu0) / 1e9;
                }
                if (running == o.pods() && allocatedSeconds >= 0 && fake == null && statusesKept) {
                    // a real runtime counts no reads, and the kept statuses already show every pod running with
                    // resources: nothing here tells when the agent read the runtime back (-1: not measured)
                    break;
                }
                if (running == o.pods()) {
                    reads = fake != null ? fake.statusReadContainers() : wantReads;
                    if (reads >= wantReads) {
                        runtimeSeconds = secondsSince(t0);
                        break;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("restore: timed out with " + allocated + " pods allocated, "
                            + running + " running");
                }
                if (allocatedSeconds >= 0 && secondsSince(t0) > allocatedSeconds + runtimeReadWait().toSeconds()) {
                    reads = fake != null ? fake.statusReadContainers() : 0;
                    log.warn("bench restore: the runtime answered ContainerStatus for {} of {} containers within {} "
                            + "after every pod was allocated: status resources are not the runtime's read-back",
                            reads, wantReads, runtimeReadWait());
                    break;
                }
                if (System.nanoTime() > nextProgress) {
                    log.info("bench restore: allocated={} running={}/{} statusReads={}/{} seconds={}",
                            allocated, running, o.pods(), fake != null ? fake.statusReadContainers() : -1,
                            wantReads, secondsSince(t0));
                    nextProgress += PROGRESS_NANOS;
                }
                // a look at every pod takes CPU from the agent: wait at least as long as the look took
                long took = System.nanoTime() - pollStart;
                pollCost += took;
                polls++;
                LockSupport.parkNanos(Math.max(pollNanos, took));
            }
        }
        log.info("bench restore done pods={} statusesKept={} ready={}s allocated={}s runtimeRead={}s cpuToReady={}s "
                + "cpuToAllocated={}s (this JVM: agent and harness)", o.pods(), statusesKept, readySeconds,
                allocatedSeconds, runtimeSeconds, lastRestoreCpuReady, lastRestoreCpuAllocated);
        return new Restore(o.pods(), readySeconds, allocatedSeconds, runtimeSeconds, reads, RESTORE_POLL_MILLIS,
                polls == 0 ? 0 : pollCost / polls / 1e6, statusesKept, null);
    }

    // ------------------------------------------------------------------ observation

    private void onEvent(PodEvent event) {
        if (event.type() == PodEvent.Type.DELETED) {
            return;
        }
        PodTrack t = byName.get(event.pod().spec().name());
        if (t == null) {
            return;
        }
        Pending p = t.pending.get();
        if (p == null || p.done()) {
            return;
        }
        long now = System.nanoTime();
        Observed ob = AgentAdapter.observe(event.pod());
        if (p.kind.admitted()) {
            if (ob.showsAllocated(p.target) && p.decide()) {
                toDecision.recordValue(Math.max(1_000L, now - p.requestNanos));
                decisions.incrementAndGet();
                outcomes.get("admitted").incrementAndGet();
                admittedChanged.add(p.changed);
            }
            if (!actuationFromCalls && ob.showsAllocated(p.target) && !ob.inProgress() && p.actuate()) {
                toActuated.recordValue(Math.max(1_000L, now - p.requestNanos));
            }
            if (ob.showsActual(p.target) && p.finish()) {
                p.visibleAt = now;
                p.visible = true;
                toVisible.recordValue(Math.max(1_000L, now - p.requestNanos));
                timeline.record(p.requestNanos, now - p.requestNanos);
                completed.incrementAndGet();
                p.wakeWaiter();
            }
        } else if (ob.pendingReason() != null || ob.showsAllocated(p.target)) {
            // decided: pending with a reason, or admitted after all (room the harness did not expect was free)
            String expected = p.kind == ResizeKind.DEFERRED ? "Deferred" : "Infeasible";
            if (p.decide() && p.finish()) {
                toDecision.recordValue(Math.max(1_000L, now - p.requestNanos));
                decisions.incrementAndGet();
                outcomes.get(expected.equals(ob.pendingReason()) ? p.kind.flagName() : "unexpected").incrementAndGet();
                p.wakeWaiter();
            }
        }
    }

    /** Fake runtime: the last UpdateContainerResources of a resize carrying the new values marks it actuated. */
    private void onUpdateCall(long nanoTime, String containerId, long shares, long quota, long memory) {
        PodTrack t = byContainerId.get(containerId);
        if (t == null) {
            return;
        }
        Pending p = t.pending.get();
        if (p == null || !p.kind.admitted()) {
            return;
        }
        int index = t.containerIndex(containerId);
        if (index >= 0 && p.target.get(index).matches(shares, quota, memory) && p.markContainer(index)) {
            toActuated.recordValue(Math.max(1_000L, nanoTime - p.requestNanos));
        }
    }

    // ------------------------------------------------------------------ per pod state

    /** One pod of the storm. {@code level}/{@code wide}/{@code expected} are guarded by the track's monitor. */
    private final class PodTrack {
        final int index;
        final String name;
        final String uid;
        final int containers;
        final AtomicReference<Pending> pending = new AtomicReference<>();
        final String[] containerIds;
        /** The shapes the node should run once every admitted resize sent so far is enacted. */
        List<ContainerShape> expected;
        int level;
        boolean wide;
        boolean hogNudged;

        PodTrack(int index, String name, String uid, int containers) {
            this.index = index;
            this.name = name;
            this.uid = uid;
            this.containers = containers;
            this.containerIds = new String[containers];
            this.expected = Collections.nCopies(containers, ContainerShape.at(0, false));
        }

        int containerIndex(String id) {
            for (int i = 0; i < containers; i++) {
                if (id.equals(containerIds[i])) {
                    return i;
                }
            }
            return -1;
        }

        /** Whether the pod's last resize is still in flight. */
        boolean undecided() {
            Pending q = pending.get();
            return q != null && !q.done();
        }

        /** 0 and 1 by turns: a hog's size alternates, so no hog repeats the spec sent before it (no change). */
        private int nudgeHog() {
            hogNudged = !hogNudged;
            return hogNudged ? 1 : 0;
        }

        /** Picks the next shapes for {@code kind} and moves the pod's level (UP at the top becomes DOWN). */
        Pending plan(ResizeKind kind, long requestNanos, long nodeCpuMilli) {
            ResizeKind k = kind;
            if (k == ResizeKind.UP && level == ContainerShape.MAX_LEVEL) {
                k = ResizeKind.DOWN;
            } else if (k == ResizeKind.DOWN && level == 0) {
                k = ResizeKind.UP;
            }
            List<ContainerShape> target;
            switch (k) {
                case UP -> {
                    level++;
                    target = Collections.nCopies(containers, ContainerShape.at(level, wide));
                }
                case DOWN -> {
                    level--;
                    target = Collections.nCopies(containers, ContainerShape.at(level, wide));
                }
                case FITS -> {
                    wide = !wide;
                    target = Collections.nCopies(containers, ContainerShape.at(level, wide));
                }
                // a hog alternates between two sizes 1m apart: the same spec sent twice is no change (no new
                // generation, no new status, nothing to wait for), as against an apiserver
                case DEFERRED -> target = Collections.nCopies(containers,
                        ContainerShape.cpuHog(Math.max(1, nodeCpuMilli * 6 / 10 / containers) + nudgeHog()));
                case INFEASIBLE -> target = Collections.nCopies(containers,
                        ContainerShape.cpuHog(nodeCpuMilli * 2 / containers + 1 + nudgeHog()));
                default -> throw new AssertionError(k);
            }
            int changed = 0;
            if (k.admitted()) {
                for (int i = 0; i < containers; i++) {
                    if (!target.get(i).equals(expected.get(i))) {
                        changed++;
                    }
                }
                expected = target;
            }
            return new Pending(k, requestNanos, target, changed);
        }
    }

    /** One resize in flight; each milestone is claimed once (the CAS methods say whether this caller won). */
    private static final class Pending {
        final ResizeKind kind;
        final long requestNanos;
        final List<ContainerShape> target;
        /** Containers whose values this resize changes (against the last admitted-kind spec the harness sent). */
        final int changed;
        private final AtomicInteger state = new AtomicInteger(); // bit 0 decided, 1 actuated, 2 finished
        private final AtomicInteger containersSeen = new AtomicInteger();
        volatile boolean visible;
        volatile long visibleAt;
        /** A saturation worker parked until this resize is done (null: nobody waits). */
        volatile Thread waiter;

        Pending(ResizeKind kind, long requestNanos, List<ContainerShape> target, int changed) {
            this.kind = kind;
            this.requestNanos = requestNanos;
            this.target = List.copyOf(target);
            this.changed = changed;
        }

        boolean decide() {
            return claim(1);
        }

        boolean actuate() {
            return claim(2);
        }

        boolean finish() {
            return claim(4);
        }

        /** Called by whoever finished it, after {@code visible} is set. */
        void wakeWaiter() {
            Thread w = waiter;
            if (w != null) {
                LockSupport.unpark(w);
            }
        }

        boolean done() {
            return (state.get() & 4) != 0;
        }

        /** True when this call saw the last container of the pod updated (then the resize counts as actuated). */
        boolean markContainer(int index) {
            int bit = 1 << index;
            int all = (1 << target.size()) - 1;
            int now = containersSeen.accumulateAndGet(bit, (a, b) -> a | b);
            return now == all && actuate();
        }

        private boolean claim(int bit) {
            while (true) {
                int s = state.get();
                if ((s & bit) != 0) {
                    return false;
                }
                if (state.compareAndSet(s, s | bit)) {
                    return true;
                }
            }
        }
    }

    private void resetCounters() {
        toDecision.reset();
        toActuated.reset();
        toVisible.reset();
        decisions.set(0);
        completed.set(0);
        admittedChanged.reset();
        outcomes.values().forEach(v -> v.set(0));
    }

    // ------------------------------------------------------------------ report

    private CriCalls criCalls(Map<String, Long> idle, double idleSeconds, Map<String, Long> storm,
            double windowSeconds, long podLists, long admitted) {
        Map<String, Double> relistRate = new LinkedHashMap<>();
        idle.forEach((rpc, n) -> relistRate.put(rpc, n / idleSeconds));
        long all = storm.values().stream().mapToLong(Long::longValue).sum();
        long lists = storm.getOrDefault(CriRpc.LIST_CONTAINERS.methodName(), 0L);
        long updates = storm.getOrDefault(CriRpc.UPDATE_CONTAINER_RESOURCES.methodName(), 0L);
        long status = storm.getOrDefault(CriRpc.CONTAINER_STATUS.methodName(), 0L);
        // a refresh is one pod-scoped ListContainers and one ContainerStatus per container; node-wide lists are relists
        long refreshStatus = Math.min(status, podLists * o.containers());
        long relist = lists + refreshStatus;
        double n = Math.max(1, admitted);
        return new CriCalls(true, windowSeconds, storm, relistRate, idleSeconds, podLists, admitted,
                admitted == 0 ? 0 : admittedChanged.sum() / n, all / n, Math.max(0, all - relist) / n, updates / n,
                status / n, (status - refreshStatus) / n);
    }

    private BenchReport report(String startedAt, String runtimeVersion, Phases p, BaselineResult single,
            BaselineResult concurrent, ResizeBaseline resizeSingle, ResizeBaseline resizeConcurrent,
            boolean sandboxUpdate, boolean agentOnlyHeap) {
        double completedPerSecond = p.saturationSeconds > 0 ? p.saturationCompleted / p.saturationSeconds : 0;
        double neededCalls = 2.0 * p.saturationNeededCalls + (sandboxUpdate ? p.saturationCompleted : 0);
        double neededPerResize = p.saturationCompleted > 0 ? neededCalls / p.saturationCompleted : 0;
        Saturation saturation = new Saturation(p.saturationCompleted, p.saturationSeconds, completedPerSecond,
                neededPerResize, p.saturationSeconds > 0 ? neededCalls / p.saturationSeconds : 0);
        Heap heap = new Heap(agentOnlyHeap, p.heapBefore, p.heapEmptyAgent, p.heapWithPods,
                (p.heapWithPods - p.heapEmptyAgent) / o.pods());
        AgentFigures agent = new AgentFigures(p.createSeconds, p.stormRequested, p.stormDecisions / p.stormSeconds,
                p.stormCompleted / p.stormSeconds, p.stormOutcomes, LatencyStats.of(p.decisionHist),
                LatencyStats.of(p.actuatedHist), LatencyStats.of(p.visibleHist), LatencyStats.of(p.saturationHist),
                p.visibleBySendTime, p.criCalls, saturation, heap, p.restore, watchRestarts.get());
        String where = o.fakeRuntime()
                ? "fake-cri (unix socket, " + (o.fakeInProcess() ? "in the harness JVM" : "child JVM") + ")"
                : o.criEndpoint();
        RunInfo run = new RunInfo(where + ", state dir on " + (o.stateOnTmpfs() && o.fakeRuntime() ? "tmpfs" : "disk")
                + ", relist " + o.relist().toMillis() + " ms", runtimeVersion
                + (p.runtimeReportsResources ? "" : "; reports no resources in ContainerStatus")
                + (sandboxUpdate ? "; has UpdatePodSandboxResources" : "; no UpdatePodSandboxResources"),
                o.pods(), o.containers(), o.rate(), p.stormSeconds, p.saturationSeconds, o.concurrency(),
                o.mix().toString(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"), startedAt,
                o.senders(), o.fakeRuntime(), !(o.stateOnTmpfs() && o.fakeRuntime()), o.relist().toMillis() / 1000.0, load,
                o.warmup().toMillis() / 1000.0);
        Map<String, Double> micro = Map.of();
        if (o.micro()) {
            loadAverage("jmh");
            micro = Microbenchmarks.runAdmission();
            loadAverage("jmh end");
        }
        return Targets.evaluate(run, agent, new Bare(single, concurrent, resizeSingle, resizeConcurrent), micro,
                p.runtimeReportsResources);
    }

    // ------------------------------------------------------------------ helpers

    private static Map<String, Long> diff(Map<CriRpc, Long> before, Map<CriRpc, Long> after) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Map.Entry<CriRpc, Long> e : after.entrySet()) {
            long n = e.getValue() - before.getOrDefault(e.getKey(), 0L);
            if (n > 0) {
                out.put(e.getKey().methodName(), n);
            }
        }
        return out;
    }

    /** Each pod's containers and sandbox (by a bare node-wide ListPodSandbox, matched on the pod's uid). */
    private List<BarePod> barePods(CriRuntime client) {
        Map<String, String> sandboxByUid = new HashMap<>();
        for (var s : client.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
            sandboxByUid.put(s.getMetadata().getUid(), s.getId());
        }
        List<BarePod> pods = new ArrayList<>();
        for (PodTrack t : tracks) {
            if (t.containerIds[0] != null) {
                pods.add(new BarePod(List.of(t.containerIds), sandboxByUid.get(t.uid)));
            }
        }
        return pods;
    }

    private void loadAverage(String phase) {
        if (phase.equals("start")) {
            warnIfAutogroup();
        }
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            load.put(phase, f[0] + " " + f[1] + " " + f[2]);
            log.info("bench phase={} load={} {} {}", phase, f[0], f[1], f[2]);
        } catch (IOException | RuntimeException e) {
            load.put(phase, "?");
        }
    }

    /**
     * With the kernel's autogroup scheduling on, every session's processes share the CPU equally as a group, whatever
     * their nice value: a build at {@code nice -n 19} in another terminal then takes half the machine from the run.
     */
    private static void warnIfAutogroup() {
        try {
            if (Files.readString(Path.of("/proc/sys/kernel/sched_autogroup_enabled")).trim().equals("1")) {
                log.warn("bench kernel.sched_autogroup_enabled=1: other sessions' processes get an equal share of the "
                        + "CPU whatever their nice value; measure on an idle machine, or set it to 0 (as root) so that "
                        + "nice works");
            }
        } catch (IOException | RuntimeException e) {
            log.debug("bench autogroup setting unreadable", e);
        }
    }

    private Duration baselineDuration() {
        long seconds = Math.max(1, Math.min(10, o.duration().toSeconds() / 3));
        return Duration.ofSeconds(seconds);
    }

    private static double secondsSince(long t0) {
        return Math.round((System.nanoTime() - t0) / 1e6) / 1e3;
    }

    private static String describe(GrpcRuntimeClient client) {
        var v = client.version(VersionRequest.newBuilder().setVersion("0.1.0").build());
        return v.getRuntimeName() + " " + v.getRuntimeVersion() + " (" + v.getRuntimeApiVersion() + ")";
    }

    /** The client again if the agent left it open, a new one on the same endpoint if the agent closed it. */
    private static CriRuntime usable(GrpcRuntimeClient client, String endpoint) {
        try {
            client.version(VersionRequest.newBuilder().setVersion("0.1.0").build());
            return client;
        } catch (RuntimeException closed) {
            return GrpcRuntimeClient.connect(endpoint, CriClientOptions.defaults()
                    .withRequestTimeout(Duration.ofSeconds(30)));
        }
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("rzb");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the bench temp dir", e);
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private static void join(Thread th, long millis) {
        try {
            th.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + th.getName(), e);
        }
    }

    private static void shutdown(ExecutorService pool) {
        pool.shutdown();
        try {
            if (!pool.awaitTermination(1, TimeUnit.MINUTES)) {
                throw new IllegalStateException("resize senders still busy after 1 min");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the resize senders", e);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            log.warn("bench cannot close watch error={}", e.toString());
        }
    }
}
