package dev.resizelet.core.store;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import dev.resizelet.core.store.LogFiles.LogChannel;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.function.LongConsumer;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only file of checksummed records with group commit: {@link #append} writes without
 * syncing, {@link #sync} makes everything up to a sequence number durable with one {@code fsync}
 * shared by all threads waiting at that moment. Framing: {@code int length, int crc32c, payload}.
 * On open, a damaged last record is a write that was never acknowledged (we acknowledge only after
 * sync) and is cut off; damage followed by valid records is corruption and stops the open.
 *
 * <p><b>Disk faults.</b> The <em>durable offset</em> is the file size the last successful {@code fsync} covered:
 * everything before it is on disk. A write that fails (ENOSPC, EIO, EROFS) is cut off again at once. A failed
 * {@code fsync} is different: Linux may have dropped the dirty pages it could not write back and marked them clean,
 * and reports the error once (PostgreSQL's "fsyncgate", 2018), so a second {@code fsync} can succeed while the
 * records written before the first are not on disk. After a failed sync the log therefore trusts nothing after the
 * durable offset: it is <em>broken</em>, every waiter for a record past the durable offset fails (no second
 * {@code fsync} acknowledges them), and appends are refused until {@link #recover} has cut the file back to the
 * durable offset and synced that; the owner undoes the changes those records carried, and its callers write them
 * again. Each later write retries the recovery, so the log takes writes again as soon as the disk does.
 *
 * <p><b>Preallocation.</b> Records go into space that was zero-filled and synced ahead of them, as etcd preallocates
 * its WAL segments and PostgreSQL zero-fills its WAL files: a write into it changes no file size and allocates no
 * block, so its {@code fdatasync} commits no filesystem journal (on ext4 here, one writer: p50 0.24 → 0.16 ms,
 * p999 13 → 1.7 ms; two logs syncing at once gained less, docs/benchmarks.md run M).
 * A background thread extends the space by {@link #PREALLOCATE} bytes whenever less than half of that is left; an
 * append never waits for it unless it would run past the space while an extension is under way, and if extending
 * fails the log grows with its appends as before. The file's end is therefore no longer the log's end: the log ends
 * where only zeros follow (no record is empty, so no record header is zero). A damaged record that only zeros follow
 * is a torn write, never acknowledged, when one of its 512-byte sectors is all zeros (etcd's torn-entry rule: a write
 * cut off by a crash leaves whole sectors unwritten); other damage is corruption, as before. {@link #close} cuts the
 * file back to the log's end.
 *
 * <p>A log is used either with {@link #append} and {@link #sync} (the pod store: many writers) or with
 * {@link #appendAllAndSync} (the resize journal: one writer), not both.
 */
final class DurableLog implements AutoCloseable {
    static final byte[] MAGIC = "RZPODS01".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final int MAX_RECORD = 16 << 20;
    private static final int SECTOR = 512;
    /**
     * Bytes zero-filled ahead of the records at a time: 1 MiB, or the system property
     * {@code resizelet.log.preallocateBytes} (0 turns preallocation off: on a copy-on-write filesystem such as btrfs or
     * ZFS an overwrite allocates anyway, so the zeros only cost a write).
     */
    static final long PREALLOCATE = Math.max(0, Long.getLong("resizelet.log.preallocateBytes", 1 << 20));
    private static final Logger log = LoggerFactory.getLogger(DurableLog.class);
    private static final Executor PREALLOCATOR = Executors.newSingleThreadExecutor(new ThreadFactoryBuilder()
            .setNameFormat("durable-log-preallocate").setDaemon(true).build());

    private final LogFiles files;
    private final Path file;
    private final byte[] magic;
    private boolean fsync = true;
    private LogChannel channel;           // guarded by this (writes) and syncLock (force); null after a failed reopen
    private long size;                    // bytes in the file, guarded by this
    private long lastRecordCrc = LogMark.UNKNOWN_CRC; // of the last record before size, guarded by this (LogMark)
    private long writtenSeq;              // guarded by this
    private volatile long syncedSeq;
    private volatile long syncedSize;     // the durable offset: written under syncLock (sync) or this (appendAllAndSync)
    private volatile IOException broken;  // written under this; non-null: nothing after syncedSize is trusted
    private final Object syncLock = new Object();
    private long preallocate = PREALLOCATE;   // guarded by this; 0: never
    private long allocated;               // guarded by this: [size, allocated) is zeros, durably
    private boolean extending;            // guarded by this: an extension past allocated is under way
    private long cuts;                    // guarded by this: cuts and rewrites; an extension across one is dropped
    private long extendAgainAt;           // guarded by this: after a refused extension, the size to try again at

    private DurableLog(LogFiles files, Path file, byte[] magic, LogChannel channel, long size) {
        this.files = files;
        this.file = file;
        this.magic = magic;
        this.channel = channel;
        this.size = size;
        this.syncedSize = size;
        this.allocated = size;
    }

    /** Opens (or creates) the log and returns it with the records it held, in order. */
    static DurableLog open(Path file, List<byte[]> recordsOut) throws IOException {
        return open(LogFiles.DISK, file, MAGIC, "pod store", recordsOut);
    }

    /**
     * As {@link #open(Path, List)} for a log with its own 8-byte header {@code magic}, through {@code files};
     * {@code what} names the log in error messages ("pod store", "resize state log").
     */
    static DurableLog open(LogFiles files, Path file, byte[] magic, String what, List<byte[]> recordsOut)
            throws IOException {
        files.createDirectories(file.getParent());
        if (!files.exists(file)) {
            writeFresh(files, file, magic, List.of());
        }
        long validEnd = replay(files.readAll(file), file, magic, what, recordsOut);
        LogChannel ch = files.open(file);
        try {
            if (ch.size() > validEnd) {
                ch.truncate(validEnd);
                ch.force(true);
            }
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        DurableLog log = new DurableLog(files, file, magic, ch, validEnd);
        log.lastRecordCrc = recordsOut.isEmpty() ? 0 : LogMark.crcOf(recordsOut.get(recordsOut.size() - 1));
        return log;
    }

    Path file() {
        return file;
    }

    synchronized long size() {
        return size;
    }

    /** Where the log ends now ({@link LogMark}). */
    synchronized LogMark mark() {
        return new LogMark(size, lastRecordCrc);
    }

    /** Whether a failed write or sync left records that {@link #recover} must cut off before the next append. */
    boolean broken() {
        return broken != null;
    }

    /** Appends one record (not yet durable) and returns its sequence number for {@link #sync}. */
    synchronized long append(byte[] payload) throws IOException {
        ByteBuffer buf = frame(payload);
        awaitSpace(buf.limit());
        // after the wait (it lets go of this): a sync may have failed meanwhile
        IOException b = broken;
        if (b != null) {
            throw refusing(b);
        }
        long start = size;
        try {
            writeFully(channel, buf, start);
        } catch (IOException e) {
            // leave no half record behind for the next append to follow
            try {
                cut(start);
            } catch (IOException cut) {
                e.addSuppressed(cut);
                broken = e;
            }
            throw e;
        }
        size += buf.limit();
        lastRecordCrc = frameCrc(buf, 0);
        extendIfLow();
        return ++writtenSeq;
    }

    /**
     * Under this: waits while an extension is under way and {@code bytes} more would run past the preallocated space
     * (the extension is writing zeros there).
     */
    private void awaitSpace(int bytes) throws IOException {
        while (extending && size + bytes > allocated) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted waiting for " + file + " to be preallocated");
            }
        }
    }

    /** Under this, after a write: starts zero-filling the next {@link #PREALLOCATE} bytes if less than half is left. */
    private void extendIfLow() {
        allocated = Math.max(allocated, size);
        if (extending || preallocate == 0 || !fsync || channel == null || allocated - size >= preallocate / 2
                || size < extendAgainAt) {
            return;
        }
        // zero-filled and synced through a descriptor of its own: its fsync must never be the one that hears of (and
        // swallows) a writeback error of the records, which the log's own sync has to report (Linux tells each open
        // file description once)
        LogChannel ch;
        try {
            ch = files.open(file);
        } catch (IOException e) {
            extensionRefused(e);
            return;
        }
        extending = true;
        long from = allocated;
        long to = from + preallocate;
        long at = cuts;
        PREALLOCATOR.execute(() -> {
            IOException refused = null;
            try (ch) {
                ch.preallocate(from, to, true);
            } catch (IOException e) {
                refused = e;
            } finally {
                synchronized (this) {
                    if (refused != null) {
                        extensionRefused(refused);
                    } else if (at == cuts) {
                        allocated = to;
                    }
                    extending = false;
                    notifyAll();
                }
            }
        });
    }

    /**
     * Under this: a refused extension (a full disk) gives back what it wrote (the zeros past {@code allocated}: no
     * append went there while it ran), so the space freed on a full disk goes to records, not to zeros; it is tried
     * again once the log has grown by half an extension.
     */
    private void extensionRefused(IOException e) {
        extendAgainAt = size + preallocate / 2;
        log.debug("cannot preallocate {}; appends grow the file until {}: {}", file, extendAgainAt, e.toString());
        try {
            if (channel != null && channel.size() > allocated) {
                channel.truncate(allocated);
            }
        } catch (IOException cut) {
            log.debug("cannot give back a refused preallocation of {}: {}", file, cut.toString());
        }
    }

    /** Under this: cuts the file back to {@code to} (the preallocated space with it). */
    private void cut(long to) throws IOException {
        cuts++;
        allocated = to;
        extendAgainAt = 0;
        channel.truncate(to);
    }

    /** The file's bytes past the log's end, zero-filled ahead of appends (tests). */
    synchronized long preallocated() {
        return allocated - size;
    }

    /** Sets how many bytes are zero-filled ahead at a time; 0 never preallocates (tests). */
    synchronized void preallocate(long bytes) {
        preallocate = bytes;
    }

    /** Waits until no extension is under way (tests). */
    synchronized void awaitPreallocation() throws InterruptedException {
        while (extending) {
            wait();
        }
    }

    /**
     * Appends {@code payloads} and syncs them with one {@code fsync}: all or nothing. On any failure the file is cut
     * back to where the batch started (so a record whose decision was rolled back can never reappear at the next
     * start) and the error is thrown; if even that cut fails, the next call tries it again before writing.
     */
    synchronized void appendAllAndSync(List<byte[]> payloads) throws IOException {
        ByteBuffer buf = frameAll(payloads);
        awaitSpace(buf.limit());
        if (broken != null) {
            recoverLocked(cut -> { });
        }
        long start = size;
        try {
            writeFully(channel, buf, start);
            if (fsync) {
                channel.force(false);
            }
        } catch (IOException e) {
            // after a failed fsync the batch's pages may be gone while still in the file: never trust them (fsyncgate)
            try {
                cut(start);
                if (fsync) {
                    channel.force(false);
                }
            } catch (IOException cut) {
                e.addSuppressed(cut);
                broken = e;
            }
            throw e;
        }
        size = start + buf.limit();
        if (!payloads.isEmpty()) {
            lastRecordCrc = frameCrc(buf, buf.limit() - 8 - payloads.get(payloads.size() - 1).length);
        }
        writtenSeq += payloads.size();
        syncedSize = size;
        syncedSeq = writtenSeq;
        extendIfLow();
    }

    /** Without fsync (tests and tmpfs benchmarks only): records are written, never forced to the disk. */
    synchronized void disableFsync() {
        fsync = false;
    }

    /** The sequence number of the last append: syncing it covers everything appended so far. */
    synchronized long lastSeq() {
        return writtenSeq;
    }

    /**
     * The sequence number up to which every record is settled: on disk, or cut off by {@link #recover} (whose caller
     * undid it); never blocks.
     */
    long syncedSeq() {
        return syncedSeq;
    }

    /**
     * Returns once record {@code seq} and all before it are settled: on disk, or cut off by a {@link #recover} that
     * ran meanwhile (the owner, which undid the record's change, tells its writer). Throws if the sync failed, or an
     * earlier one did and the log has not recovered: then the record is not durable and never will be.
     */
    void sync(long seq) throws IOException {
        if (syncedSeq >= seq) {
            return;
        }
        synchronized (syncLock) {
            if (syncedSeq >= seq) {
                return;
            }
            long target;
            long targetSize;
            LogChannel ch;
            synchronized (this) {
                IOException b = broken;
                if (b != null) {
                    throw refusing(b);
                }
                target = writtenSeq;
                targetSize = size;
                ch = channel;
            }
            if (fsync) {
                try {
                    ch.force(false);
                } catch (IOException e) {
                    synchronized (this) {
                        if (broken == null) {
                            broken = e;
                        }
                    }
                    throw e;
                }
            }
            syncedSize = targetSize;
            syncedSeq = Math.max(syncedSeq, target);
        }
    }

    /**
     * If a write or sync failed (see {@link #broken}): calls {@code undo} with the sequence number of the last
     * durable record (the records after it are about to go), cuts the file back to the durable offset and syncs the
     * cut; after it every sequence number handed out so far is settled. Nothing to do otherwise. The caller holds
     * its own lock so that nothing is appended meanwhile; {@code undo} runs under this log's locks.
     *
     * @return whether records were cut off
     * @throws IOException if the disk still refuses; the log stays broken and the next write tries again
     */
    boolean recover(LongConsumer undo) throws IOException {
        synchronized (syncLock) {
            synchronized (this) {
                if (broken == null) {
                    return false;
                }
                recoverLocked(undo);
                return true;
            }
        }
    }

    private void recoverLocked(LongConsumer undo) throws IOException {
        undo.accept(syncedSeq);
        if (channel == null) {
            channel = files.open(file);
        }
        long durableSize = syncedSize;
        cut(durableSize);
        if (fsync) {
            channel.force(false);
        }
        if (durableSize != size) {
            lastRecordCrc = LogMark.UNKNOWN_CRC; // cut back to a record this log did not keep the CRC of
        }
        size = durableSize;
        syncedSeq = writtenSeq;
        broken = null;
    }

    /**
     * Replaces the whole log with {@code records} (a snapshot of the live state): the old file synced first (so it is
     * complete whichever file a crash leaves), then a temp file written, synced, atomically renamed over it, directory
     * synced. Callers hold the store's lock so no append races. On failure the old file stays in place and in use.
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
        IOException b = broken;
        if (b != null) {
            throw refusing(b);
        }
        if (fsync && syncedSeq < writtenSeq) {
            try {
                channel.force(false);
            } catch (IOException e) {
                broken = e;
                throw e;
            }
            syncedSize = size;
            syncedSeq = writtenSeq;
        }
        long newSize = writeFresh(files, file, magic, records);
        // the snapshot is in place; the old channel still points at the replaced file (an extension under way on it
        // fails or fills the replaced file)
        syncedSeq = writtenSeq;
        syncedSize = newSize;
        size = newSize;
        lastRecordCrc = records.isEmpty() ? 0 : LogMark.crcOf(records.get(records.size() - 1));
        cuts++;
        allocated = newSize;
        extendAgainAt = 0;
        LogChannel old = channel;
        channel = null;
        try {
            old.close();
        } catch (IOException e) {
            // the old file is replaced; nothing of it is needed any more
        }
        try {
            channel = files.open(file);
        } catch (IOException e) {
            broken = e;   // recover() opens it again
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        synchronized (syncLock) {
            synchronized (this) {
                if (channel == null) {
                    return;
                }
                try {
                    while (extending) {
                        wait();
                    }
                    try {
                        if (broken != null) {
                            channel.truncate(syncedSize);   // nothing after the durable offset was acknowledged
                        } else if (channel.size() > size) {
                            channel.truncate(size);         // the preallocated zeros
                        }
                    } catch (IOException e) {
                        // best effort: what stays after the log's end is cut at the next open
                    }
                    channel.force(false);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted closing " + file);
                } finally {
                    channel.close();
                    channel = null;
                }
            }
        }
    }

    private IOException refusing(IOException cause) {
        return new IOException(file + " refuses writes until records after byte " + syncedSize
                + " that could not be made durable are cut off: " + cause.getMessage(), cause);
    }

    private static void writeFully(LogChannel ch, ByteBuffer buf, long position) throws IOException {
        long at = position;
        while (buf.hasRemaining()) {
            at += ch.write(buf, at);
        }
    }

    /** Writes a complete log to {@code file} through a temp file and a rename; returns its size. */
    private static long writeFresh(LogFiles files, Path file, byte[] header, List<byte[]> records) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        long size;
        try {
            try (LogChannel ch = files.create(tmp)) {
                ByteBuffer magic = ByteBuffer.wrap(header);
                size = 0;
                writeFully(ch, magic, size);
                size += header.length;
                for (byte[] r : records) {
                    ByteBuffer b = frame(r);
                    writeFully(ch, b, size);
                    size += b.limit();
                }
                ch.force(true);
            }
            files.replace(tmp, file);
        } catch (IOException e) {
            try {
                files.deleteIfExists(tmp);   // give the space back (a full disk is the likely cause)
            } catch (IOException gone) {
                e.addSuppressed(gone);
            }
            throw e;
        }
        syncDirectory(files, file.getParent());
        return size;
    }

    private static void syncDirectory(LogFiles files, Path dir) {
        try {
            files.syncDirectory(dir);
        } catch (IOException e) {
            // some filesystems refuse to open directories for sync; the rename is still atomic, and the old file it
            // replaced was synced complete before, so a lost rename loses nothing acknowledged
        }
    }

    private static ByteBuffer frameAll(List<byte[]> payloads) {
        int total = 0;
        for (byte[] p : payloads) {
            total += 8 + nonEmpty(p).length;
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

    /** The CRC32C a frame starting at {@code at} in {@code buf} carries (computed once, when it was framed). */
    private static long frameCrc(ByteBuffer buf, int at) {
        return Integer.toUnsignedLong(buf.getInt(at + 4));
    }

    /** A zero header marks the preallocated space after the log's end: no record may have one. */
    private static byte[] nonEmpty(byte[] payload) {
        if (payload.length == 0) {
            throw new IllegalArgumentException("a log record is never empty");
        }
        return payload;
    }

    private static ByteBuffer frame(byte[] payload) {
        nonEmpty(payload);
        CRC32C crc = new CRC32C();
        crc.update(payload);
        ByteBuffer b = ByteBuffer.allocate(8 + payload.length);
        b.putInt(payload.length).putInt((int) crc.getValue()).put(payload).flip();
        return b;
    }

    /** Reads records into {@code out}; returns the offset where valid data ends. */
    private static long replay(byte[] all, Path file, byte[] magic, String what, List<byte[]> out) {
        if (all.length < magic.length || !Arrays.equals(Arrays.copyOf(all, magic.length), magic)) {
            if (all.length < magic.length && Arrays.equals(all, Arrays.copyOf(magic, all.length))) {
                return 0; // torn while being created: nothing was acknowledged
            }
            throw new StoreException.Corrupt(what + " " + file + " is not a resizelet " + what + " (bad header); "
                    + fixFor(what));
        }
        ByteBuffer b = ByteBuffer.wrap(all);
        b.position(magic.length);
        int end = all.length;
        while (end > magic.length && all[end - 1] == 0) {
            end--;   // the preallocated zeros (or blocks allocated and never written): no record is in them
        }
        List<byte[]> records = new ArrayList<>();
        while (b.position() < end) {
            int recordStart = b.position();
            if (all.length - recordStart < 8) {
                break; // torn header of the last record
            }
            int len = b.getInt();
            int crc = b.getInt();
            if (len == 0 && crc == 0) {
                throw corrupt(what, file, recordStart, "zeroed record header before data");
            }
            if (len <= 0 || len > MAX_RECORD || len > b.remaining()) {
                if (len > 0 && len <= MAX_RECORD) {
                    b.position(recordStart);
                    break; // torn payload of the last record
                }
                throw corrupt(what, file, recordStart, "impossible record length " + len);
            }
            byte[] payload = new byte[len];
            b.get(payload);
            CRC32C c = new CRC32C();
            c.update(payload);
            if ((int) c.getValue() != crc) {
                if (b.position() >= end && hasZeroSector(all, recordStart, b.position())) {
                    b.position(recordStart);
                    break; // the last record was cut off by a crash: whole sectors of it never written
                }
                throw corrupt(what, file, recordStart, "checksum mismatch");
            }
            records.add(payload);
        }
        out.addAll(records);
        return b.position();
    }

    /**
     * Whether a sector-aligned part of {@code [from, to)} (a whole sector, or the part of one up to {@code to}) is all
     * zeros.
     */
    private static boolean hasZeroSector(byte[] all, int from, int to) {
        for (int s = (from + SECTOR - 1) / SECTOR * SECTOR; s < to; s += SECTOR) {
            int sectorEnd = Math.min(s + SECTOR, to);
            int i = s;
            while (i < sectorEnd && all[i] == 0) {
                i++;
            }
            if (i == sectorEnd) {
                return true;
            }
        }
        return false;
    }

    private static StoreException.Corrupt corrupt(String what, Path file, long offset, String why) {
        return new StoreException.Corrupt(what + " " + file + " is corrupt at byte " + offset + " (" + why + "); "
                + fixFor(what));
    }

    /**
     * What an operator can do about a damaged log: the pod store holds the specs, the resize log only decisions, the
     * namespace store the namespaces made through the API.
     */
    private static String fixFor(String what) {
        return switch (what) {
            case "pod store" -> "restore it from a backup, or move it away to start with no pods (running containers are "
                    + "then not re-adopted)";
            case NamespaceStore.WHAT -> "restore it from a backup, or move it away to start with the namespaces the "
                    + "stored pods are in (their labels and annotations are lost)";
            default -> "restore it from a backup, or move it away to let resizelet re-admit every pod from its spec";
        };
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
