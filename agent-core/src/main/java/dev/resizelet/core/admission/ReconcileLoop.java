package dev.resizelet.core.admission;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodResources;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.store.StoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one owner thread of the node's resize state. Callers on any thread enqueue commands and get a future; the
 * owner drains everything queued, decides it all against the {@link AllocationManager}, makes the batch durable
 * with one sync ({@link AllocationManager#commit()}), and only then completes the futures and tells listeners
 * (group commit, as a database does). Reads ({@link #state}, {@link #snapshot}) are lock-free and see committed
 * values only.
 *
 * <p>A batch that cannot be made durable is rolled back, reported (its futures fail, the log says why) and retried
 * with backoff: its commands run again before anything newer. Deferred resizes are also retried on a timer
 * ({@link NodeConfig#retryInterval()}).
 */
public final class ReconcileLoop implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReconcileLoop.class);
    private static final int MAX_BATCH = 4096;
    private static final Duration MAX_RETRY_DELAY = Duration.ofSeconds(10);
    /** How soon deferred resizes' messages follow the node's use after a trigger skipped them (AllocationManager#retryTriggered). */
    static final Duration DEFERRED_REFRESH = Duration.ofSeconds(1);

    private final AllocationManager manager;
    private final LinkedBlockingQueue<Command<?>> queue = new LinkedBlockingQueue<>();
    private final List<AllocationListener> listeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timer;
    private final Thread owner;
    private volatile boolean closed;
    // owner thread only
    private List<Command<?>> failedBatch = List.of();
    private int failedCommits;
    private volatile long batches;   // written by the owner thread only
    private volatile long commands;

    /** One unit of work for the owner: runs against the manager, returns its result and the decisions it took. */
    private record Command<T>(Function<AllocationManager, T> work, Function<T, List<AdmissionDecision>> decisions,
            CompletableFuture<T> done) {
    }

    public ReconcileLoop(AllocationManager manager) {
        this.manager = manager;
        this.timer = Executors.newSingleThreadScheduledExecutor(
                new ThreadFactoryBuilder().setNameFormat("resizelet-allocation-timer").setDaemon(true).build());
        this.owner = new ThreadFactoryBuilder().setNameFormat("resizelet-allocation").setDaemon(true).build()
                .newThread(this::run);
        owner.start();
        long every = manager.nodeConfig().retryInterval().toMillis();
        timer.scheduleWithFixedDelay(() -> retryPending(), every, every, TimeUnit.MILLISECONDS);
        long refresh = Math.min(every, DEFERRED_REFRESH.toMillis());
        timer.scheduleWithFixedDelay(() -> {
            if (manager.refreshOwed()) {
                submit(AllocationManager::refreshDeferred, d -> d);
            }
        }, refresh, refresh, TimeUnit.MILLISECONDS);
    }

    public void addListener(AllocationListener listener) {
        listeners.add(listener);
    }

    /** See {@link AllocationManager#restore}. Listeners hear each decision once it is durable. */
    public CompletableFuture<Map<PodUid, AdmissionDecision>> restore(Collection<Pod> desiredPods) {
        List<Pod> copy = List.copyOf(desiredPods);
        return submit(m -> m.restore(copy), d -> List.copyOf(d.values()));
    }

    public CompletableFuture<AdmissionDecision> admitNewPod(Pod pod) {
        return submit(m -> m.admitNewPod(pod), List::of);
    }

    public CompletableFuture<AdmissionDecision> requestResize(Pod desired) {
        return submit(m -> m.requestResize(desired), List::of);
    }

    /** Frees the pod's allocation; completes with the deferred resizes that changed as a result. */
    public CompletableFuture<List<AdmissionDecision>> removePod(PodUid uid) {
        return submit(m -> m.removePod(uid), d -> d);
    }

    public CompletableFuture<List<AdmissionDecision>> retryPending() {
        return submit(AllocationManager::retryPending, d -> d);
    }

    /**
     * An enactment pass ended (see {@link AllocationManager#recordPass}); completes once the actuated values are
     * durable, so a worker that waits for it never acts on values a crash could forget. A pass without error may have
     * finished a resize: deferred resizes are retried in the same command ({@link AllocationManager#resizeFinished}), so a finished
     * resize costs the owner one hand-off, not two.
     */
    public CompletableFuture<Void> recordPass(PodUid uid, PodResources actuated, String error) {
        return submit(m -> {
            m.recordPass(uid, actuated, error);
            return error == null ? m.resizeFinished(uid) : List.<AdmissionDecision>of();
        }, d -> d).thenApply(d -> null);
    }

    public Optional<PodState> state(PodUid uid) {
        return manager.state(uid);
    }

    public Optional<PodResources> allocated(PodUid uid) {
        return manager.allocated(uid);
    }

    public NodeSnapshot snapshot() {
        return manager.snapshot();
    }

    /** Batches committed and commands run since start (their ratio is the group-commit factor). */
    public long batches() {
        return batches;
    }

    public long commands() {
        return commands;
    }

    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
        owner.interrupt();
        try {
            owner.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Command<?> c;
        while ((c = queue.poll()) != null) {
            c.done().completeExceptionally(new IllegalStateException("the allocation loop is closed"));
        }
    }

    private <T> CompletableFuture<T> submit(Function<AllocationManager, T> work,
            Function<T, List<AdmissionDecision>> decisions) {
        Command<T> c = new Command<>(work, decisions, new CompletableFuture<>());
        if (closed) {
            c.done().completeExceptionally(new IllegalStateException("the allocation loop is closed"));
            return c.done();
        }
        queue.add(c);
        return c.done();
    }

    private void run() {
        List<Command<?>> batch = new ArrayList<>();
        while (!closed) {
            try {
                batch.clear();
                if (!failedBatch.isEmpty()) {
                    Thread.sleep(retryDelay().toMillis());
                    batch.addAll(failedBatch);
                } else {
                    batch.add(queue.take());
                }
                queue.drainTo(batch, MAX_BATCH - batch.size());
                runBatch(batch);
            } catch (InterruptedException e) {
                if (closed) {
                    return;
                }
            } catch (RuntimeException e) {
                log.error("allocation loop batch failed error=\"{}\"", e.getMessage(), e);
            }
        }
    }

    private void runBatch(List<Command<?>> batch) {
        List<Object> results = new ArrayList<>(batch.size());
        for (Command<?> c : batch) {
            results.add(runOne(c));
        }
        List<AdmissionDecision> freed = manager.retryIfRoomFreed();
        AllocationManager.Commit changed;
        try {
            changed = manager.commit();
        } catch (StoreException.Unavailable e) {
            failedCommits++;
            failedBatch = List.copyOf(batch);
            log.warn("resize state batch not durable, rolled back; retrying commands={} attempt={} error=\"{}\"",
                    batch.size(), failedCommits, e.getMessage());
            return;
        }
        if (failedCommits > 0) {
            log.info("resize state log writable again after failedAttempts={}", failedCommits);
        }
        failedCommits = 0;
        failedBatch = List.of();
        batches++;
        commands += batch.size();
        manager.compactJournal();
        for (int i = 0; i < batch.size(); i++) {
            complete(batch.get(i), results.get(i));
        }
        freed.forEach(this::notifyListeners);
        for (PodUid uid : changed.changed()) {
            if (!changed.statusChanged(uid)) {
                continue; // a pass's actuated values, which the status showed when the pass ended
            }
            PodState state = manager.state(uid).orElse(null);
            tellListeners(uid, l -> l.onCommitted(uid, state));
        }
    }

    private static final Object FAILED = new Object();

    private Object runOne(Command<?> c) {
        try {
            return c.work().apply(manager);
        } catch (RuntimeException e) {
            log.warn("allocation command failed error=\"{}\"", e.getMessage(), e);
            c.done().completeExceptionally(e);
            return FAILED;
        }
    }

    @SuppressWarnings("unchecked")
    private <T> void complete(Command<T> c, Object result) {
        if (result == FAILED) {
            return;
        }
        T value = (T) result;
        for (AdmissionDecision d : c.decisions().apply(value)) {
            notifyListeners(d);
        }
        if (value instanceof AdmissionDecision d) {
            notifyListeners(d);
        }
        c.done().complete(value);
    }

    private Duration retryDelay() {
        long ms = Math.min(MAX_RETRY_DELAY.toMillis(), 50L << Math.min(failedCommits, 8));
        return Duration.ofMillis(ms);
    }

    private void notifyListeners(AdmissionDecision d) {
        PodState state = manager.state(d.uid()).orElse(null);
        tellListeners(d.uid(), l -> l.onDecision(d, state));
    }

    /** A failing listener is logged and the others still hear it. */
    private void tellListeners(PodUid uid, java.util.function.Consumer<AllocationListener> call) {
        for (AllocationListener l : listeners) {
            try {
                call.accept(l);
            } catch (RuntimeException e) {
                log.warn("allocation listener failed uid={} error=\"{}\"", uid, e.getMessage(), e);
            }
        }
    }
}
