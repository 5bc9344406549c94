package dev.resizelet.core.runtime;

import static java.util.Objects.requireNonNull;

import dev.resizelet.cri.ContainerEventListener;
import dev.resizelet.cri.CriException;
import dev.resizelet.cri.CriRuntime;
import dev.resizelet.cri.CriSubscription;
import dev.resizelet.cri.v1.ContainerEventResponse;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Follows the runtime's GetContainerEvents stream; resubscribes after a failure. */
final class RuntimeEvents implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RuntimeEvents.class);
    private static final long RESUBSCRIBE_MS = 1000;

    private final CriRuntime cri;
    private final ScheduledExecutorService scheduler;
    private final Consumer<String> onContainerEvent;
    private volatile CriSubscription subscription;
    private volatile boolean closed;

    RuntimeEvents(CriRuntime cri, ScheduledExecutorService scheduler, Consumer<String> onContainerEvent) {
        this.cri = requireNonNull(cri, "cri");
        this.scheduler = requireNonNull(scheduler, "scheduler");
        this.onContainerEvent = requireNonNull(onContainerEvent, "onContainerEvent");
    }

    void subscribe() {
        if (closed) {
            return;
        }
        try {
            subscription = cri.subscribeContainerEvents(new ContainerEventListener() {
                @Override
                public void onEvent(ContainerEventResponse event) {
                    onContainerEvent.accept(event.getContainerId());
                }

                @Override
                public void onError(CriException error) {
                    log.info("container event stream ended, resubscribing error=\"{}\"", error.getMessage());
                    later();
                }

                @Override
                public void onCompleted() {
                    later();
                }
            });
        } catch (CriException e) {
            log.info("cannot subscribe to container events error=\"{}\"", e.getMessage());
            later();
        }
    }

    private void later() {
        if (!closed) {
            scheduler.schedule(this::subscribe, RESUBSCRIBE_MS, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void close() {
        closed = true;
        CriSubscription s = subscription;
        if (s != null) {
            s.cancel();
        }
    }
}
