package dev.resizelet.core.enact;

import static java.util.Objects.requireNonNull;

/** How an enactment pass ended. */
public sealed interface PassOutcome {

    /** Every step ran: actuated == allocated. */
    record Completed(int steps) implements PassOutcome {
    }

    /**
     * A step failed and ended the pass; the next pass retries with backoff.
     *
     * @param step the step that failed
     * @param message the error, in the runtime's (or the kernel's) words, for {@code PodResizeInProgress} reason Error
     * @param belowUsage true when a memory limit was held back because usage is at or above it
     */
    record Failed(EnactStep step, String message, boolean belowUsage) implements PassOutcome {
        public Failed {
            requireNonNull(step, "step");
            requireNonNull(message, "message");
        }
    }
}
