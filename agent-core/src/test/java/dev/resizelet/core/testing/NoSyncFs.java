package dev.resizelet.core.testing;

import dev.resizelet.core.checkpoint.CheckpointFs;
import dev.resizelet.core.checkpoint.NioCheckpointFs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The real filesystem without fsync: same files and renames, fast enough for many-step tests. */
public final class NoSyncFs implements CheckpointFs {

    private final NioCheckpointFs real = new NioCheckpointFs();

    @Override
    public byte[] read(Path file) throws IOException {
        return real.read(file);
    }

    @Override
    public void writeDurably(Path file, byte[] data) throws IOException {
        Files.write(file, data);
    }

    @Override
    public void atomicMove(Path from, Path to) throws IOException {
        real.atomicMove(from, to);
    }

    @Override
    public void syncDirectory(Path dir) {
        // skipped on purpose
    }

    @Override
    public void deleteIfExists(Path file) throws IOException {
        real.deleteIfExists(file);
    }

    @Override
    public List<Path> list(Path dir) throws IOException {
        return real.list(dir);
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        real.createDirectories(dir);
    }
}
