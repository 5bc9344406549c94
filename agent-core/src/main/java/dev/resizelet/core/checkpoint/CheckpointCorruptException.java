package dev.resizelet.core.checkpoint;

import java.nio.file.Path;

/**
 * A checkpoint file is damaged (torn write, flipped bits, wrong version). The agent must stop: the
 * message names the file and what to do.
 */
public final class CheckpointCorruptException extends RuntimeException {

    private final transient Path file;

    public CheckpointCorruptException(Path file, String problem) {
        super("checkpoint " + file + " is corrupt (" + problem + "); restore it from backup or remove it to let"
                + " resizelet re-admit from pod specs");
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
