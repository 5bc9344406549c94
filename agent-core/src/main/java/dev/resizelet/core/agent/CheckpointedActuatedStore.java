package dev.resizelet.core.agent;

import static java.util.Objects.requireNonNull;

import dev.resizelet.core.enact.ActuatedStore;
import dev.resizelet.core.enact.ResourceValues;
import dev.resizelet.core.model.PodResources;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.model.ResourceRequirements;
import dev.resizelet.core.runtime.ModelTargets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The enactment engine's view of actuated values, backed by the actuated checkpoint: what the runtime
 * accepted is recorded in memory at once and written through {@code checkpoint} (on the allocation loop)
 * once per pass, so a restart never believes what the runtime refused.
 */
public final class CheckpointedActuatedStore implements ActuatedStore {
    private final Map<String, Map<String, ResourceValues>> pods = new ConcurrentHashMap<>();
    private final java.util.Set<String> dirty = ConcurrentHashMap.newKeySet();
    private final Consumer<PodResources> checkpoint;
    private final java.util.function.ToLongFunction<String> generationOf;

    /**
     * @param checkpoint persists a pod's actuated resources; returns once durable
     * @param generationOf the allocated generation of a pod, recorded with its actuated values
     */
    public CheckpointedActuatedStore(Consumer<PodResources> checkpoint,
            java.util.function.ToLongFunction<String> generationOf) {
        this.checkpoint = requireNonNull(checkpoint, "checkpoint");
        this.generationOf = requireNonNull(generationOf, "generationOf");
    }

    /** Seeds a pod's values from the checkpoint at start. */
    public void restore(PodResources actuated) {
        Map<String, ResourceValues> values = new TreeMap<>();
        actuated.containers().forEach((name, r) -> values.put(name, ModelTargets.values(r)));
        pods.put(actuated.uid().value(), values);
    }

    @Override
    public Map<String, ResourceValues> get(String podUid) {
        Map<String, ResourceValues> m = pods.get(podUid);
        return m == null ? Map.of() : m;
    }

    @Override
    public void put(String podUid, String container, ResourceValues values) {
        Map<String, ResourceValues> next = new TreeMap<>(get(podUid));
        if (values.equals(next.put(container, values))) {
            return;
        }
        pods.put(podUid, Map.copyOf(next));
        dirty.add(podUid);
    }

    /** One checkpoint write for everything the pass recorded (the runtime accepted all of it). */
    @Override
    public void flush(String podUid) {
        if (!dirty.remove(podUid)) {
            return;
        }
        Map<String, ResourceRequirements> containers = new TreeMap<>();
        get(podUid).forEach((name, v) -> containers.put(name, StatusComposer.requirements(v)));
        checkpoint.accept(new PodResources(PodUid.of(podUid), generationOf.applyAsLong(podUid), containers));
    }

    @Override
    public void remove(String podUid) {
        dirty.remove(podUid);
        pods.remove(podUid);
    }
}
