package dev.resizelet.core.checkpoint;

import java.nio.file.Path;

/** A checkpoint could not be written; the previous file, if any, is intact. */
public final class CheckpointWriteException extends RuntimeException {

    private final transient Path file;

    public CheckpointWriteException(Path file, String what, Throwable cause) {
        super("cannot " + what + " checkpoint " + file + ": " + cause.getMessage(), cause);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
