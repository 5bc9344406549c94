package dev.resizelet.bench;

import dev.resizelet.core.admission.AdmissionDecision;
import dev.resizelet.core.admission.AllocationManager;
import dev.resizelet.core.admission.NodeAllocatable;
import dev.resizelet.core.admission.NodeConfig;
import dev.resizelet.core.store.ResizeJournal;
import dev.resizelet.core.model.Container;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.ResourceRequirements;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One admission decision on a node holding {@code pods} admitted pods (2 containers each): a resize request
 * through the {@link AllocationManager}, as the reconcile loop makes it. Successive calls alternate between two
 * specs of pods taken round robin, so every call is a real decision that changes the node's allocation (the
 * journal is in memory: the file write is not part of the decision; its publication is).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn")
@State(Scope.Benchmark)
public class AdmissionBenchmark {
    private static final int SPECS = 64;

    @Param({"100", "1000", "10000"})
    public int pods;

    private AllocationManager manager;
    private Pod[] small;
    private Pod[] large;
    private long generation = 2;
    private int next;

    @Setup(Level.Trial)
    public void fillNode() {
        long cpu = pods * 2L * 120 * 2;
        long memory = pods * 2L * (64L << 20) * 2;
        manager = new AllocationManager(NodeConfig.of(new NodeAllocatable(cpu, memory, pods + 10)), Clock.systemUTC(),
                ResizeJournal.inMemory());
        List<Pod> all = new ArrayList<>();
        for (int i = 0; i < pods; i++) {
            Pod p = pod(i, 100);
            manager.admitNewPod(p);
            manager.commit();
            all.add(p);
        }
        small = new Pod[SPECS];
        large = new Pod[SPECS];
        for (int i = 0; i < SPECS; i++) {
            Pod p = all.get((int) ((long) i * pods / SPECS));
            small[i] = p;
            large[i] = withCpu(p, 110);
        }
    }

    private static Pod pod(int i, long cpuMilli) {
        String name = "p" + i;
        return Pod.of("bench", name, PodUid.of(UUID.nameUUIDFromBytes(name.getBytes()).toString()),
                List.of(Container.of("c0", "img", requirements(cpuMilli)), Container.of("c1", "img", requirements(cpuMilli))));
    }

    private static Pod withCpu(Pod p, long cpuMilli) {
        return new Pod(p.namespace(), p.name(), p.uid(), p.generation(), p.priority(), p.annotations(),
                p.initContainers(), p.containers().stream().map(c -> c.withResources(requirements(cpuMilli))).toList());
    }

    private static ResourceRequirements requirements(long cpuMilli) {
        return new ResourceRequirements(
                Map.of("cpu", Quantity.ofMillis(cpuMilli), "memory", Quantity.ofBytes(64L << 20)),
                Map.of("cpu", Quantity.ofMillis(cpuMilli * 2), "memory", Quantity.ofBytes(128L << 20)));
    }

    /** Grows one pod, next call on that pod shrinks it back: each call is admitted and moves the node's sum. */
    @Benchmark
    public AdmissionDecision decide() {
        int i = next++ & (2 * SPECS - 1);
        Pod spec = i < SPECS ? large[i] : small[i - SPECS];
        AdmissionDecision d = manager.requestResize(spec.withGeneration(generation++));
        manager.commit(); // publish, as the loop does after each batch (the journal is in memory: no file write)
        return d;
    }
}
