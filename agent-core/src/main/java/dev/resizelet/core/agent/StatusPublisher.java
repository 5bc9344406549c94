package dev.resizelet.core.agent;

import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes pod statuses off the allocation owner's thread (DESIGN §2, STYLE "publishing is not owning"): anyone
 * may {@link #kick} a pod; kicks of a pod already waiting coalesce into one; one publisher thread composes the
 * status from the owner's committed snapshot and the runtime's view and hands it to the store, which fans it out to
 * watchers through their bounded buffers. A kick never blocks and never runs the work on the caller's thread.
 */
public final class StatusPublisher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StatusPublisher.class);

    private final Consumer<String> publish;
    private final Set<String> waiting = ConcurrentHashMap.newKeySet();
    private final LinkedBlockingQueue<String> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean closed;

    /** @param publish composes and stores the status of one pod (by uid); runs on the publisher thread only */
    public StatusPublisher(Consumer<String> publish) {
        this.publish = requireNonNull(publish, "publish");
        this.thread = new ThreadFactoryBuilder().setNameFormat("resizelet-status").setDaemon(true).build()
                .newThread(this::run);
        thread.start();
    }

    /** The pod's status may have changed: it is recomposed soon (once, however many kicks arrive meanwhile). */
    public void kick(String podUid) {
        if (!closed && waiting.add(podUid)) {
            queue.add(podUid);
        }
    }

    /** Pods waiting to be published (a gauge). */
    public int backlog() {
        return waiting.size();
    }

    private void run() {
        while (!closed) {
            String uid;
            try {
                uid = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            // removed before composing: a kick that arrives during composition queues the pod again
            waiting.remove(uid);
            try {
                publish.accept(uid);
            } catch (RuntimeException e) {
                log.warn("status publication failed pod={} error=\"{}\"", uid, e.getMessage(), e);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
