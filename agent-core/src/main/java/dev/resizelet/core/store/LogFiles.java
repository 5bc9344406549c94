package dev.resizelet.core.store;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The file operations of the durable logs ({@code pods.log}, {@code resize.log}): the seam where tests inject disk
 * faults (ENOSPC, EIO, a read-only filesystem) at append, sync, truncate and the rename of a compaction. {@link #DISK}
 * is the real filesystem; every call is one system call of the same kind as before the seam existed, and a write
 * allocates nothing here.
 */
public interface LogFiles {
    /** The real filesystem through {@link FileChannel}. */
    LogFiles DISK = new Disk();

    /** Opens an existing log for reading and writing; writes go to explicit offsets. */
    LogChannel open(Path file) throws IOException;

    /** Creates {@code file} (or empties it) to write a fresh log into. */
    LogChannel create(Path file) throws IOException;

    byte[] readAll(Path file) throws IOException;

    boolean exists(Path file);

    void createDirectories(Path dir) throws IOException;

    /** Atomically replaces {@code target} by {@code source} (a rename within one directory). */
    void replace(Path source, Path target) throws IOException;

    /** Makes a rename in {@code dir} durable ({@code fsync} of the directory). */
    void syncDirectory(Path dir) throws IOException;

    void deleteIfExists(Path file) throws IOException;

    /** An open log file. */
    interface LogChannel extends Closeable {
        /** Writes (part of) {@code src} at {@code position} ({@code pwrite}); returns the bytes written. */
        int write(ByteBuffer src, long position) throws IOException;

        /** {@code fdatasync} ({@code fsync} with {@code metadata}). */
        void force(boolean metadata) throws IOException;

        void truncate(long size) throws IOException;

        long size() throws IOException;

        /**
         * Fills {@code [from, to)} with zeros and, with {@code sync}, makes them durable ({@code fdatasync}): space a
         * log writes into later without changing the file's size. Outside the fault injection of
         * {@link FaultyLogFiles}: a refused preallocation only means the log grows as before.
         */
        void preallocate(long from, long to, boolean sync) throws IOException;
    }

    /** The real filesystem. */
    final class Disk implements LogFiles {
        private Disk() {
        }

        @Override
        public LogChannel open(Path file) throws IOException {
            return new DiskChannel(FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.READ));
        }

        @Override
        public LogChannel create(Path file) throws IOException {
            return new DiskChannel(FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING));
        }

        @Override
        public byte[] readAll(Path file) throws IOException {
            return Files.readAllBytes(file);
        }

        @Override
        public boolean exists(Path file) {
            return Files.exists(file);
        }

        @Override
        public void createDirectories(Path dir) throws IOException {
            Files.createDirectories(dir);
        }

        @Override
        public void replace(Path source, Path target) throws IOException {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }

        @Override
        public void syncDirectory(Path dir) throws IOException {
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            }
        }

        @Override
        public void deleteIfExists(Path file) throws IOException {
            Files.deleteIfExists(file);
        }
    }

    /** A {@link FileChannel}, nothing added. */
    final class DiskChannel implements LogChannel {
        private final FileChannel ch;

        DiskChannel(FileChannel ch) {
            this.ch = ch;
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            return ch.write(src, position);
        }

        @Override
        public void force(boolean metadata) throws IOException {
            ch.force(metadata);
        }

        @Override
        public void truncate(long size) throws IOException {
            ch.truncate(size);
        }

        @Override
        public long size() throws IOException {
            return ch.size();
        }

        @Override
        public void preallocate(long from, long to, boolean sync) throws IOException {
            ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(to - from, 64 << 10));
            long at = from;
            while (at < to) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), to - at));
                while (zeros.hasRemaining()) {
                    at += ch.write(zeros, at);
                }
            }
            if (sync) {
                ch.force(false);
            }
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }
}
