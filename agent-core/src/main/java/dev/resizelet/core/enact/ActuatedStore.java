package dev.resizelet.core.enact;

import java.util.Map;

/**
 * Where the actuated view lives (DESIGN §2): per pod, per container, what the runtime last accepted.
 * {@link #put} is called after each successful runtime call, so the view never claims more than was applied;
 * {@link #flush} makes a pod's puts durable, once per enactment pass. A crash between the two forgets some
 * accepted steps, which the next pass re-applies (CRI updates and cgroup writes are idempotent): durable
 * state may under-claim, never over-claim.
 */
public interface ActuatedStore {
    /** The pod's actuated values by container name; empty if none recorded. */
    Map<String, ResourceValues> get(String podUid);

    void put(String podUid, String container, ResourceValues values);

    void remove(String podUid);

    /** Makes the pod's recorded values durable; stores without durability do nothing. */
    default void flush(String podUid) {
    }
}
