package dev.resizelet.core.agent;

import static java.util.Objects.requireNonNull;

import dev.resizelet.core.status.ResizeEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;

/**
 * The resize events users list ({@code kubectl get events}), bounded by design: the newest {@value #CAPACITY} are
 * kept, and none older than {@link #TTL} (the apiserver's {@code --event-ttl} default, after which etcd drops an event).
 * A repeat of the pod's last event (a retried pass failing the same way) is kept once.
 */
public final class EventLog {
    static final int CAPACITY = 1000;
    /** The apiserver's default {@code --event-ttl}. */
    public static final Duration TTL = Duration.ofHours(1);

    private final Clock clock;
    private final ArrayDeque<ResizeEvent> events = new ArrayDeque<>();   // guarded by this
    private long sequence;                                               // guarded by this

    public EventLog() {
        this(Clock.systemUTC());
    }

    /** @param clock what "older than {@link #TTL}" is measured against */
    public EventLog(Clock clock) {
        this.clock = requireNonNull(clock, "clock");
    }

    public synchronized void record(ResizeEvent e) {
        expire();
        ResizeEvent last = events.peekLast();
        if (last != null && last.uid().equals(e.uid()) && last.type() == e.type()
                && Objects.equals(last.message(), e.message())) {
            return;
        }
        events.addLast(e.withSequence(++sequence));
        if (events.size() > CAPACITY) {
            events.pollFirst();
        }
    }

    /** Events of one namespace (all when null), oldest first. */
    public synchronized List<ResizeEvent> list(String namespace) {
        expire();
        return events.stream().filter(e -> namespace == null || e.namespace().equals(namespace)).toList();
    }

    /** Events are recorded in time order: the expired ones are at the head. */
    private void expire() {
        Instant oldest = clock.instant().minus(TTL);
        while (!events.isEmpty() && events.peekFirst().time().isBefore(oldest)) {
            events.pollFirst();
        }
    }
}
