package dev.resizelet.core.runtime;

import dev.resizelet.core.model.PodUid;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Supplier;

/**
 * One pod's slot in {@link RuntimeEngine}: at most one task runs per lane; kicks while it runs set flags that
 * re-run it afterwards, so a newer target supersedes a queued one. Fields are guarded by the lane's monitor,
 * except those marked "lane thread", which only the running task touches.
 */
final class PodLane {
    final PodUid uid;
    // guarded by this
    /** Built once, where it is first needed (a pass or a status read), never on the thread that submitted it. */
    Supplier<PodTarget> target;
    boolean deleted;
    /** When the grace period of a deletion ends (set with {@code deleted}); only ever moves earlier. */
    java.time.Instant deadline;
    boolean wantSync;
    boolean wantRefresh;
    boolean queued;
    boolean running;
    ScheduledFuture<?> retry;
    /** The sync at the end of a container's crash-loop back-off, while one waits. */
    ScheduledFuture<?> startRetry;
    /** Restarted agent: the pod's first pass waits for its turn ({@link RestoredPasses}); a new target clears it. */
    boolean restoredPassOwed;
    /** The next task is the pod's paced first pass after a restart, whose end lets the next one start. */
    boolean restoredPass;
    // lane thread (published to readers through volatile)
    volatile RunningPod pod;
    /** The engine's count of pod changes when {@link #pod} was last set: a relist listed before it cannot judge it. */
    volatile long podChangedAt;
    volatile String lastError;
    volatile long appliedGeneration = -1;
    /**
     * The actuated values of the last pass, handed to the record's owner and not yet committed there (null when the
     * owner has them): the next pass starts from these, never from the older committed ones.
     */
    volatile java.util.Map<String, dev.resizelet.core.enact.ResourceValues> inFlight;
    int failures;
    boolean pendingCompletion;
    /** Set before the first task when a node-wide listing already answered whether the runtime runs the pod. */
    volatile boolean adoptionChecked;
    /**
     * The pod's last UpdatePodSandboxResources, which a pass does not wait for: the next one is sent only once it is
     * answered, so the runtime sees the pod's values in the order the passes set them.
     */
    final java.util.concurrent.atomic.AtomicReference<java.util.concurrent.CompletableFuture<Boolean>> sandboxCall =
            new java.util.concurrent.atomic.AtomicReference<>();

    PodLane(PodUid uid) {
        this.uid = uid;
    }
}
