package dev.resizelet.bench;

import static java.util.Objects.requireNonNull;

import dev.resizelet.bench.BareBaseline.BaselineResult;
import java.util.List;
import java.util.Map;

/**
 * Everything one harness run measured; written as JSON as is (field names are the JSON names).
 *
 * @param run what was run and where
 * @param agent the agent's figures
 * @param bare the bare-call baseline, single-threaded and at the storm's concurrency
 * @param ratios agent ÷ bare, by figure name
 * @param micro JMH results by benchmark name (ns/op), empty when the microbenchmarks were not run
 * @param targets each target with its figure and PASS/MISS
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
     * @param runtime {@code fake-cri} or the containerd endpoint
     * @param runtimeVersion what Version answered
     */
    public record RunInfo(String runtime, String runtimeVersion, int pods, int containersPerPod, double ratePerSecond,
            double stormSeconds, double saturationSeconds, int concurrency, String mix, int cpus, String jvm,
            String startedAt) {
    }

    /**
     * @param podsCreateSeconds time to create all pods and see them running with status resources
     * @param resizesRequested resizes sent during the rate-limited storm
     * @param admissionDecisionsPerSecond decisions (admitted, Deferred, Infeasible) seen in status per second of storm
     * @param resizesCompletedPerSecond resizes that became status-visible per second, at saturation
     * @param decisions counts by outcome during the storm: admitted, deferred, infeasible, superseded, unfinished,
     *     rejected, unexpected
     * @param requestToDecision scheduled send → the decision shows in status (allocatedResources or the
     *     PodResizePending condition)
     * @param requestToActuated scheduled send → the runtime received the last UpdateContainerResources with the new
     *     values (against containerd: allocated == desired and no PodResizeInProgress condition)
     * @param requestToStatusVisible scheduled send → status.containerStatuses[].resources show the new values
     * @param saturationLatency send → status-visible in the saturation phase
     * @param criCallsPerResize all CRI calls the runtime received during the storm ÷ resizes admitted
     * @param updateCallsPerResize UpdateContainerResources calls ÷ resizes admitted
     * @param criCallsByRpc calls during the storm by RPC (fake runtime only)
     * @param heapBytesPerPodAgent (heap with pods − heap with the same pods and no agent − empty agent) ÷ pods
     * @param heapBytesPerPodTotal (heap with pods − heap with an empty agent) ÷ pods, fake runtime included
     * @param restoreSeconds a new agent on the same state dir: build → all pods listed with status
     */
    public record AgentFigures(double podsCreateSeconds, long resizesRequested, double admissionDecisionsPerSecond,
            double resizesCompletedPerSecondAtRate, double resizesCompletedPerSecond, Map<String, Long> decisions,
            LatencyStats requestToDecision, LatencyStats requestToActuated, LatencyStats requestToStatusVisible,
            LatencyStats saturationLatency, double criCallsPerResize, double updateCallsPerResize,
            Map<String, Long> criCallsByRpc, long heapBytesPerPodAgent, long heapBytesPerPodTotal,
            double restoreSeconds, int restoredPods) {
        public AgentFigures {
            decisions = Map.copyOf(decisions);
            criCallsByRpc = Map.copyOf(criCallsByRpc);
        }
    }

    public record Bare(BaselineResult singleThread, BaselineResult concurrent) {
    }

    /**
     * @param name what is measured
     * @param goal the target in words
     * @param figure what was measured, with its unit
     * @param status PASS, MISS, or N/A (not measured in this run, with why in {@code note})
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
    }
}
