package dev.resizelet.core.agent;

import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import dev.resizelet.core.model.PodUid;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes pod statuses off the allocation owner's thread (DESIGN §2, STYLE "publishing is not owning"): anyone
 * may {@link #kick} a pod; kicks of a pod already waiting coalesce into one; publisher threads compose the status
 * from the owner's committed snapshot and the runtime's view and hand it to the store, which fans it out to watchers
 * through their bounded buffers. One pod is published by one thread at a time, so its statuses go out in order; a
 * kick that arrives while its pod is being published runs it once more afterwards. A kick never blocks and never
 * runs the work on the caller's thread.
 */
public final class StatusPublisher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StatusPublisher.class);

    private enum State { QUEUED, RUNNING, RUNNING_AGAIN }

    private final Consumer<PodUid> publish;
    private final ConcurrentHashMap<PodUid, State> pods = new ConcurrentHashMap<>();
    private final LinkedBlockingQueue<PodUid> queue = new LinkedBlockingQueue<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean closed;

    /**
     * @param publish composes and stores the status of one pod (by uid)
     * @param threads how many pods are published at once
     */
    public StatusPublisher(Consumer<PodUid> publish, int threads) {
        this.publish = requireNonNull(publish, "publish");
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        ThreadFactory factory = new ThreadFactoryBuilder().setNameFormat("resizelet-status-%d").setDaemon(true).build();
        for (int i = 0; i < threads; i++) {
            Thread t = factory.newThread(this::run);
            this.threads.add(t);
            t.start();
        }
    }

    /** The pod's status may have changed: it is recomposed soon (once, however many kicks arrive meanwhile). */
    public void kick(PodUid podUid) {
        if (closed) {
            return;
        }
        State before = pods.get(podUid);
        if (before == State.QUEUED || before == State.RUNNING_AGAIN) {
            return; // the coming publication will see the change
        }
        boolean[] enqueue = {false};
        pods.compute(podUid, (uid, s) -> {
            if (s == null) {
                enqueue[0] = true;
                return State.QUEUED;
            }
            return s == State.RUNNING ? State.RUNNING_AGAIN : s;
        });
        if (enqueue[0]) {
            queue.add(podUid);
        }
    }

    /** Pods waiting to be published or being published (a gauge). */
    public int backlog() {
        return pods.size();
    }

    private void run() {
        while (!closed) {
            PodUid uid;
            try {
                uid = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            pods.put(uid, State.RUNNING);
            try {
                publish.accept(uid);
            } catch (RuntimeException e) {
                log.warn("status publication failed pod={} error=\"{}\"", uid, e.getMessage(), e);
            }
            boolean[] again = {false};
            pods.compute(uid, (k, s) -> {
                if (s == State.RUNNING_AGAIN) {
                    again[0] = true;
                    return State.QUEUED;
                }
                return null;
            });
            if (again[0]) {
                queue.add(uid);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        threads.forEach(Thread::interrupt);
        for (Thread t : threads) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
