package dev.resizelet.bench;

import dev.resizelet.cgroups.CgroupName;
import dev.resizelet.core.admission.Admitted;
import dev.resizelet.core.admission.PodState;
import dev.resizelet.core.agent.StatusComposer;
import dev.resizelet.core.api.PodStatus;
import dev.resizelet.core.enact.ResourceValues;
import dev.resizelet.core.model.Container;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.ResourceRequirements;
import dev.resizelet.core.runtime.PodRuntimeView;
import dev.resizelet.core.runtime.RunningContainer;
import dev.resizelet.core.runtime.RunningPod;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The status publisher's work for a running 2-container pod, as in the storm: {@link #settled} recomposes an unchanged
 * pod (a relist or a second kick); {@link #resizeCycle} is one resize's compositions, in progress then completed (with
 * their two events), from size A to B and back, so each op is two resizes. Run with {@code -prof gc} for the bytes.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class StatusComposeBenchmark {
    private static final PodUid UID = PodUid.of("5f0c1a2e-0000-4000-8000-000000000001");
    private static final Instant STARTED = Instant.parse("2026-01-01T00:00:00Z");

    private final StatusComposer composer =
            new StatusComposer(Clock.fixed(Instant.parse("2026-01-01T00:01:00Z"), ZoneOffset.UTC), "containerd");
    private final Size a = new Size(1, 250, 500, 128L << 20, 256L << 20);
    private final Size b = new Size(2, 300, 600, 160L << 20, 320L << 20);
    private final PodStatus settledA = composer.compose(a.desired, a.state(a), a.view(a, false), null).status();

    /** One size of the pod: its spec at a generation, and what the runtime reports when it runs with it. */
    private static final class Size {
        final Pod desired;
        final ResourceValues values;

        Size(long generation, long cpuRequest, long cpuLimit, long memoryRequest, long memoryLimit) {
            ResourceRequirements r = new ResourceRequirements(
                    Map.of("cpu", Quantity.ofMillis(cpuRequest), "memory", Quantity.ofBytes(memoryRequest)),
                    Map.of("cpu", Quantity.ofMillis(cpuLimit), "memory", Quantity.ofBytes(memoryLimit)));
            desired = Pod.of("bench", "pod-1", UID, List.of(Container.of("app", "busybox", r),
                    Container.of("sidecar", "busybox", r))).withGeneration(generation);
            values = new ResourceValues(cpuRequest, cpuLimit, memoryRequest, memoryLimit);
        }

        PodState state(Size actuated) {
            return new PodState(desired, desired, actuated.desired.resources(),
                    new Admitted(UID, desired.generation()), null);
        }

        PodRuntimeView view(Size actual, boolean resizing) {
            RunningPod running = new RunningPod(UID, "sandbox-1", CgroupName.of("kubepods", "burstable", "pod1"),
                    List.of(new RunningContainer("app", "c-app", 0, "CONTAINER_RUNNING", actual.values, false, STARTED),
                            new RunningContainer("sidecar", "c-side", 0, "CONTAINER_RUNNING", actual.values, false,
                                    STARTED)));
            return new PodRuntimeView(running, desired.generation(),
                    Map.of("app", actual.values, "sidecar", actual.values), resizing, null);
        }
    }

    private final PodState settledState = a.state(a);
    private final PodRuntimeView settledView = a.view(a, false);
    private final PodState aToBStarted = b.state(a);
    private final PodRuntimeView aToBStartedView = b.view(a, true);
    private final PodState aToBDone = b.state(b);
    private final PodRuntimeView aToBDoneView = b.view(b, false);
    private final PodState bToAStarted = a.state(b);
    private final PodRuntimeView bToAStartedView = a.view(b, true);
    private final PodRuntimeView bToADoneView = a.view(a, false);

    @Benchmark
    public StatusComposer.Composed settled() {
        return composer.compose(a.desired, settledState, settledView, settledA);
    }

    @Benchmark
    public PodStatus resizeCycle() {
        PodStatus s = composer.compose(b.desired, aToBStarted, aToBStartedView, settledA).status();
        s = composer.compose(b.desired, aToBDone, aToBDoneView, s).status();
        s = composer.compose(a.desired, bToAStarted, bToAStartedView, s).status();
        return composer.compose(a.desired, settledState, bToADoneView, s).status();
    }
}
