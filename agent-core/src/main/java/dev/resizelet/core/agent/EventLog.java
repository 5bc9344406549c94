package dev.resizelet.core.agent;

import dev.resizelet.core.status.ResizeEvent;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;

/**
 * The resize events users list ({@code kubectl get events}), newest {@value #CAPACITY} kept: bounded by design. A
 * repeat of the pod's last event (a retried pass failing the same way) is kept once.
 */
public final class EventLog {
    static final int CAPACITY = 1000;

    private final ArrayDeque<ResizeEvent> events = new ArrayDeque<>();   // guarded by this
    private long sequence;                                               // guarded by this

    public EventLog() {
    }

    public synchronized void record(ResizeEvent e) {
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
        return events.stream().filter(e -> namespace == null || e.namespace().equals(namespace)).toList();
    }
}
