package dev.resizelet.fakecri;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The time seam of the exit model: runs a container's exit after its delay. {@link #system()} uses real time;
 * tests pass a {@link ManualExitTimer} and advance it.
 */
@FunctionalInterface
public interface ExitTimer {

    /** Runs {@code exit} after {@code delay}; the handle cancels it (a container stopped before it exits). */
    Handle schedule(Duration delay, Runnable exit);

    /** Cancels a scheduled exit; cancelling one that ran or was cancelled does nothing. */
    @FunctionalInterface
    interface Handle {
        void cancel();
    }

    /** Real time, on one shared daemon thread. */
    static ExitTimer system() {
        return SystemTimer.INSTANCE;
    }

    /** The shared real-time timer. */
    final class SystemTimer implements ExitTimer {
        static final SystemTimer INSTANCE = new SystemTimer();
        private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fake-cri-exits");
            t.setDaemon(true);
            return t;
        });

        private SystemTimer() {
        }

        @Override
        public Handle schedule(Duration delay, Runnable exit) {
            ScheduledFuture<?> f = executor.schedule(exit, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        }
    }
}
