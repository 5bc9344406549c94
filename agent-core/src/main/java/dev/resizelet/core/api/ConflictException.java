package dev.resizelet.core.api;

/** Thrown by NodeAgent: the expected resourceVersion is stale (HTTP 409). The message is the Kubernetes Status message. */
public final class ConflictException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConflictException(String message) {
        super(message);
    }
}
