package dev.resizelet.core.enact;

import java.util.Map;

/**
 * Where the actuated view lives (DESIGN §2): per pod, per container, what the runtime last accepted.
 * {@link #put} is called after each successful runtime call, so a crash never claims more than was applied.
 */
public interface ActuatedStore {
    /** The pod's actuated values by container name; empty if none recorded. */
    Map<String, ResourceValues> get(String podUid);

    void put(String podUid, String container, ResourceValues values);

    void remove(String podUid);
}
