package dev.resizelet.core.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** The filesystem operations checkpoints need; the seam tests replace to inject failures. */
public interface CheckpointFs {

    byte[] read(Path file) throws IOException;

    /** Creates or truncates {@code file}, writes {@code data} and forces it to disk. */
    void writeDurably(Path file, byte[] data) throws IOException;

    /** Atomically replaces {@code to} with {@code from} (same directory). */
    void atomicMove(Path from, Path to) throws IOException;

    /** Makes a rename or delete in {@code dir} durable. */
    void syncDirectory(Path dir) throws IOException;

    void deleteIfExists(Path file) throws IOException;

    List<Path> list(Path dir) throws IOException;

    void createDirectories(Path dir) throws IOException;
}
