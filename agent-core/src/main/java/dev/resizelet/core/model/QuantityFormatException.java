package dev.resizelet.core.model;

/**
 * A quantity string Kubernetes would not parse. {@link #getMessage()} is the apiserver's text
 * (e.g. {@code quantities must match the regular expression '...'}); {@link #input()} is what was given.
 */
public final class QuantityFormatException extends IllegalArgumentException {

    private final String input;

    public QuantityFormatException(String input, String message) {
        super(message);
        this.input = input;
    }

    public String input() {
        return input;
    }
}
