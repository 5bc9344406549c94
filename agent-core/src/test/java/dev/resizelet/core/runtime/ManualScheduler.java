package dev.resizelet.core.runtime;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A scheduler on a clock the test advances: tasks run only in {@link #runDue()} / {@link #runNext()}, on the
 * test's thread. Records every delay it was asked for.
 */
final class ManualScheduler extends AbstractExecutorService implements ScheduledExecutorService {
    private final TestClock clock;
    private final List<Task> tasks = new ArrayList<>(); // guarded by this
    private final List<Duration> delays = new ArrayList<>(); // guarded by this
    private long order;
    private boolean shutdown;

    ManualScheduler(Instant start) {
        this.clock = new TestClock(start);
    }

    Clock clock() {
        return clock;
    }

    /** Tasks waiting (cancelled ones excluded). */
    synchronized int pending() {
        return (int) tasks.stream().filter(t -> !t.cancelled).count();
    }

    /** Every delay passed to schedule(), in order (execute() counts as zero). */
    synchronized List<Duration> delays() {
        return List.copyOf(delays);
    }

    /** Runs every task due now (and those they make due now). */
    void runDue() {
        while (true) {
            Task t;
            synchronized (this) {
                t = tasks.stream().filter(x -> !x.cancelled && !x.due.isAfter(clock.instant()))
                        .min(Comparator.comparing((Task x) -> x.due).thenComparingLong(x -> x.order)).orElse(null);
                if (t == null) {
                    return;
                }
                tasks.remove(t);
            }
            t.done = true;
            t.command.run();
        }
    }

    /** Advances the clock to the earliest pending task and runs what is due then; false if nothing is pending. */
    boolean runNext() {
        synchronized (this) {
            tasks.removeIf(t -> t.cancelled);
            Instant next = tasks.stream().map(t -> t.due).min(Comparator.naturalOrder()).orElse(null);
            if (next == null) {
                return false;
            }
            if (next.isAfter(clock.instant())) {
                clock.now = next;
            }
        }
        runDue();
        return true;
    }

    Instant now() {
        return clock.instant();
    }

    @Override
    public synchronized ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        if (shutdown) {
            throw new java.util.concurrent.RejectedExecutionException("shut down");
        }
        Duration d = Duration.ofNanos(unit.toNanos(delay));
        delays.add(d);
        Task t = new Task(command, clock.instant().plus(d), order++);
        tasks.add(t);
        return t;
    }

    @Override
    public synchronized void execute(Runnable command) {
        if (shutdown) {
            throw new java.util.concurrent.RejectedExecutionException("shut down");
        }
        tasks.add(new Task(command, clock.instant(), order++));
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException();
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        throw new UnsupportedOperationException();
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException();
    }

    @Override
    public synchronized void shutdown() {
        shutdown = true;
    }

    @Override
    public synchronized List<Runnable> shutdownNow() {
        shutdown = true;
        List<Runnable> left = tasks.stream().map(t -> t.command).toList();
        tasks.clear();
        return left;
    }

    @Override
    public synchronized boolean isShutdown() {
        return shutdown;
    }

    @Override
    public synchronized boolean isTerminated() {
        return shutdown && tasks.isEmpty();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return isTerminated();
    }

    private final class Task implements ScheduledFuture<Object> {
        final Runnable command;
        final Instant due;
        final long order;
        volatile boolean cancelled;
        volatile boolean done;

        Task(Runnable command, Instant due, long order) {
            this.command = command;
            this.due = due;
            this.order = order;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(Duration.between(clock.instant(), due));
        }

        @Override
        public int compareTo(Delayed o) {
            return Long.compare(getDelay(TimeUnit.NANOSECONDS), o.getDelay(TimeUnit.NANOSECONDS));
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            if (done) {
                return false;
            }
            cancelled = true;
            return true;
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public boolean isDone() {
            return done || cancelled;
        }

        @Override
        public Object get() {
            return null;
        }

        @Override
        public Object get(long timeout, TimeUnit unit) {
            return null;
        }
    }

    private static final class TestClock extends Clock {
        volatile Instant now;

        TestClock(Instant now) {
            this.now = now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
