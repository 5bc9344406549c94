package dev.resizelet.bench;

import static java.util.Objects.requireNonNull;

import dev.resizelet.bench.BareBaseline.BaselineResult;
import dev.resizelet.bench.BareBaseline.ResizeBaseline;
import java.util.List;
import java.util.Map;

/**
 * Everything one harness run measured; written as JSON as is (field names are the JSON names).
 *
 * @param run what was run and where
 * @param agent the agent's figures
 * @param bare the bare-call baselines
 * @param ratios agent ÷ bare, by figure name
 * @param micro JMH results by benchmark name (ns/op), empty when the microbenchmarks were not run
 * @param targets each target with its figure and PASS/MISS/N/A
 */
public record BenchReport(RunInfo run, AgentFigures agent, Bare bare, Map<String, Double> ratios,
        Map<String, Double> micro, List<Target> targets) {
    public BenchReport {
        requireNonNull(run, "run");
        requireNonNull(agent, "agent");
        requireNonNull(bare, "bare");
        ratios = Map.copyOf(ratios);
        micro = Map.copyOf(micro);
        targets = List.copyOf(targets);
    }

    /**
     * @param runtime {@code fake-cri ...} or the containerd endpoint
     * @param runtimeVersion what Version answered
     * @param stateOnDisk whether the agent's state dir was on disk (not tmpfs)
     * @param loadAverage {@code /proc/loadavg} (1, 5, 15 min) at the start of each phase and at the end
     * @param warmupSeconds length of the uncounted warm-up storm before the measured one (0: none)
     */
    public record RunInfo(String runtime, String runtimeVersion, int pods, int containersPerPod, double ratePerSecond,
            double stormSeconds, double saturationSeconds, int concurrency, String mix, int cpus, String jvm,
            String startedAt, int senders, boolean fakeRuntime, boolean stateOnDisk, double relistSeconds,
            Map<String, String> loadAverage, double warmupSeconds) {
        public RunInfo {
            loadAverage = Map.copyOf(loadAverage);
        }
    }

    /**
     * @param podsCreateSeconds time to create all pods and see them running with status resources
     * @param resizesRequested resizes sent during the rate-limited storm
     * @param admissionDecisionsPerSecond decisions (admitted, Deferred, Infeasible) seen in status per second of storm
     * @param resizesCompletedPerSecondAtRate resizes that became status-visible per second of storm
     * @param decisions counts by outcome during the storm: admitted, deferred, infeasible, superseded, unfinished,
     *     rejected, unexpected
     * @param requestToDecision scheduled send → the decision shows in status (allocatedResources or the
     *     PodResizePending condition)
     * @param requestToActuated scheduled send → the runtime received the last UpdateContainerResources with the new
     *     values (against a real runtime: allocated == desired and no PodResizeInProgress condition)
     * @param requestToStatusVisible scheduled send → status.containerStatuses[].resources show the new values, which
     *     for a running container are the values the runtime reported in ContainerStatus
     * @param saturationLatency send → status-visible in the saturation phase
     * @param visibleBySendTime the measured storm's request→status-visible cut by send time into half seconds (a
     *     stall shows as a few slow windows, a slow path as every window slow)
     * @param watchRestarts times the harness's watch was closed by the agent (too slow) and re-opened after a list
     */
    public record AgentFigures(double podsCreateSeconds, long resizesRequested, double admissionDecisionsPerSecond,
            double resizesCompletedPerSecondAtRate, Map<String, Long> decisions, LatencyStats requestToDecision,
            LatencyStats requestToActuated, LatencyStats requestToStatusVisible, LatencyStats saturationLatency,
            List<StormTimeline.Window> visibleBySendTime, CriCalls criCalls, Saturation saturation, Heap heap, Restore restore, long watchRestarts) {
        public AgentFigures {
            decisions = Map.copyOf(decisions);
            visibleBySendTime = List.copyOf(visibleBySendTime);
            requireNonNull(criCalls, "criCalls");
            requireNonNull(saturation, "saturation");
            requireNonNull(heap, "heap");
            requireNonNull(restore, "restore");
        }
    }

    /**
     * CRI calls the fake runtime received during the storm (from its first send to the end of the drain).
     *
     * @param measured false against a real runtime (no per-RPC counters there)
     * @param byRpc calls by RPC during the storm window
     * @param relistPerSecond calls by RPC per second while the node was idle just before the storm (no resize in
     *     flight), over {@code idleSeconds}: what the relist and refreshes cost at rest
     * @param podRefreshes ListContainers calls filtered by one pod's sandbox during the storm window: each is a
     *     refresh of that pod ({@code StatusReader.relist}: the list, then one ContainerStatus per container); an
     *     enactment's read-back never lists
     * @param admitted resizes admitted in the storm
     * @param changedContainersPerAdmitted containers whose values the harness changed, per admitted resize (from the
     *     specs it sent, against the last spec it expected to be enacted)
     * @param allPerAdmitted every call ÷ admitted
     * @param withoutRelistPerAdmitted (every call − node-wide ListContainers − podRefreshes × (1 + containers per
     *     pod)) ÷ admitted: the calls resizes made
     * @param updatePerAdmitted UpdateContainerResources ÷ admitted
     * @param statusPerAdmitted ContainerStatus ÷ admitted, and the same without the relist's share
     */
    public record CriCalls(boolean measured, double windowSeconds, Map<String, Long> byRpc,
            Map<String, Double> relistPerSecond, double idleSeconds, long podRefreshes, long admitted,
            double changedContainersPerAdmitted, double allPerAdmitted, double withoutRelistPerAdmitted,
            double updatePerAdmitted, double statusPerAdmitted, double statusWithoutRelistPerAdmitted) {
        public CriCalls {
            byRpc = Map.copyOf(byRpc);
            relistPerSecond = Map.copyOf(relistPerSecond);
        }

        static CriCalls notMeasured() {
            return new CriCalls(false, 0, Map.of(), Map.of(), 0, 0, 0, 0, 0, 0, 0, 0, 0);
        }
    }

    /**
     * The closed-loop phase.
     *
     * @param neededCallsPerResize per completed resize, the calls it minimally needs: 2 × changed containers (one
     *     UpdateContainerResources and one ContainerStatus each) + 1 UpdatePodSandboxResources if the runtime has it
     * @param neededCallsPerSecond completed resizes/s × neededCallsPerResize: the runtime work done usefully
     */
    public record Saturation(long completed, double seconds, double completedPerSecond, double neededCallsPerResize,
            double neededCallsPerSecond) {
    }

    /**
     * Heap in use after full collections ({@link HeapProbe}), bytes.
     *
     * @param agentOnly true when the runtime ran in another process (a real runtime, or the fake in a child JVM): the
     *     harness's heap then holds only the agent (and the harness's own per-pod tracks, made before
     *     {@code beforeAgent})
     * @param bytesPerPod (withPods − emptyAgent) ÷ pods
     */
    public record Heap(boolean agentOnly, long beforeAgent, long emptyAgent, long withPods, long bytesPerPod) {
    }

    /**
     * A new agent on the same state dir and the runtime that kept the pods.
     *
     * @param readySeconds {@code build()} start → it returned, ready (state restored, running pods adopted)
     * @param allocatedSeconds build start → ready and every pod listed with allocatedResources on every container
     * @param runtimeReadSeconds build start → every pod listed running with status resources and (fake runtime) the
     *     runtime answered a ContainerStatus for every container since the build started: status shows read-back
     *     values, not the allocated fallback
     * @param pollMillis how often the harness looked at most (the resolution of the two figures above); it waits at
     *     least as long as a look took
     * @param pollCostMillis the mean time one look (list and check every pod) took: CPU the agent did not have
     * @param statusesKept the start found the statuses a clean stop leaves ({@code status.snapshot}): it served them at
     *     ready and read the runtime after; false: as after a crash, ready waited for the runtime's listing
     * @param afterCrash the same restore without the snapshot (as after {@code kill -9}), run right after this one;
     *     null if not run
     */
    public record Restore(int pods, double readySeconds, double allocatedSeconds, double runtimeReadSeconds,
            int statusReadContainers, long pollMillis, double pollCostMillis, boolean statusesKept,
            Restore afterCrash) {
        Restore withAfterCrash(Restore crash) {
            return new Restore(pods, readySeconds, allocatedSeconds, runtimeReadSeconds, statusReadContainers,
                    pollMillis, pollCostMillis, statusesKept, crash);
        }
    }

    /** Bare calls through the same client to the same runtime. */
    public record Bare(BaselineResult singleThread, BaselineResult concurrent, ResizeBaseline resizeSingle,
            ResizeBaseline resizeConcurrent) {
    }

    /**
     * @param name what is measured
     * @param goal the target in words
     * @param figure what was measured, with its unit
     * @param status PASS, MISS, or N/A (this run does not contain the work the target is about, with why in
     *     {@code note})
     */
    public record Target(String name, String goal, String figure, String status, String note) {
        public Target {
            requireNonNull(name, "name");
            requireNonNull(goal, "goal");
            requireNonNull(figure, "figure");
            requireNonNull(status, "status");
            note = note == null ? "" : note;
        }

        public static Target judge(String name, String goal, String figure, boolean pass, String note) {
            return new Target(name, goal, figure, pass ? "PASS" : "MISS", note);
        }

        public static Target notMeasured(String name, String goal, String why) {
            return new Target(name, goal, "-", "N/A", why);
        }

        /** Measured, but not at the target's scale or conditions: never PASS. */
        public static Target offScale(String name, String goal, String figure, String why) {
            return new Target(name, goal, figure, "N/A", why);
        }
    }
}
