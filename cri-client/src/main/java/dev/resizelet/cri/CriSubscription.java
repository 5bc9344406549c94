package dev.resizelet.cri;

/** A running {@code GetContainerEvents} stream. */
public interface CriSubscription extends AutoCloseable {
    /** Ends the stream; the listener hears nothing more. Idempotent. */
    void cancel();

    /** False once the stream failed, completed or was cancelled. */
    boolean isActive();

    @Override
    default void close() {
        cancel();
    }
}
