package dev.resizelet.core.api;

/** Thrown by NodeAgent: an object with that namespace/name exists (HTTP 409). The message is the Kubernetes Status message. */
public final class AlreadyExistsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public AlreadyExistsException(String message) {
        super(message);
    }
}
