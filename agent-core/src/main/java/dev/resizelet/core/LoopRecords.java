package dev.resizelet.core;

import dev.resizelet.core.admission.PodState;
import dev.resizelet.core.admission.ReconcileLoop;
import dev.resizelet.core.agent.StatusComposer;
import dev.resizelet.core.enact.ActuationRecords;
import dev.resizelet.core.enact.ResourceValues;
import dev.resizelet.core.model.PodResources;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.model.ResourceRequirements;
import dev.resizelet.core.runtime.ModelTargets;
import dev.resizelet.core.runtime.PodTarget;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** The engine's window on the loop's records: committed actuated values in, pass results back. */
final class LoopRecords implements ActuationRecords {
    private final ReconcileLoop loop;

    LoopRecords(ReconcileLoop loop) {
        this.loop = loop;
    }

    @Override
    public Map<String, ResourceValues> actuated(PodUid podUid) {
        PodResources r = loop.state(podUid).map(PodState::actuated).orElse(null);
        if (r == null) {
            return Map.of();
        }
        Map<String, ResourceValues> out = new HashMap<>();
        r.containers().forEach((name, req) -> out.put(name, ModelTargets.values(req)));
        ResourceValues podLevel = ModelTargets.podLevel(r);
        if (podLevel != null) {
            out.put(PodTarget.POD_LEVEL, podLevel);
        }
        return out;
    }

    @Override
    public CompletableFuture<Void> record(PodUid uid, Map<String, ResourceValues> actuated, String error) {
        long generation = loop.allocated(uid).map(PodResources::generation).orElse(0L);
        Map<String, ResourceRequirements> containers = new HashMap<>();
        actuated.forEach((name, v) -> containers.put(name, StatusComposer.requirements(v)));
        ResourceRequirements pod = containers.remove(PodTarget.POD_LEVEL); // pod-level values, if the pod has them
        return loop.recordPass(uid, new PodResources(uid, generation, containers, pod), error);
    }
}
