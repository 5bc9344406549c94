package dev.resizelet.core.store;

import dev.resizelet.core.api.PodStatus;
import dev.resizelet.core.model.PodUid;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pods' statuses as a clean stop left them ({@code status.snapshot} in the state dir), so the next start serves
 * them at once, as the apiserver keeps a pod's status while its kubelet restarts, and the runtime's listing and the
 * adoption run after ready instead of before it. Statuses are not acknowledged state: a missing or damaged snapshot
 * only means the start waits for the runtime as after a crash. The next start {@link #take takes} the file (reads and
 * removes it), so a snapshot is never read twice and a crash after the start never brings back an older one.
 * It also holds where the two state logs ended at the stop ({@link LogMarks}): a start whose logs replayed to another
 * end (another run wrote them since: a downgrade to a release that ignores the snapshot, then an upgrade) does not
 * serve it. Layout: {@code "RZSS" version:int (bytes:long lastRecordCrc:long){pod store, journal} count:int
 * (uid status)* crc32c:int}, the status as {@link PodStatusCodec}.
 */
public final class StatusSnapshot {
    private static final Logger log = LoggerFactory.getLogger(StatusSnapshot.class);
    static final int MAGIC = 0x525a5353; // "RZSS"
    /** 2: with the logs' ends ({@link LogMarks}); a version 1 snapshot (without them) is not served. */
    static final int VERSION = 2;
    public static final String FILE = "status.snapshot";
    /** Far beyond any node's statuses (10,000 pods take about 3 MiB): a larger file is not read into the heap. */
    static final long MAX_BYTES = 256L << 20;

    private StatusSnapshot() {
    }

    /**
     * Where the pod store's log and the resize journal ended ({@link LogMark}: size and last record): at a stop, after
     * the last write; at a start, as replayed (before any compaction). A run that wrote either log between the two
     * (an append, a compaction) leaves another end.
     */
    public record LogMarks(LogMark podStore, LogMark journal) {
    }

    /** What a start took: the statuses and where the logs ended when they were left ({@code marks} null: none). */
    public record Taken(LogMarks marks, Map<PodUid, PodStatus> statuses) {
        static final Taken NONE = new Taken(null, Map.of());

        /** The statuses, if the logs replayed to the ends they were left with; else none (a warning says why). */
        public Map<PodUid, PodStatus> servedWith(LogMarks replayed) {
            if (statuses.isEmpty() || replayed.equals(marks)) {
                return statuses;
            }
            log.warn("status snapshot older than the state logs (written since its stop: another run), ignored: the "
                    + "start waits for the runtime left={} replayed={}", marks, replayed);
            return Map.of();
        }
    }

    /** Writes the statuses next to the file and renames it into place, synced (the directory too). */
    public static void write(Path file, LogMarks marks, Map<PodUid, PodStatus> statuses) {
        write(LogFiles.DISK, file, marks, statuses);
    }

    /** As {@link #write(Path, LogMarks, Map)}, through {@code files} (tests inject disk faults: {@link FaultyLogFiles}). */
    public static void write(LogFiles files, Path file, LogMarks marks, Map<PodUid, PodStatus> statuses) {
        BinaryOut out = new BinaryOut(512 * Math.max(1, statuses.size()));
        out.writeInt(MAGIC).writeInt(VERSION).writeLong(marks.podStore().bytes())
                .writeLong(marks.podStore().lastRecordCrc()).writeLong(marks.journal().bytes())
                .writeLong(marks.journal().lastRecordCrc()).writeInt(statuses.size());
        statuses.forEach((uid, status) -> {
            out.writeString(uid.value());
            PodStatusCodec.write(out, status);
        });
        byte[] body = out.toByteArray();
        CRC32C crc = new CRC32C();
        crc.update(body);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (LogFiles.LogChannel ch = files.create(tmp)) {
            ByteBuffer b = ByteBuffer.allocate(body.length + 4).put(body).putInt((int) crc.getValue()).flip();
            while (b.hasRemaining()) {
                ch.write(b, b.position());
            }
            ch.force(true);
        } catch (IOException e) {
            deleteQuietly(files, tmp, e); // a full disk: the space goes back to the logs
            throw new UncheckedIOException("status snapshot " + tmp + " not written", e);
        }
        try {
            files.replace(tmp, file);
            files.syncDirectory(file.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("status snapshot " + file + " not renamed into place", e);
        }
    }

    /**
     * Reads the snapshot and removes it (the removal synced): the statuses by pod uid with the logs' ends at the stop,
     * or none when there is none or it is damaged (a warning names the file; the start then waits for the runtime).
     *
     * @throws UncheckedIOException when it could not be removed: left in place, a later start would serve it again
     */
    public static Taken take(Path file) {
        return take(LogFiles.DISK, file);
    }

    /** As {@link #take(Path)}, through {@code files} (tests inject disk faults: {@link FaultyLogFiles}). */
    public static Taken take(LogFiles files, Path file) {
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                log.warn("status snapshot larger than {} bytes, ignored: the start waits for the runtime file={} "
                        + "bytes={}", MAX_BYTES, file, size);
                remove(files, file);
                return Taken.NONE;
            }
            bytes = files.readAll(file);
        } catch (NoSuchFileException e) {
            return Taken.NONE;
        } catch (IOException e) {
            log.warn("status snapshot not read, the start waits for the runtime file={} error=\"{}\"", file,
                    e.toString());
            remove(files, file);
            return Taken.NONE;
        }
        Taken taken;
        try {
            taken = decode(bytes);
        } catch (RuntimeException e) {
            log.warn("status snapshot damaged, ignored: the start waits for the runtime file={} error=\"{}\"", file,
                    e.getMessage());
            taken = Taken.NONE;
        }
        remove(files, file);
        return taken;
    }

    static Taken decode(byte[] bytes) {
        if (bytes.length < 16) {
            throw new IllegalArgumentException("too short (" + bytes.length + " bytes)");
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        if ((int) crc.getValue() != ByteBuffer.wrap(bytes, bytes.length - 4, 4).getInt()) {
            throw new IllegalArgumentException("checksum mismatch");
        }
        BinaryIn in = new BinaryIn(java.util.Arrays.copyOf(bytes, bytes.length - 4), 0);
        if (in.readInt() != MAGIC) {
            throw new IllegalArgumentException("not a status snapshot");
        }
        int version = in.readInt();
        if (version != VERSION) {
            throw new IllegalArgumentException("version " + version + ", this resizelet reads " + VERSION);
        }
        LogMarks marks = new LogMarks(new LogMark(in.readLong(), in.readLong()), new LogMark(in.readLong(),
                in.readLong()));
        int n = in.count();
        Map<PodUid, PodStatus> out = new HashMap<>(n * 2);
        for (int i = 0; i < n; i++) {
            out.put(PodUid.of(in.readText()), PodStatusCodec.read(in));
        }
        if (!in.atEnd()) {
            throw new IllegalArgumentException("bytes after the last status");
        }
        return new Taken(marks, out);
    }

    private static void remove(LogFiles files, Path file) {
        try {
            files.deleteIfExists(file);
            files.syncDirectory(file.getParent());
        } catch (IOException e) {
            // a snapshot left behind would be read again by a later start: stale statuses until the adoption
            throw new UncheckedIOException("status snapshot " + file + " not removed after reading it", e);
        }
    }

    private static void deleteQuietly(LogFiles files, Path file, IOException cause) {
        try {
            files.deleteIfExists(file);
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }
}
