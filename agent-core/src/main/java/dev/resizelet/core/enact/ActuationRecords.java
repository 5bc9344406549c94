package dev.resizelet.core.enact;

import dev.resizelet.core.model.PodUid;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The enactment side's window on the resize record, whose single owner is the allocation loop (DESIGN §2): a pass
 * reads the committed actuated values when it starts and returns what it did when it ends. Nothing on the
 * enactment side keeps a live copy between passes.
 */
public interface ActuationRecords {

    /** The pod's committed actuated values by container name; empty if none. */
    Map<String, ResourceValues> actuated(PodUid podUid);

    /**
     * A pass ended: {@code actuated} is what the runtime holds now (every accepted step included), {@code error}
     * why the pass stopped, or null. Completes once the values are durable; fails if they could not be made so.
     */
    CompletableFuture<Void> record(PodUid podUid, Map<String, ResourceValues> actuated, String error);
}
