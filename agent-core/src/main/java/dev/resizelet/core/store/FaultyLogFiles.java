package dev.resizelet.core.store;

import dev.resizelet.core.store.LogFiles.LogChannel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real filesystem with faults injected per operation, as the kernel reports them: ENOSPC, EIO or EROFS at a
 * write, an fsync, a truncate, the temp file, the rename of a compaction or a removal. A failed write leaves half its bytes in
 * the file (a short write, then the error). A failed fsync also loses what it could
 * not write back, as Linux may: the bytes written since the last successful fsync are zeroed in the file (a crash
 * then finds them gone), and the next fsync succeeds (the error is reported once) — the "fsyncgate" case.
 *
 * <p>For tests and the reliability harness (like the fake runtime's error injection): pass it to
 * {@link PodStore#open(LogFiles, Path, StoreCodec, java.time.Clock)}, {@link ResizeJournal#open(LogFiles, Path)} or
 * {@code NodeAgent.builder().stateFiles(...)}.
 */
public final class FaultyLogFiles implements LogFiles {
    public enum Op { WRITE, FORCE, TRUNCATE, CREATE, RENAME, DELETE }

    /** The errors of full, failing and read-only disks, in the JDK's words for them. */
    public enum Errno {
        ENOSPC("No space left on device"), EIO("Input/output error"), EROFS("Read-only file system");

        public final String message;

        Errno(String message) {
            this.message = message;
        }
    }

    /** {@code fileSuffix}: only files whose name ends so ("" for all). */
    private record Fault(Errno errno, int remaining, String fileSuffix) {
    }

    private final Map<Op, Fault> faults = new java.util.EnumMap<>(Op.class);   // guarded by this
    private final Map<Op, AtomicInteger> failures = new ConcurrentHashMap<>();
    private volatile boolean refusePreallocation;
    private volatile CountDownLatch forceGate;   // a force waits here first (to line writers up), when set
    private final AtomicInteger forcesHeld = new AtomicInteger();

    /** The next {@code times} calls of {@code op} fail with {@code errno}. */
    public synchronized FaultyLogFiles fail(Op op, Errno errno, int times) {
        faults.put(op, new Fault(errno, times, ""));
        return this;
    }

    /** Every call of {@code op} on files whose name ends with {@code fileSuffix} fails with {@code errno} until {@link #heal}. */
    public synchronized FaultyLogFiles failAlways(Op op, Errno errno, String fileSuffix) {
        faults.put(op, new Fault(errno, Integer.MAX_VALUE, fileSuffix));
        return this;
    }

    /** Every call of {@code op} on a compaction's temp file ({@code *.tmp}) fails with {@code errno} until {@link #heal}. */
    public FaultyLogFiles failAlwaysOnTempFiles(Op op, Errno errno) {
        return failAlways(op, errno, ".tmp");
    }

    /** Every call of {@code op} fails with {@code errno} until {@link #heal}. */
    public FaultyLogFiles failAlways(Op op, Errno errno) {
        return fail(op, errno, Integer.MAX_VALUE);
    }

    /** A read-only filesystem: everything that changes a file fails with EROFS. */
    public FaultyLogFiles readOnly() {
        for (Op op : Op.values()) {
            failAlways(op, Errno.EROFS);
        }
        return this;
    }

    /**
     * Every preallocation fails as on a disk that fills up meanwhile: half its zeros land, then ENOSPC, until
     * {@link #heal}. (Preallocation is otherwise outside the per-operation faults: it runs on a thread of its own.)
     */
    public FaultyLogFiles refusePreallocation() {
        refusePreallocation = true;
        return this;
    }

    /** The disk works again. */
    public synchronized FaultyLogFiles heal() {
        faults.clear();
        refusePreallocation = false;
        return this;
    }

    /** How many calls of {@code op} failed. */
    public int failures(Op op) {
        return failures.computeIfAbsent(op, o -> new AtomicInteger()).get();
    }

    /** Holds every force until {@code gate} opens. */
    public void holdForces(CountDownLatch gate) {
        this.forceGate = gate;
    }

    /** How many forces reached the gate of {@link #holdForces}. */
    public int forcesHeld() {
        return forcesHeld.get();
    }

    private synchronized void check(Op op, Path file) throws IOException {
        Fault f = faults.get(op);
        if (f == null || !file.getFileName().toString().endsWith(f.fileSuffix())) {
            return;
        }
        if (f.remaining() != Integer.MAX_VALUE) {
            if (f.remaining() <= 1) {
                faults.remove(op);
            } else {
                faults.put(op, new Fault(f.errno(), f.remaining() - 1, f.fileSuffix()));
            }
        }
        failures.computeIfAbsent(op, o -> new AtomicInteger()).incrementAndGet();
        // as the JDK words them: a channel's write, force and truncate say only the error; opening and moving a file
        // name it
        throw op == Op.CREATE || op == Op.RENAME || op == Op.DELETE ? new FileSystemException(file.toString(), null, f.errno().message)
                : new IOException(f.errno().message);
    }

    @Override
    public LogChannel open(Path file) throws IOException {
        return new Channel(file, DISK.open(file));
    }

    @Override
    public LogChannel create(Path file) throws IOException {
        check(Op.CREATE, file);
        return new Channel(file, DISK.create(file));
    }

    @Override
    public byte[] readAll(Path file) throws IOException {
        return DISK.readAll(file);
    }

    @Override
    public boolean exists(Path file) {
        return DISK.exists(file);
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        DISK.createDirectories(dir);
    }

    @Override
    public void replace(Path source, Path target) throws IOException {
        check(Op.RENAME, source);
        DISK.replace(source, target);
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        DISK.syncDirectory(dir);
    }

    @Override
    public void deleteIfExists(Path file) throws IOException {
        check(Op.DELETE, file);
        DISK.deleteIfExists(file);
    }

    private final class Channel implements LogChannel {
        private final Path file;
        private final LogChannel real;
        // the bytes written since the last force (a failed force loses them); guarded by this
        private long dirtyFrom = Long.MAX_VALUE;
        private long dirtyTo;

        Channel(Path file, LogChannel real) {
            this.file = file;
            this.real = real;
        }

        private synchronized void dirty(long from, long to) {
            dirtyFrom = Math.min(dirtyFrom, from);
            dirtyTo = Math.max(dirtyTo, to);
        }

        private synchronized void clean() {
            dirtyFrom = Long.MAX_VALUE;
            dirtyTo = 0;
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            try {
                check(Op.WRITE, file);
            } catch (IOException e) {
                // a short write first, as a filling disk does: half the bytes land, the rest is refused
                if (src.remaining() > 1) {
                    ByteBuffer half = src.duplicate();
                    half.limit(half.position() + src.remaining() / 2);
                    dirty(position, position + real.write(half, position));
                }
                throw e;
            }
            int n = real.write(src, position);
            dirty(position, position + n);
            return n;
        }

        @Override
        public void force(boolean metadata) throws IOException {
            CountDownLatch gate = forceGate;
            if (gate != null) {
                forcesHeld.incrementAndGet();
                try {
                    if (!gate.await(30, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("the test never opened the force gate");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
            }
            try {
                check(Op.FORCE, file);
            } catch (IOException e) {
                synchronized (this) {
                    long to = Math.min(dirtyTo, real.size());
                    if (to > dirtyFrom) {
                        // the pages that could not be written back are gone: zeros where the unsynced records were
                        real.write(ByteBuffer.allocate((int) (to - dirtyFrom)), dirtyFrom);
                        real.force(false);
                    }
                    clean();
                }
                throw e;
            }
            real.force(metadata);
            clean();
        }

        @Override
        public void truncate(long size) throws IOException {
            check(Op.TRUNCATE, file);
            real.truncate(size);
            synchronized (this) {
                dirtyTo = Math.min(dirtyTo, size);
            }
        }

        @Override
        public void preallocate(long from, long to, boolean sync) throws IOException {
            if (refusePreallocation) {
                real.write(ByteBuffer.allocate((int) ((to - from) / 2)), from);
                throw new IOException(Errno.ENOSPC.message);
            }
            real.preallocate(from, to, sync);
        }

        @Override
        public long size() throws IOException {
            return real.size();
        }

        @Override
        public void close() throws IOException {
            real.close();
        }
    }
}
