package dev.resizelet.core.admission;

import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodResources;
import dev.resizelet.core.model.PodUid;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one owner thread of the node's allocation state. Every mutation of the wrapped
 * {@link AllocationManager} runs on this loop's single thread; callers on other threads get a
 * future. Reads ({@link #state}, {@link #allocated}, {@link #snapshot}) are lock-free and see
 * immutable published values. Deferred resizes are also retried on a timer
 * ({@link NodeConfig#retryInterval()}).
 */
public final class ReconcileLoop implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReconcileLoop.class);

    private final AllocationManager manager;
    private final ScheduledExecutorService thread;
    private final List<AllocationListener> listeners = new CopyOnWriteArrayList<>();

    public ReconcileLoop(AllocationManager manager) {
        this.manager = manager;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "resizelet-allocation");
            t.setDaemon(true);
            return t;
        });
        long every = manager.nodeConfig().retryInterval().toMillis();
        thread.scheduleWithFixedDelay(this::retryOnTimer, every, every, TimeUnit.MILLISECONDS);
    }

    public void addListener(AllocationListener listener) {
        listeners.add(listener);
    }

    /** See {@link AllocationManager#restore}. Listeners hear each decision. */
    public CompletableFuture<Map<PodUid, AdmissionDecision>> restore(Collection<Pod> desiredPods) {
        List<Pod> copy = List.copyOf(desiredPods);
        return submit(() -> {
            Map<PodUid, AdmissionDecision> decisions = manager.restore(copy);
            decisions.values().forEach(this::notifyListeners);
            return decisions;
        });
    }

    public CompletableFuture<AdmissionDecision> admitNewPod(Pod pod) {
        return submit(() -> notifyListeners(manager.admitNewPod(pod)));
    }

    public CompletableFuture<AdmissionDecision> requestResize(Pod desired) {
        return submit(() -> notifyListeners(manager.requestResize(desired)));
    }

    /** Frees the pod's allocation; completes with the deferred resizes that changed as a result. */
    public CompletableFuture<List<AdmissionDecision>> removePod(PodUid uid) {
        return submit(() -> notifyAll(manager.removePod(uid)));
    }

    /** Enactment finished a resize: deferred resizes are retried. */
    public CompletableFuture<List<AdmissionDecision>> resizeFinished(PodUid uid) {
        return submit(() -> notifyAll(manager.resizeFinished(uid)));
    }

    public CompletableFuture<List<AdmissionDecision>> retryPending() {
        return submit(() -> notifyAll(manager.retryPending()));
    }

    /** Enactment applied {@code actuated} successfully; it is checkpointed on the loop thread. */
    public CompletableFuture<Void> markActuated(PodResources actuated) {
        return submit(() -> {
            manager.markActuated(actuated);
            return null;
        });
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

    @Override
    public void close() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(5, TimeUnit.SECONDS)) {
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            thread.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private void retryOnTimer() {
        try {
            notifyAll(manager.retryPending());
        } catch (RuntimeException e) {
            log.warn("deferred resize retry failed, will retry on the next tick error=\"{}\"", e.getMessage(), e);
        }
    }

    private <T> CompletableFuture<T> submit(Supplier<T> work) {
        return CompletableFuture.supplyAsync(work, thread);
    }

    private List<AdmissionDecision> notifyAll(List<AdmissionDecision> decisions) {
        decisions.forEach(this::notifyListeners);
        return decisions;
    }

    private AdmissionDecision notifyListeners(AdmissionDecision d) {
        PodState state = manager.state(d.uid()).orElse(null);
        for (AllocationListener l : listeners) {
            try {
                l.onDecision(d, state);
            } catch (RuntimeException e) {
                log.warn("allocation listener failed uid={} error=\"{}\"", d.uid(), e.getMessage(), e);
            }
        }
        return d;
    }
}
