package dev.resizelet.core.api;

/** Thrown by NodeAgent: the object does not exist (HTTP 404). The message is the Kubernetes Status message. */
public final class NotFoundException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NotFoundException(String message) {
        super(message);
    }
}
