package dev.resizelet.core.validation;

import static java.util.Objects.requireNonNull;

import dev.resizelet.core.model.Pod;
import dev.resizelet.core.store.StoredObject.Deletion;
import java.time.Instant;

/**
 * What a {@code DELETE} of a pod does, as the apiserver decides it ({@code rest.BeforeDelete} with the pod strategy's
 * {@code CheckGracefulDelete}):
 * <ul>
 *   <li>not yet terminating: the grace period is the request's {@code gracePeriodSeconds}, else the pod's
 *       {@code terminationGracePeriodSeconds} (30 when not given); a negative one is 1; a pod in a terminal phase gets 0.
 *       Above 0 the pod is marked: {@code deletionTimestamp} = now + the period. 0 removes the object at once;</li>
 *   <li>already terminating: a recorded period of 0 removes it at once; a shorter requested period replaces the mark
 *       (counted from the first request's time: the old timestamp minus the old period plus the new one); a longer or
 *       no period changes nothing.</li>
 * </ul>
 */
public final class DeletionRules {
    private DeletionRules() {
    }

    /** The outcome of one delete request. */
    public sealed interface Decision permits Unchanged, Mark, Immediate {
    }

    /** A graceful deletion is pending already and the request does not shorten it. */
    public record Unchanged() implements Decision {
    }

    /** Store this deletion mark (new, or a shorter one). */
    public record Mark(Deletion deletion) implements Decision {
        public Mark {
            requireNonNull(deletion, "deletion");
        }
    }

    /** Remove the object now (a grace period of 0: force). */
    public record Immediate() implements Decision {
    }

    /**
     * @param phase the pod's status phase (null when not known yet)
     * @param existing the pod's deletion mark, or null
     * @param requestedSeconds DeleteOptions' {@code gracePeriodSeconds}, or null
     */
    public static Decision decide(Pod pod, String phase, Deletion existing, Long requestedSeconds, Instant now) {
        requireNonNull(pod, "pod");
        requireNonNull(now, "now");
        Long requested = requestedSeconds == null ? null : requestedSeconds < 0 ? 1L : requestedSeconds;
        if (existing == null) {
            long period = requested != null ? requested : pod.effectiveTerminationGracePeriodSeconds();
            if ("Failed".equals(phase) || "Succeeded".equals(phase)) {
                period = 0;
            }
            return period == 0 ? new Immediate() : new Mark(new Deletion(now.plusSeconds(period), period));
        }
        if (existing.gracePeriodSeconds() == 0) {
            return new Immediate();
        }
        if (requested == null || requested >= existing.gracePeriodSeconds()) {
            return new Unchanged();
        }
        if (requested == 0) {
            return new Immediate();
        }
        Instant asked = existing.timestamp().minusSeconds(existing.gracePeriodSeconds());
        return new Mark(new Deletion(asked.plusSeconds(requested), requested));
    }
}
