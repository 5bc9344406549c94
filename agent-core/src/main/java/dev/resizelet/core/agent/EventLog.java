package dev.resizelet.core.agent;

import static java.util.Objects.requireNonNull;

import dev.resizelet.core.api.ResizeEvent;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;

/**
 * The resize events users list ({@code kubectl get events}), newest {@value #CAPACITY} kept: bounded by design. A
 * repeat of the pod's last event (a retried pass failing the same way) is kept once.
 */
public final class EventLog {
    static final int CAPACITY = 1000;

    private final Clock clock;
    private final ArrayDeque<ResizeEvent> events = new ArrayDeque<>();   // guarded by this
    private long sequence;                                               // guarded by this

    public EventLog(Clock clock) {
        this.clock = requireNonNull(clock, "clock");
    }

    public synchronized void record(String namespace, String podName, String podUid, String type, String reason,
            String message) {
        ResizeEvent last = events.peekLast();
        if (last != null && last.podUid().equals(podUid) && last.reason().equals(reason)
                && Objects.equals(last.message(), message)) {
            return;
        }
        events.addLast(new ResizeEvent(++sequence, namespace, podName, podUid, type, reason, message, clock.instant()));
        if (events.size() > CAPACITY) {
            events.pollFirst();
        }
    }

    /** Events of one namespace (all when null), oldest first. */
    public synchronized List<ResizeEvent> list(String namespace) {
        return events.stream().filter(e -> namespace == null || e.namespace().equals(namespace)).toList();
    }
}
