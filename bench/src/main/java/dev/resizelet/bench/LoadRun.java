package dev.resizelet.bench;

import static java.util.Objects.requireNonNull;

import dev.resizelet.bench.AgentAdapter.Observed;
import dev.resizelet.bench.BareBaseline.BaselineResult;
import dev.resizelet.bench.BenchReport.AgentFigures;
import dev.resizelet.bench.BenchReport.Bare;
import dev.resizelet.bench.BenchReport.RunInfo;
import dev.resizelet.cgroups.CgroupConfig;
import dev.resizelet.cgroups.CgroupDriver;
import dev.resizelet.cgroups.CgroupVersion;
import dev.resizelet.core.NodeAgent;
import dev.resizelet.core.api.PodEvent;
import dev.resizelet.core.api.PodView;
import dev.resizelet.core.model.Pod;
import dev.resizelet.cri.CriClientOptions;
import dev.resizelet.cri.CriRuntime;
import dev.resizelet.cri.GrpcRuntimeClient;
import dev.resizelet.cri.v1.UpdateContainerResourcesRequest;
import dev.resizelet.cri.v1.VersionRequest;
import dev.resizelet.fakecri.CriRpc;
import dev.resizelet.fakecri.RecordedCall;
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
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One harness run: the agent in-process on the fake runtime (Unix socket, temp cgroup tree) or on a real runtime,
 * N pods of M containers, a rate-limited resize storm, a closed-loop saturation phase, a restore from checkpoints,
 * and the bare-call baseline through the same client to the same runtime.
 *
 * <p>The node's allocatable cpu is 1.6x the pods' base requests, so every UP/DOWN/FITS fits whatever the storm
 * did before; a DEFERRED resize asks 60% of the node for one pod (fits the node, never beside the others), an
 * INFEASIBLE one twice the node.
 */
public final class LoadRun {
    private static final Logger log = LoggerFactory.getLogger(LoadRun.class);
    private static final Duration DRAIN = Duration.ofSeconds(10);
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(10);

    private final HarnessOptions o;
    private final List<PodTrack> tracks = new ArrayList<>();
    private final Map<String, PodTrack> byName = new HashMap<>();
    private final Map<String, PodTrack> byContainerId = new ConcurrentHashMap<>();
    // latency recorders: written by the watch and CRI threads, read at the end of a phase
    private final Recorder toDecision = new Recorder(3);
    private final Recorder toActuated = new Recorder(3);
    private final Recorder toVisible = new Recorder(3);
    private final Map<String, AtomicLong> outcomes = new ConcurrentHashMap<>();
    private final AtomicLong decisions = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
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

    /** Runs every phase and returns the figures; the temp dir (fake runtime) is removed at the end. */
    public BenchReport run() {
        String startedAt = Instant.now().toString();
        FakeNode fake = o.fakeRuntime() ? FakeNode.start(o.stateOnTmpfs()) : null;
        Path scratch = fake != null ? fake.dir() : tempDir();
        try {
            String endpoint = fake != null ? fake.endpoint() : o.criEndpoint();
            CgroupConfig cgroups = fake != null ? fake.cgroups()
                    : new CgroupConfig(o.cgroupRoot(), "rzbench" + Long.toHexString(o.seed() & 0xffff),
                            CgroupVersion.V1, CgroupDriver.CGROUPFS);
            Path stateDir = fake != null ? fake.stateDir() : scratch.resolve("state");
            GrpcRuntimeClient client = GrpcRuntimeClient.connect(endpoint,
                    CriClientOptions.defaults().withRequestTimeout(Duration.ofSeconds(30)));
            String runtimeVersion = describe(client);
            if (fake != null) {
                actuationFromCalls = true;
                fake.addCallListener(this::onCriCall);
            }
            for (int i = 0; i < o.pods(); i++) {
                PodTrack t = new PodTrack(i, String.format("p%05d", i), o.containers());
                tracks.add(t);
                byName.put(t.name, t);
            }
            Phases p = new Phases();
            p.heapBefore = HeapProbe.usedAfterGc();
            NodeAgent agent = AgentAdapter.build(client, cgroups, stateDir, allocatableCpuMilli, allocatableMemoryBytes,
                    o.pods() + 10, o.relist());
            p.heapEmptyAgent = HeapProbe.usedAfterGc();
            createPods(agent, p);
            if (fake != null) {
                fake.clearRecordedCalls();
            }
            p.heapWithPods = HeapProbe.usedAfterGc();

            Map<CriRpc, Long> callsBefore = fake != null ? fake.callCounts() : Map.of();
            AutoCloseable watch = agent.watch(AgentAdapter.NAMESPACE, agent.resourceVersion(), this::onEvent);
            storm(agent, fake, p);
            Map<CriRpc, Long> callsAfter = fake != null ? fake.callCounts() : Map.of();
            saturate(agent, p);
            closeQuietly(watch);
            agent.close();
            // the run's frame would keep the closed agent (and everything it grew) reachable: heapNoAgent must not
            // count it, or the per-pod figure comes out negative
            watch = null;
            agent = null;
            tracks.forEach(t -> t.pending.set(null));
            p.heapNoAgent = HeapProbe.usedAfterGc();

            CriRuntime restoreClient = usable(client, endpoint);
            restore(restoreClient, cgroups, stateDir, p);

            List<String> ids = new ArrayList<>(byContainerId.keySet());
            Collections.sort(ids);
            BaselineResult single = BareBaseline.run(restoreClient, ids, 1, baselineDuration());
            BaselineResult concurrent = BareBaseline.run(restoreClient, ids, o.concurrency(), baselineDuration());
            restoreClient.close();
            client.close(); // a no-op when it is restoreClient

            return report(startedAt, runtimeVersion, p, callsBefore, callsAfter, single, concurrent);
        } finally {
            if (fake != null) {
                fake.close();
            } else {
                FakeNode.deleteTree(scratch);
            }
        }
    }

    // ------------------------------------------------------------------ phases

    /** Mutable scratch of one run; only the run's thread writes it. */
    private static final class Phases {
        long heapBefore;
        long heapEmptyAgent;
        long heapWithPods;
        long heapNoAgent;
        double createSeconds;
        long stormRequested;
        double stormSeconds;
        long stormDecisions;
        long stormCompleted;
        Histogram decisionHist;
        Histogram actuatedHist;
        Histogram visibleHist;
        Map<String, Long> stormOutcomes;
        long saturationCompleted;
        double saturationSeconds;
        Histogram saturationHist;
        double restoreSeconds;
        int restoredPods;
    }

    private void createPods(NodeAgent agent, Phases p) {
        long t0 = System.nanoTime();
        List<ContainerShape> base = Collections.nCopies(o.containers(), ContainerShape.at(0, false));
        for (PodTrack t : tracks) {
            Pod pod = AgentAdapter.pod(t.name, UUID.nameUUIDFromBytes(t.name.getBytes()).toString(), o.image(), base);
            t.spec = pod;
            agent.create(pod);
        }
        awaitAll(agent, READY_TIMEOUT, "created pods running with status resources");
        for (PodView v : agent.list(AgentAdapter.NAMESPACE)) {
            Observed ob = AgentAdapter.observe(v);
            PodTrack t = byName.get(v.spec().name());
            String[] ids = ob.containerIds();
            for (int i = 0; i < ids.length; i++) {
                t.containerIds[i] = ids[i];
                byContainerId.put(ids[i], t);
            }
        }
        p.createSeconds = (System.nanoTime() - t0) / 1e9;
        log.info("bench pods running pods={} containers={} seconds={}", o.pods(), o.containers(), p.createSeconds);
    }

    /** Waits until every pod is listed running with status resources; returns how many are listed. */
    private int awaitAll(NodeAgent agent, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<PodView> all = agent.ready() ? agent.list(AgentAdapter.NAMESPACE) : List.of();
            if (all.size() == o.pods() && all.stream().allMatch(v -> AgentAdapter.observe(v).running())) {
                return all.size();
            }
            if (System.nanoTime() > deadline) {
                long running = all.stream().filter(v -> AgentAdapter.observe(v).running()).count();
                throw new IllegalStateException("timed out after " + timeout + " waiting for " + what + ": "
                        + all.size() + " of " + o.pods() + " pods listed, " + running + " running");
            }
            LockSupport.parkNanos(1_000_000L);
        }
    }

    /** The rate-limited storm: one resize every 1/rate s, round robin over the pods, kinds from the mix. */
    private void storm(NodeAgent agent, FakeNode fake, Phases p) {
        resetCounters();
        SplittableRandom random = new SplittableRandom(o.seed());
        ExecutorService senders = Executors.newFixedThreadPool(4, daemon("bench-sender"));
        long intervalNanos = (long) (1e9 / o.rate());
        long start = System.nanoTime();
        long end = start + o.duration().toNanos();
        long nextClear = start + 1_000_000_000L;
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
                spec = AgentAdapter.resized(t.spec, pending.target);
                t.spec = spec;
            }
            Pending old = t.pending.getAndSet(pending);
            if (old != null && !old.done()) {
                outcomes.get("superseded").incrementAndGet();
            }
            senders.execute(() -> send(agent, t, pending, spec));
            if (fake != null && at > nextClear) {
                fake.clearRecordedCalls();
                nextClear = at + 1_000_000_000L;
            }
        }
        p.stormRequested = i;
        p.stormSeconds = (System.nanoTime() - start) / 1e9;
        shutdown(senders);
        long drainEnd = System.nanoTime() + DRAIN.toNanos();
        while (System.nanoTime() < drainEnd && tracks.stream().anyMatch(t -> {
            Pending q = t.pending.get();
            return q != null && !q.done();
        })) {
            LockSupport.parkNanos(2_000_000L);
        }
        long unfinished = tracks.stream().filter(t -> {
            Pending q = t.pending.get();
            return q != null && !q.done();
        }).count();
        outcomes.get("unfinished").addAndGet(unfinished);
        p.stormDecisions = decisions.get();
        p.stormCompleted = completed.get();
        p.decisionHist = toDecision.getIntervalHistogram();
        p.actuatedHist = toActuated.getIntervalHistogram();
        p.visibleHist = toVisible.getIntervalHistogram();
        Map<String, Long> snapshot = new LinkedHashMap<>();
        outcomes.forEach((k, v) -> snapshot.put(k, v.get()));
        p.stormOutcomes = snapshot;
        log.info("bench storm done requested={} decisions={} completed={} unfinished={}", p.stormRequested,
                p.stormDecisions, p.stormCompleted, unfinished);
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

    /** Closed loop: {@code concurrency} workers, each sends a resize and waits until status shows it. */
    private void saturate(NodeAgent agent, Phases p) {
        if (o.saturation().isZero()) {
            p.saturationHist = LatencyStats.newHistogram();
            return;
        }
        Histogram hist = LatencyStats.newHistogram();
        AtomicInteger nextPod = new AtomicInteger();
        AtomicLong done = new AtomicLong();
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
                        spec = AgentAdapter.resized(t.spec, pending.target);
                        t.spec = spec;
                        t.pending.set(pending);
                    }
                    send(agent, t, pending, spec);
                    long deadline = System.nanoTime() + DRAIN.toNanos();
                    while (!pending.visible && !pending.done() && System.nanoTime() < deadline) {
                        LockSupport.parkNanos(50_000L);
                    }
                    if (pending.visible) {
                        mine.recordValue(Math.max(1_000L, pending.visibleAt - pending.requestNanos));
                        done.incrementAndGet();
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
            try {
                th.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted in the saturation phase", e);
            }
        }
        p.saturationSeconds = (System.nanoTime() - start) / 1e9;
        p.saturationCompleted = done.get();
        p.saturationHist = hist;
        // the storm's recorders kept counting; the saturation phase has its own histogram
        toDecision.reset();
        toActuated.reset();
        toVisible.reset();
    }

    /** A new agent on the same state dir and runtime: build → every pod listed with status resources. */
    private void restore(CriRuntime client, CgroupConfig cgroups, Path stateDir, Phases p) {
        long t0 = System.nanoTime();
        try (NodeAgent agent = AgentAdapter.build(client, cgroups, stateDir, allocatableCpuMilli,
                allocatableMemoryBytes, o.pods() + 10, o.relist())) {
            p.restoredPods = awaitAll(agent, READY_TIMEOUT, "restored pods listed with status");
            p.restoreSeconds = (System.nanoTime() - t0) / 1e9;
        }
        log.info("bench restore done pods={} seconds={}", p.restoredPods, p.restoreSeconds);
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
            }
            if (!actuationFromCalls && ob.showsAllocated(p.target) && !ob.inProgress() && p.actuate()) {
                toActuated.recordValue(Math.max(1_000L, now - p.requestNanos));
            }
            if (ob.showsActual(p.target) && p.finish()) {
                p.visibleAt = now;
                p.visible = true;
                toVisible.recordValue(Math.max(1_000L, now - p.requestNanos));
                completed.incrementAndGet();
            }
        } else if (ob.pendingReason() != null) {
            String expected = p.kind == ResizeKind.DEFERRED ? "Deferred" : "Infeasible";
            if (p.decide() && p.finish()) {
                toDecision.recordValue(Math.max(1_000L, now - p.requestNanos));
                decisions.incrementAndGet();
                outcomes.get(expected.equals(ob.pendingReason()) ? p.kind.flagName() : "unexpected").incrementAndGet();
            }
        }
    }

    /** Fake runtime: the last UpdateContainerResources of a resize carrying the new values marks it actuated. */
    private void onCriCall(RecordedCall call) {
        if (call.rpc() != CriRpc.UPDATE_CONTAINER_RESOURCES) {
            return;
        }
        PodTrack t = byContainerId.get(call.id());
        if (t == null) {
            return;
        }
        Pending p = t.pending.get();
        if (p == null || !p.kind.admitted()) {
            return;
        }
        UpdateContainerResourcesRequest req = (UpdateContainerResourcesRequest) call.request();
        int index = t.containerIndex(call.id());
        if (index >= 0 && p.target.get(index).matches(req.getLinux()) && p.markContainer(index)) {
            toActuated.recordValue(Math.max(1_000L, System.nanoTime() - p.requestNanos));
        }
    }

    // ------------------------------------------------------------------ per pod state

    /** One pod of the storm. {@code level}/{@code wide}/{@code spec} are guarded by the track's monitor. */
    private final class PodTrack {
        final int index;
        final String name;
        final int containers;
        final AtomicReference<Pending> pending = new AtomicReference<>();
        final String[] containerIds;
        Pod spec;
        int level;
        boolean wide;

        PodTrack(int index, String name, int containers) {
            this.index = index;
            this.name = name;
            this.containers = containers;
            this.containerIds = new String[containers];
        }

        int containerIndex(String id) {
            for (int i = 0; i < containers; i++) {
                if (id.equals(containerIds[i])) {
                    return i;
                }
            }
            return -1;
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
                case DEFERRED -> target = Collections.nCopies(containers,
                        ContainerShape.cpuHog(Math.max(1, nodeCpuMilli * 6 / 10 / containers)));
                case INFEASIBLE -> target = Collections.nCopies(containers,
                        ContainerShape.cpuHog(nodeCpuMilli * 2 / containers + 1));
                default -> throw new AssertionError(k);
            }
            return new Pending(k, requestNanos, target);
        }
    }

    /** One resize in flight; each milestone is claimed once (the CAS methods say whether this caller won). */
    private static final class Pending {
        final ResizeKind kind;
        final long requestNanos;
        final List<ContainerShape> target;
        private final AtomicInteger state = new AtomicInteger(); // bit 0 decided, 1 actuated, 2 finished
        private final AtomicInteger containersSeen = new AtomicInteger();
        volatile boolean visible;
        volatile long visibleAt;

        Pending(ResizeKind kind, long requestNanos, List<ContainerShape> target) {
            this.kind = kind;
            this.requestNanos = requestNanos;
            this.target = List.copyOf(target);
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
        outcomes.values().forEach(v -> v.set(0));
    }

    // ------------------------------------------------------------------ report

    private BenchReport report(String startedAt, String runtimeVersion, Phases p, Map<CriRpc, Long> before,
            Map<CriRpc, Long> after, BaselineResult single, BaselineResult concurrent) {
        Map<String, Long> byRpc = new LinkedHashMap<>();
        long allCalls = 0;
        for (Map.Entry<CriRpc, Long> e : after.entrySet()) {
            long n = e.getValue() - before.getOrDefault(e.getKey(), 0L);
            if (n > 0) {
                byRpc.put(e.getKey().methodName(), n);
                allCalls += n;
            }
        }
        long admitted = p.stormOutcomes.getOrDefault("admitted", 0L);
        long updates = byRpc.getOrDefault(CriRpc.UPDATE_CONTAINER_RESOURCES.methodName(), 0L);
        double saturationRate = p.saturationSeconds > 0 ? p.saturationCompleted / p.saturationSeconds : 0;
        long agentHeap = (p.heapWithPods - p.heapNoAgent - (p.heapEmptyAgent - p.heapBefore)) / o.pods();
        long totalHeap = (p.heapWithPods - p.heapEmptyAgent) / o.pods();
        AgentFigures agent = new AgentFigures(p.createSeconds, p.stormRequested, p.stormDecisions / p.stormSeconds,
                p.stormCompleted / p.stormSeconds, saturationRate, p.stormOutcomes,
                LatencyStats.of(p.decisionHist), LatencyStats.of(p.actuatedHist), LatencyStats.of(p.visibleHist),
                LatencyStats.of(p.saturationHist),
                admitted > 0 && o.fakeRuntime() ? (double) allCalls / admitted : 0,
                admitted > 0 && o.fakeRuntime() ? (double) updates / admitted : 0,
                byRpc, agentHeap, totalHeap, p.restoreSeconds, p.restoredPods);
        RunInfo run = new RunInfo(o.fakeRuntime()
                ? "fake-cri (unix socket), state dir on " + (o.stateOnTmpfs() ? "tmpfs" : "disk") + ", relist "
                        + o.relist().toMillis() + " ms"
                : o.criEndpoint() + ", relist " + o.relist().toMillis() + " ms", runtimeVersion,
                o.pods(), o.containers(), o.rate(), p.stormSeconds, p.saturationSeconds, o.concurrency(),
                o.mix().toString(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"), startedAt);
        Map<String, Double> micro = o.micro() ? Microbenchmarks.runAdmission() : Map.of();
        return Targets.evaluate(run, agent, new Bare(single, concurrent), micro);
    }

    // ------------------------------------------------------------------ helpers

    private Duration baselineDuration() {
        long seconds = Math.max(1, Math.min(10, o.duration().toSeconds() / 3));
        return Duration.ofSeconds(seconds);
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
        try {
            c.close();
        } catch (Exception e) {
            log.warn("bench cannot close watch error={}", e.toString());
        }
    }
}
