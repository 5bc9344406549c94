package dev.resizelet.core.store;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * An append-only file of checksummed records with group commit: {@link #append} writes without
 * syncing, {@link #sync} makes everything up to a sequence number durable with one {@code fsync}
 * shared by all threads waiting at that moment. Framing: {@code int length, int crc32c, payload}.
 * On open, a damaged last record is a write that was never acknowledged (we acknowledge only after
 * sync) and is cut off; damage followed by valid records is corruption and stops the open.
 */
final class DurableLog implements AutoCloseable {
    static final byte[] MAGIC = "RZPODS01".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final int MAX_RECORD = 16 << 20;

    private final Path file;
    private final byte[] magic;
    private boolean fsync = true;
    private FileChannel channel;          // guarded by this (appends) and syncLock (force)
    private long size;                    // bytes in the file, guarded by this
    private long writtenSeq;              // guarded by this
    private volatile long syncedSeq;
    private final Object syncLock = new Object();

    private DurableLog(Path file, byte[] magic, FileChannel channel, long size) {
        this.file = file;
        this.magic = magic;
        this.channel = channel;
        this.size = size;
    }

    /** Opens (or creates) the log and returns it with the records it held, in order. */
    static DurableLog open(Path file, List<byte[]> recordsOut) throws IOException {
        return open(file, MAGIC, "pod store", recordsOut);
    }

    /**
     * As {@link #open(Path, List)} for a log with its own 8-byte header {@code magic}; {@code what} names the log in
     * error messages ("pod store", "resize state log").
     */
    static DurableLog open(Path file, byte[] magic, String what, List<byte[]> recordsOut) throws IOException {
        Files.createDirectories(file.getParent());
        if (!Files.exists(file)) {
            writeFresh(file, magic, List.of());
        }
        long validEnd = replay(file, magic, what, recordsOut);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.READ);
        if (ch.size() > validEnd) {
            ch.truncate(validEnd);
            ch.force(true);
        }
        ch.position(validEnd);
        return new DurableLog(file, magic, ch, validEnd);
    }

    Path file() {
        return file;
    }

    synchronized long size() {
        return size;
    }

    /** Appends one record (not yet durable) and returns its sequence number for {@link #sync}. */
    synchronized long append(byte[] payload) throws IOException {
        ByteBuffer buf = frame(payload);
        long start = size;
        try {
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
        } catch (IOException e) {
            // leave no half record behind for the next append to follow
            channel.truncate(start);
            channel.position(start);
            throw e;
        }
        size += buf.limit();
        return ++writtenSeq;
    }

    /**
     * Appends {@code payloads} and syncs them with one {@code fsync}: all or nothing. On any failure the file is cut
     * back to where the batch started (so a record whose decision was rolled back can never reappear at the next
     * start) and the error is thrown; if even that cut fails, the log refuses every later write.
     */
    synchronized void appendAllAndSync(List<byte[]> payloads) throws IOException {
        if (cutFailed != null) {
            throw new IOException(file + " refuses writes after a failed rollback: " + cutFailed.getMessage(), cutFailed);
        }
        long start = size;
        long seqBefore = writtenSeq;
        try {
            ByteBuffer buf = frameAll(payloads);
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
            if (fsync) {
                channel.force(false);
            }
            size += buf.limit();
            writtenSeq += payloads.size();
            syncedSeq = writtenSeq;
        } catch (IOException e) {
            try {
                channel.truncate(start);
                channel.position(start);
                channel.force(false);
            } catch (IOException cut) {
                e.addSuppressed(cut);
                cutFailed = cut;
            }
            size = start;
            writtenSeq = seqBefore;
            throw e;
        }
    }

    private IOException cutFailed; // guarded by this

    /** Without fsync (tests and tmpfs benchmarks only): records are written, never forced to the disk. */
    synchronized void disableFsync() {
        fsync = false;
    }

    /** The sequence number of the last append: syncing it covers everything appended so far. */
    synchronized long lastSeq() {
        return writtenSeq;
    }

    /** The sequence number up to which every record is on disk; never blocks. */
    long syncedSeq() {
        return syncedSeq;
    }

    /** Returns once record {@code seq} and all before it are on disk. */
    void sync(long seq) throws IOException {
        if (syncedSeq >= seq) {
            return;
        }
        synchronized (syncLock) {
            if (syncedSeq >= seq) {
                return;
            }
            long target;
            FileChannel ch;
            synchronized (this) {
                target = writtenSeq;
                ch = channel;
            }
            ch.force(false);
            syncedSeq = Math.max(syncedSeq, target);
        }
    }

    /**
     * Replaces the whole log with {@code records} (a snapshot of the live state): written to a temp
     * file, synced, atomically renamed, directory synced. Callers hold the store's lock so no append races.
     */
    void rewrite(List<byte[]> records) throws IOException {
        // lock order everywhere: syncLock, then this
        synchronized (syncLock) {
            synchronized (this) {
                rewriteLocked(records);
            }
        }
    }

    private void rewriteLocked(List<byte[]> records) throws IOException {
        writeFresh(file, magic, records);
        channel.close();
        channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.READ);
        size = channel.size();
        channel.position(size);
        syncedSeq = writtenSeq;
    }

    @Override
    public void close() throws IOException {
        synchronized (syncLock) {
            synchronized (this) {
                channel.force(false);
                channel.close();
            }
        }
    }

    private static void writeFresh(Path file, byte[] header, List<byte[]> records) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer magic = ByteBuffer.wrap(header);
            while (magic.hasRemaining()) {
                ch.write(magic);
            }
            for (byte[] r : records) {
                ByteBuffer b = frame(r);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
            }
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDirectory(file.getParent());
    }

    static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // some filesystems refuse to open directories for sync; the rename is still atomic
        }
    }

    private static ByteBuffer frameAll(List<byte[]> payloads) {
        int total = 0;
        for (byte[] p : payloads) {
            total += 8 + p.length;
        }
        ByteBuffer b = ByteBuffer.allocate(total);
        CRC32C crc = new CRC32C();
        for (byte[] p : payloads) {
            crc.reset();
            crc.update(p);
            b.putInt(p.length).putInt((int) crc.getValue()).put(p);
        }
        return b.flip();
    }

    private static ByteBuffer frame(byte[] payload) {
        CRC32C crc = new CRC32C();
        crc.update(payload);
        ByteBuffer b = ByteBuffer.allocate(8 + payload.length);
        b.putInt(payload.length).putInt((int) crc.getValue()).put(payload).flip();
        return b;
    }

    /** Reads records into {@code out}; returns the offset where valid data ends. */
    private static long replay(Path file, byte[] magic, String what, List<byte[]> out) throws IOException {
        byte[] all = Files.readAllBytes(file);
        if (all.length < magic.length || !Arrays.equals(Arrays.copyOf(all, magic.length), magic)) {
            if (all.length < magic.length && Arrays.equals(all, Arrays.copyOf(magic, all.length))) {
                return 0; // torn while being created: nothing was acknowledged
            }
            throw new StoreException.Corrupt(what + " " + file + " is not a resizelet " + what + " (bad header); "
                    + fixFor(what));
        }
        ByteBuffer b = ByteBuffer.wrap(all);
        b.position(magic.length);
        List<byte[]> records = new ArrayList<>();
        while (b.remaining() > 0) {
            long recordStart = b.position();
            if (b.remaining() < 8) {
                break; // torn header of the last record
            }
            int len = b.getInt();
            int crc = b.getInt();
            if (len < 0 || len > MAX_RECORD || len > b.remaining()) {
                if (len >= 0 && len <= MAX_RECORD) {
                    b.position((int) recordStart);
                    break; // torn payload of the last record
                }
                throw corrupt(what, file, recordStart, "impossible record length " + len);
            }
            byte[] payload = new byte[len];
            b.get(payload);
            CRC32C c = new CRC32C();
            c.update(payload);
            if ((int) c.getValue() != crc) {
                if (b.remaining() == 0 && isZeros(payload)) {
                    b.position((int) recordStart);
                    break; // the last record's blocks were allocated but never written (power loss)
                }
                throw corrupt(what, file, recordStart, "checksum mismatch");
            }
            records.add(payload);
        }
        out.addAll(records);
        return b.position();
    }

    private static boolean isZeros(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static StoreException.Corrupt corrupt(String what, Path file, long offset, String why) {
        return new StoreException.Corrupt(what + " " + file + " is corrupt at byte " + offset + " (" + why + "); "
                + fixFor(what));
    }

    /** What an operator can do about a damaged log: the pod store holds the specs, the resize log only decisions. */
    private static String fixFor(String what) {
        return what.equals("pod store")
                ? "restore it from a backup, or move it away to start with no pods (running containers are then not "
                        + "re-adopted)"
                : "restore it from a backup, or move it away to let resizelet re-admit every pod from its spec";
    }

    static byte[] bytes(IoWriter w) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bos)) {
            w.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bos.toByteArray();
    }

    static DataInputStream reader(byte[] payload) {
        return new DataInputStream(new java.io.ByteArrayInputStream(payload));
    }

    static byte[] readBytes(InputStream in, int len) throws IOException {
        byte[] b = in.readNBytes(len);
        if (b.length != len) {
            throw new EOFException();
        }
        return b;
    }

    @FunctionalInterface
    interface IoWriter {
        void write(DataOutputStream out) throws IOException;
    }
}
