package dev.resizelet.cri;

import dev.resizelet.cri.v1.ContainerEventResponse;

/** Receives the runtime's container events; called on a gRPC thread, one call at a time per subscription. */
public interface ContainerEventListener {
    void onEvent(ContainerEventResponse event);

    /** The stream failed (not called after {@link CriSubscription#cancel()}); the subscription is over. */
    default void onError(CriException error) {
    }

    /** The runtime ended the stream; the subscription is over. */
    default void onCompleted() {
    }
}
