package dev.resizelet.core.status;

import dev.resizelet.core.admission.Deferred;
import dev.resizelet.core.admission.Infeasible;
import dev.resizelet.core.model.Pod;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Computes a pod's resize status (DESIGN §4) and the events between two statuses. Pure: the same
 * inputs give the same output; {@code now} and the previous status only set transition times.
 */
public final class ResizeStatusCalculator {

    private ResizeStatusCalculator() {
    }

    public static ResizeStatus compute(ResizeStatusInput in, ResizeStatus previous, Instant now) {
        long generation = in.desired().generation();
        boolean pending = in.allocated() != null && !in.allocated().sameResources(in.desired());
        // A pod whose containers never ran has nothing actuated yet: that is not a resize in progress.
        boolean inProgress = in.allocated() != null && in.actuated() != null
                && !in.allocated().sameResources(in.actuated());
        List<PodCondition> conditions = new ArrayList<>();
        Optional<LegacyResizeStatus> legacy = Optional.empty();
        if (pending && in.lastDecision() instanceof Deferred d) {
            conditions.add(condition(previous, PodCondition.RESIZE_PENDING, Deferred.REASON, d.message(), generation, now));
            legacy = Optional.of(LegacyResizeStatus.DEFERRED);
        } else if (pending && in.lastDecision() instanceof Infeasible i) {
            conditions.add(condition(previous, PodCondition.RESIZE_PENDING, Infeasible.REASON, i.message(), generation,
                    now));
            legacy = Optional.of(LegacyResizeStatus.INFEASIBLE);
        } else if (pending) {
            legacy = Optional.of(LegacyResizeStatus.PROPOSED);
        }
        if (inProgress) {
            String reason = in.lastError() == null ? "" : "Error";
            conditions.add(condition(previous, PodCondition.RESIZE_IN_PROGRESS, reason, in.lastError(), generation, now));
            if (legacy.isEmpty()) {
                legacy = Optional.of(LegacyResizeStatus.IN_PROGRESS);
            }
        }
        return new ResizeStatus(legacy, conditions, generation, in.allocated());
    }

    /** Events for the change from {@code before} to {@code after} of one pod. */
    public static List<ResizeEvent> events(ResizeStatusInput in, ResizeStatus before, ResizeStatus after,
            Instant now) {
        List<ResizeEvent> out = new ArrayList<>();
        Optional<PodCondition> pendingBefore = before.condition(PodCondition.RESIZE_PENDING);
        Optional<PodCondition> pendingAfter = after.condition(PodCondition.RESIZE_PENDING);
        if (pendingAfter.isPresent() && !pendingAfter.get().sameState(pendingBefore.orElse(null))) {
            ResizeEvent.Type t = pendingAfter.get().reason().equals(Deferred.REASON)
                    ? ResizeEvent.Type.RESIZE_DEFERRED : ResizeEvent.Type.RESIZE_INFEASIBLE;
            out.add(event(in, t, ResizeEventMessages.pending(in.desired(), pendingAfter.get().reason(),
                    pendingAfter.get().message(), in.desired().generation()), now));
        }
        Optional<PodCondition> progressBefore = before.condition(PodCondition.RESIZE_IN_PROGRESS);
        Optional<PodCondition> progressAfter = after.condition(PodCondition.RESIZE_IN_PROGRESS);
        if (progressAfter.isPresent() && progressBefore.isEmpty()) {
            out.add(event(in, ResizeEvent.Type.RESIZE_STARTED,
                    ResizeEventMessages.started(allocatedPod(in), in.desired().generation()), now));
        }
        if (progressAfter.isPresent() && progressAfter.get().reason().equals("Error")
                && !progressAfter.get().equals(progressBefore.orElse(null))) {
            out.add(event(in, ResizeEvent.Type.RESIZE_ERROR, ResizeEventMessages.error(allocatedPod(in),
                    progressAfter.get().observedGeneration(), progressAfter.get().message()), now));
        }
        if (progressBefore.isPresent() && progressAfter.isEmpty()) {
            out.add(event(in, ResizeEvent.Type.RESIZE_COMPLETED,
                    ResizeEventMessages.completed(allocatedPod(in), in.desired().generation()), now));
        }
        return out;
    }

    /** The desired pod with the allocated resources of its resizable containers: what the kubelet's messages show. */
    private static Pod allocatedPod(ResizeStatusInput in) {
        return in.allocated() == null ? in.desired() : in.desired().withResources(in.allocated());
    }

    private static ResizeEvent event(ResizeStatusInput in, ResizeEvent.Type type, String message, Instant now) {
        return new ResizeEvent(0, in.desired().namespace(), in.desired().name(), in.desired().uid(), type, message, now);
    }

    /** The condition now: the previous one itself while nothing in it changes, its transition time while it holds. */
    private static PodCondition condition(ResizeStatus previous, String type, String reason, String message,
            long generation, Instant now) {
        PodCondition fresh = new PodCondition(type, "True", reason, message, generation, now);
        PodCondition old = previous.condition(type).orElse(null);
        if (old == null || !old.sameState(fresh)) {
            return fresh;
        }
        PodCondition kept = new PodCondition(type, "True", reason, message, generation, old.lastTransitionTime());
        return kept.equals(old) ? old : kept;
    }
}
