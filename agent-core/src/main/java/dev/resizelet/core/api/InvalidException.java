package dev.resizelet.core.api;

import dev.resizelet.core.validation.FieldError;
import java.util.List;

/** Thrown by NodeAgent: the pod or the resize breaks the API rules (HTTP 422); nothing changed. */
public final class InvalidException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String name;
    private final transient List<FieldError> errors;

    public InvalidException(String name, List<FieldError> errors) {
        super(FieldError.statusMessage("Pod", name, errors));
        this.name = name;
        this.errors = List.copyOf(errors);
    }

    public String name() {
        return name;
    }

    /** The causes, for {@code details.causes} of the Status. */
    public List<FieldError> errors() {
        return errors;
    }
}
