package dev.resizelet.core.enact;

import dev.resizelet.core.model.PodUid;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/** {@link ActuationRecords} kept in a map, for an engine used without an allocation loop (tests, tools). */
public final class InMemoryActuationRecords implements ActuationRecords {
    private final Map<PodUid, Map<String, ResourceValues>> pods = new ConcurrentHashMap<>();
    private final Map<PodUid, String> errors = new ConcurrentHashMap<>();

    @Override
    public Map<String, ResourceValues> actuated(PodUid podUid) {
        return pods.getOrDefault(podUid, Map.of());
    }

    @Override
    public CompletableFuture<Void> record(PodUid podUid, Map<String, ResourceValues> actuated, String error) {
        pods.put(podUid, Map.copyOf(actuated));
        if (error == null) {
            errors.remove(podUid);
        } else {
            errors.put(podUid, error);
        }
        return CompletableFuture.completedFuture(null);
    }

    /** The error of the pod's last pass, or null. */
    public String error(PodUid podUid) {
        return errors.get(podUid);
    }
}
