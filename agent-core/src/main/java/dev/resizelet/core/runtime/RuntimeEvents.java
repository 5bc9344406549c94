package dev.resizelet.core.runtime;

import static java.util.Objects.requireNonNull;

import dev.resizelet.cri.ContainerEventListener;
import dev.resizelet.cri.CriException;
import dev.resizelet.cri.CriRuntime;
import dev.resizelet.cri.CriSubscription;
import dev.resizelet.cri.CriUnimplementedException;
import dev.resizelet.cri.v1.ContainerEventResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Follows the runtime's {@code GetContainerEvents} stream, which only speeds up what the periodic relist finds
 * anyway, so it never costs more than it is worth:
 * <ul>
 *   <li>A runtime that answers UNIMPLEMENTED (containerd before 1.7) is told once in the log and then served by
 *       relist alone; the stream is tried again only every {@link Policy#unimplementedRetry} (a runtime upgraded
 *       underneath) or when {@link #resubscribeNow()} says the runtime reconnected.</li>
 *   <li>Any other failure, or a stream the runtime ends, is retried with exponential backoff from
 *       {@link Policy#firstBackoff} up to {@link Policy#maxBackoff}. The backoff starts over once the stream
 *       delivered an event or lived {@link Policy#healthyAfter}.</li>
 *   <li>The log gets one line per change of state (streaming, unimplemented, failing), never one per attempt.</li>
 *   <li>Events are not handled on the gRPC thread: the container ids are collected (duplicates merged) and
 *       handed to the callback on the {@code scheduler}, where blocking CRI calls are fine.</li>
 * </ul>
 */
final class RuntimeEvents implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RuntimeEvents.class);

    /** How the stream is retried. */
    record Policy(Duration firstBackoff, Duration maxBackoff, Duration unimplementedRetry, Duration healthyAfter) {
        static final Policy DEFAULT = new Policy(Duration.ofSeconds(1), Duration.ofMinutes(1),
                Duration.ofMinutes(10), Duration.ofMinutes(1));

        Policy {
            requireNonNull(firstBackoff, "firstBackoff");
            requireNonNull(maxBackoff, "maxBackoff");
            requireNonNull(unimplementedRetry, "unimplementedRetry");
            requireNonNull(healthyAfter, "healthyAfter");
            if (firstBackoff.isNegative() || firstBackoff.isZero() || maxBackoff.compareTo(firstBackoff) < 0) {
                throw new IllegalArgumentException("backoff must be positive and firstBackoff <= maxBackoff, got "
                        + firstBackoff + " and " + maxBackoff);
            }
        }
    }

    /** What the stream is doing; the log says when it changes. */
    enum State { STARTING, STREAMING, UNIMPLEMENTED, FAILING, CLOSED }

    /** Where the state-change lines go (SLF4J; tests count them). */
    interface LogSink {
        void log(Level level, String message);

        LogSink SLF4J = (level, message) -> log.atLevel(level).log(message);
    }

    private final CriRuntime cri;
    private final ScheduledExecutorService scheduler;
    private final Consumer<String> onContainerEvent;
    private final Clock clock;
    private final Policy policy;
    private final LogSink sink;

    private final Object lock = new Object();
    // guarded by lock
    private State state = State.STARTING;
    private Duration nextBackoff;
    private long attempt; // numbers the subscriptions; callbacks of an older one are ignored
    private CriSubscription subscription;
    private Instant subscribedAt;
    private boolean sawEvent;
    private ScheduledFuture<?> retry;
    private final Set<String> pending = new LinkedHashSet<>();
    private boolean drainQueued;

    RuntimeEvents(CriRuntime cri, ScheduledExecutorService scheduler, Consumer<String> onContainerEvent) {
        this(cri, scheduler, onContainerEvent, Clock.systemUTC(), Policy.DEFAULT, LogSink.SLF4J);
    }

    RuntimeEvents(CriRuntime cri, ScheduledExecutorService scheduler, Consumer<String> onContainerEvent, Clock clock,
            Policy policy, LogSink sink) {
        this.cri = requireNonNull(cri, "cri");
        this.scheduler = requireNonNull(scheduler, "scheduler");
        this.onContainerEvent = requireNonNull(onContainerEvent, "onContainerEvent");
        this.clock = requireNonNull(clock, "clock");
        this.policy = requireNonNull(policy, "policy");
        this.sink = requireNonNull(sink, "sink");
        this.nextBackoff = policy.firstBackoff();
    }

    /** Opens the stream (call once at start; later attempts schedule themselves). */
    void subscribe() {
        long mine;
        synchronized (lock) {
            if (state == State.CLOSED) {
                return;
            }
            retry = null;
            mine = ++attempt;
            subscribedAt = clock.instant();
            sawEvent = false;
        }
        CriSubscription s;
        try {
            s = cri.subscribeContainerEvents(new Listener(mine));
        } catch (CriException e) {
            ended(mine, e);
            return;
        }
        synchronized (lock) {
            if (mine == attempt && state != State.CLOSED) {
                subscription = s.isActive() ? s : null; // an attempt can fail before it returns
                return;
            }
        }
        s.cancel(); // closed meanwhile
    }

    /**
     * The runtime connection was re-established (the runtime restarted, say): try the stream now instead of
     * waiting out a backoff, and forget that the runtime lacked it. Does nothing while a stream is open.
     */
    void resubscribeNow() {
        synchronized (lock) {
            if (state == State.CLOSED || (subscription != null && subscription.isActive())) {
                return;
            }
            if (retry != null) {
                retry.cancel(false);
                retry = null;
            }
            nextBackoff = policy.firstBackoff();
        }
        subscribe();
    }

    /** The current state (for status pages and tests). */
    State state() {
        synchronized (lock) {
            return state;
        }
    }

    private final class Listener implements ContainerEventListener {
        private final long attempt;

        Listener(long attempt) {
            this.attempt = attempt;
        }

        @Override
        public void onEvent(ContainerEventResponse event) {
            // created/started events are what the agent itself just did (or precede the stopped event of the
            // container a restart behind its back replaces); re-reading a pod for each one cost a node that starts
            // 1,000 pods 90 pod refreshes a second. Stopped and deleted containers are what the status must show.
            switch (event.getContainerEventType()) {
                case CONTAINER_CREATED_EVENT, CONTAINER_STARTED_EVENT -> { }
                default -> received(attempt, event.getContainerId());
            }
        }

        @Override
        public void onError(CriException error) {
            ended(attempt, error);
        }

        @Override
        public void onCompleted() {
            ended(attempt, null);
        }
    }

    /** On the gRPC thread: note the id and make sure a drain is queued on the scheduler; nothing blocking here. */
    private void received(long from, String containerId) {
        boolean queue;
        String line = null;
        synchronized (lock) {
            if (from != attempt || state == State.CLOSED) {
                return;
            }
            sawEvent = true;
            nextBackoff = policy.firstBackoff();
            if (state != State.STREAMING) {
                line = state == State.STARTING ? null : "container event stream resumed";
                state = State.STREAMING;
            }
            pending.add(containerId);
            queue = !drainQueued;
            drainQueued = true;
        }
        if (line != null) {
            sink.log(Level.INFO, line);
        }
        if (queue) {
            try {
                scheduler.execute(this::drain);
            } catch (RejectedExecutionException e) {
                synchronized (lock) {
                    drainQueued = false; // the engine is shutting down
                }
            }
        }
    }

    /** On the scheduler: hands every collected container id to the callback. */
    private void drain() {
        List<String> ids;
        synchronized (lock) {
            drainQueued = false;
            if (state == State.CLOSED) {
                pending.clear();
                return;
            }
            ids = new ArrayList<>(pending);
            pending.clear();
        }
        for (String id : ids) {
            try {
                onContainerEvent.accept(id);
            } catch (RuntimeException e) {
                log.warn("container event handling failed container={}", id, e);
            }
        }
    }

    /** The stream (or the attempt to open it) ended: {@code error} null means the runtime completed it. */
    private void ended(long from, CriException error) {
        String line = null;
        Level level = Level.INFO;
        Duration delay;
        synchronized (lock) {
            if (from != attempt || state == State.CLOSED) {
                return;
            }
            subscription = null;
            boolean healthy = sawEvent
                    || Duration.between(subscribedAt, clock.instant()).compareTo(policy.healthyAfter()) >= 0;
            if (healthy) {
                nextBackoff = policy.firstBackoff();
            }
            State next;
            if (error instanceof CriUnimplementedException) {
                next = State.UNIMPLEMENTED;
                delay = policy.unimplementedRetry();
                if (state != next) {
                    line = "runtime does not implement GetContainerEvents, following containers by relist alone;"
                            + " the stream is tried again every " + human(delay) + " and on reconnect error=\""
                            + error.getMessage() + "\"";
                }
            } else {
                next = State.FAILING;
                delay = nextBackoff;
                nextBackoff = min(nextBackoff.multipliedBy(2), policy.maxBackoff());
                if (state != next) {
                    level = Level.WARN;
                    line = "container event stream " + (error == null ? "ended by the runtime" : "failed")
                            + ", retrying with backoff up to " + human(policy.maxBackoff()) + " (relist goes on)"
                            + (error == null ? "" : " error=\"" + error.getMessage() + "\"");
                }
            }
            state = next;
            try {
                retry = scheduler.schedule(this::subscribe, delay.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                retry = null; // the engine is shutting down
            }
        }
        if (line != null) {
            sink.log(level, line);
        } else {
            log.debug("container event stream ended again state={} retryIn={}", state(), delay);
        }
    }

    @Override
    public void close() {
        CriSubscription s;
        synchronized (lock) {
            if (state == State.CLOSED) {
                return;
            }
            state = State.CLOSED;
            s = subscription;
            subscription = null;
            if (retry != null) {
                retry.cancel(false);
                retry = null;
            }
            pending.clear();
        }
        if (s != null) {
            s.cancel();
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static String human(Duration d) {
        if (d.toSeconds() % 60 == 0 && d.toMinutes() > 0) {
            return d.toMinutes() + "m";
        }
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
