package dev.resizelet.core.runtime;

import static java.util.Objects.requireNonNull;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.function.Predicate;

/**
 * The first pass of every pod after a restart, a few at a time. Each such pass reads the pod's cgroup files and its
 * containers back from the runtime; started all at once for 10,000 pods they took every core for seconds, and the
 * API's readers, a new resize's pass and the status publisher waited behind them. Paced, they run in the
 * background and the rest of the agent keeps its share; a pod that gets a new target meanwhile is synced at once
 * by it and skipped here.
 *
 * @param <T> a pod's lane
 */
final class RestoredPasses<T> {
    private final int parallel;
    private final Predicate<T> start;
    private final ArrayDeque<T> waiting = new ArrayDeque<>(); // guarded by this
    private int running;                                      // guarded by this

    /**
     * @param parallel how many run at once
     * @param start starts the pass of a pod that still owes one and says so; false when a newer target synced it
     */
    RestoredPasses(int parallel, Predicate<T> start) {
        if (parallel < 1) {
            throw new IllegalArgumentException("parallel must be at least 1, got " + parallel);
        }
        this.parallel = parallel;
        this.start = requireNonNull(start, "start");
    }

    void enqueue(Collection<T> lanes) {
        synchronized (this) {
            waiting.addAll(lanes);
        }
        feed();
    }

    /** A pass started here has ended (done, failed or given up): the next one starts. */
    void passEnded() {
        synchronized (this) {
            running--;
        }
        feed();
    }

    /** Pods whose first pass has not started yet (a gauge). */
    synchronized int waiting() {
        return waiting.size();
    }

    private void feed() {
        while (true) {
            T next;
            synchronized (this) {
                if (running >= parallel || waiting.isEmpty()) {
                    return;
                }
                next = waiting.poll();
                running++;
            }
            if (!start.test(next)) {
                synchronized (this) {
                    running--;
                }
            }
        }
    }
}
