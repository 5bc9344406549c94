package dev.resizelet.fakecri;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * An {@link ExitTimer} whose time moves only when a test calls {@link #advance}: exits due by then run on the
 * caller's thread, in the order they are due.
 */
public final class ManualExitTimer implements ExitTimer {
    private final List<Scheduled> scheduled = new ArrayList<>(); // guarded by this
    private Duration now = Duration.ZERO; // guarded by this
    private long sequence; // guarded by this

    private record Scheduled(Duration due, long order, Runnable exit) {
    }

    @Override
    public synchronized Handle schedule(Duration delay, Runnable exit) {
        Scheduled s = new Scheduled(now.plus(delay), sequence++, exit);
        scheduled.add(s);
        return () -> {
            synchronized (ManualExitTimer.this) {
                scheduled.remove(s);
            }
        };
    }

    /** Moves time on by {@code d} and runs every exit due by then. */
    public void advance(Duration d) {
        Duration until;
        synchronized (this) {
            until = now.plus(d);
        }
        while (true) {
            Scheduled next;
            synchronized (this) {
                next = scheduled.stream().filter(s -> s.due().compareTo(until) <= 0)
                        .min(Comparator.comparing(Scheduled::due).thenComparingLong(Scheduled::order)).orElse(null);
                if (next == null) {
                    now = until;
                    return;
                }
                scheduled.remove(next);
                now = next.due();
            }
            next.exit().run();
        }
    }

    /** How many exits are waiting. */
    public synchronized int pending() {
        return scheduled.size();
    }
}
