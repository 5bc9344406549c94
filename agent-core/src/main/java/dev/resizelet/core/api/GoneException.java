package dev.resizelet.core.api;

/** Thrown by NodeAgent: a watch asked for a resourceVersion older than the history (HTTP 410). The message is the Kubernetes Status message. */
public final class GoneException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public GoneException(String message) {
        super(message);
    }
}
