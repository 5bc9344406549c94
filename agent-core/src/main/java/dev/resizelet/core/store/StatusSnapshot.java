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
 * Layout: {@code "RZSS" version:int count:int (uid status)* crc32c:int}, the status as {@link PodStatusCodec}.
 */
public final class StatusSnapshot {
    private static final Logger log = LoggerFactory.getLogger(StatusSnapshot.class);
    static final int MAGIC = 0x525a5353; // "RZSS"
    static final int VERSION = 1;
    public static final String FILE = "status.snapshot";
    /** Far beyond any node's statuses (10,000 pods take about 3 MiB): a larger file is not read into the heap. */
    static final long MAX_BYTES = 256L << 20;

    private StatusSnapshot() {
    }

    /** Writes the statuses next to the file and renames it into place, synced (the directory too). */
    public static void write(Path file, Map<PodUid, PodStatus> statuses) {
        write(LogFiles.DISK, file, statuses);
    }

    /** As {@link #write(Path, Map)}, through {@code files} (tests inject disk faults: {@link FaultyLogFiles}). */
    public static void write(LogFiles files, Path file, Map<PodUid, PodStatus> statuses) {
        BinaryOut out = new BinaryOut(512 * Math.max(1, statuses.size()));
        out.writeInt(MAGIC).writeInt(VERSION).writeInt(statuses.size());
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
     * Reads the snapshot and removes it (the removal synced): the statuses by pod uid, or an empty map when there is
     * none or it is damaged (a warning names the file; the start then waits for the runtime).
     *
     * @throws UncheckedIOException when it could not be removed: left in place, a later start would serve it again
     */
    public static Map<PodUid, PodStatus> take(Path file) {
        return take(LogFiles.DISK, file);
    }

    /** As {@link #take(Path)}, through {@code files} (tests inject disk faults: {@link FaultyLogFiles}). */
    public static Map<PodUid, PodStatus> take(LogFiles files, Path file) {
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                log.warn("status snapshot larger than {} bytes, ignored: the start waits for the runtime file={} "
                        + "bytes={}", MAX_BYTES, file, size);
                remove(files, file);
                return Map.of();
            }
            bytes = files.readAll(file);
        } catch (NoSuchFileException e) {
            return Map.of();
        } catch (IOException e) {
            log.warn("status snapshot not read, the start waits for the runtime file={} error=\"{}\"", file,
                    e.toString());
            remove(files, file);
            return Map.of();
        }
        Map<PodUid, PodStatus> statuses;
        try {
            statuses = decode(bytes);
        } catch (RuntimeException e) {
            log.warn("status snapshot damaged, ignored: the start waits for the runtime file={} error=\"{}\"", file,
                    e.getMessage());
            statuses = Map.of();
        }
        remove(files, file);
        return statuses;
    }

    static Map<PodUid, PodStatus> decode(byte[] bytes) {
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
        int n = in.count();
        Map<PodUid, PodStatus> out = new HashMap<>(n * 2);
        for (int i = 0; i < n; i++) {
            out.put(PodUid.of(in.readText()), PodStatusCodec.read(in));
        }
        if (!in.atEnd()) {
            throw new IllegalArgumentException("bytes after the last status");
        }
        return out;
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
