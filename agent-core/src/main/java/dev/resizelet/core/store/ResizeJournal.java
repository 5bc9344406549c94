package dev.resizelet.core.store;

import static java.util.Objects.requireNonNull;

import dev.resizelet.core.model.PodResources;
import dev.resizelet.core.model.PodUid;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's resize state (allocated and actuated resources of every pod) as one append-only, checksummed log with
 * group commit (DESIGN §7): the allocation owner appends every change of a batch of decisions and syncs once;
 * nothing of the batch is acknowledged before that sync. A batch that cannot be made durable is cut off again, so
 * a decision the owner rolled back never reappears at the next start. The log is compacted into one record per
 * live value when it grows past four times its live size.
 *
 * <p>Single writer: only the allocation owner thread calls {@link #commit} and {@link #compactIfLarge}.
 */
public class ResizeJournal implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ResizeJournal.class);
    private static final byte[] MAGIC = "RZSTAT01".getBytes(StandardCharsets.US_ASCII);
    private static final String WHAT = "resize state log";
    /** Text records (a {@link PodResourcesCodec} line payload): written before the binary form, still read. */
    private static final byte ALLOCATED_TEXT = 1;
    private static final byte ACTUATED_TEXT = 2;
    private static final byte REMOVED = 3;
    private static final byte ALLOCATED = 4;
    private static final byte ACTUATED = 5;
    private static final long MIN_COMPACT_BYTES = 4L << 20;

    private final DurableLog durable;   // null: memory only
    private final long minCompactBytes;
    private long liveBytes;
    private LogMark openedMark = LogMark.EMPTY; // as replayed at open, before a rewrite at open

    /** One change of a pod's resize state. */
    public sealed interface Entry permits Allocated, Actuated, Removed {
        PodUid uid();
    }

    /** Admission accepted these resources (they count against the node from now on). */
    public record Allocated(PodResources resources) implements Entry {
        public Allocated {
            requireNonNull(resources, "resources");
        }

        @Override
        public PodUid uid() {
            return resources.uid();
        }
    }

    /** The runtime accepted these resources (what a restart must not re-apply). */
    public record Actuated(PodResources resources) implements Entry {
        public Actuated {
            requireNonNull(resources, "resources");
        }

        @Override
        public PodUid uid() {
            return resources.uid();
        }
    }

    /** The pod is gone: both views are forgotten. */
    public record Removed(PodUid uid) implements Entry {
        public Removed {
            requireNonNull(uid, "uid");
        }
    }

    /** What the log held at open: the newest allocated and actuated resources of every pod. */
    public record State(Map<PodUid, PodResources> allocated, Map<PodUid, PodResources> actuated) {
        public State {
            allocated = Map.copyOf(allocated);
            actuated = Map.copyOf(actuated);
        }
    }

    private final State opened;

    /** A journal that keeps nothing (memory-only mode); tests may override {@link #commit} to inject failures. */
    protected ResizeJournal() {
        this(null, new State(Map.of(), Map.of()), 0);
    }

    private ResizeJournal(DurableLog durable, State opened, long minCompactBytes) {
        this.durable = durable;
        this.opened = opened;
        this.minCompactBytes = minCompactBytes;
        this.liveBytes = durable == null ? 0 : durable.size();
    }

    /** A journal that keeps nothing across restarts. */
    public static ResizeJournal inMemory() {
        return new ResizeJournal();
    }

    /**
     * Opens {@code dir/resize.log} without fsync: the same file and records, not durable against power loss (a
     * process crash loses nothing, the page cache survives it). For tests with many commits and benchmarks on tmpfs.
     */
    public static ResizeJournal openWithoutFsync(Path dir) {
        ResizeJournal j = open(dir, MIN_COMPACT_BYTES);
        j.durable.disableFsync();
        return j;
    }

    /** Opens {@code dir/resize.log}, replaying what was committed before. Damage stops the open, naming the file. */
    public static ResizeJournal open(Path dir) {
        return open(dir, MIN_COMPACT_BYTES);
    }

    /** As {@link #open(Path)} through {@code files} (tests inject disk faults there). */
    public static ResizeJournal open(LogFiles files, Path dir) {
        return open(files, dir, MIN_COMPACT_BYTES);
    }

    static ResizeJournal open(Path dir, long minCompactBytes) {
        return open(LogFiles.DISK, dir, minCompactBytes);
    }

    static ResizeJournal open(LogFiles files, Path dir, long minCompactBytes) {
        Path file = dir.resolve("resize.log");
        List<byte[]> records = new ArrayList<>();
        DurableLog logFile;
        try {
            logFile = DurableLog.open(files, file, MAGIC, WHAT, records);
        } catch (IOException e) {
            throw new StoreException.Unavailable("cannot open " + WHAT + " " + file + ": " + e.getMessage(), e);
        }
        Map<PodUid, PodResources> allocated = new HashMap<>();
        Map<PodUid, PodResources> actuated = new HashMap<>();
        boolean older = false;
        for (byte[] r : records) {
            Entry e = decode(file, r);
            older |= r[0] == ALLOCATED_TEXT || r[0] == ACTUATED_TEXT;
            if (e instanceof Allocated a) {
                allocated.put(a.uid(), a.resources());
            } else if (e instanceof Actuated a) {
                actuated.put(a.uid(), a.resources());
            } else {
                allocated.remove(e.uid());
                actuated.remove(e.uid());
            }
        }
        log.info("resize state log opened file={} records={} pods={}", file, records.size(), allocated.size());
        ResizeJournal journal = new ResizeJournal(logFile, new State(allocated, actuated), minCompactBytes);
        journal.openedMark = logFile.mark();
        if (older) {
            journal.rewrite(allocated, actuated);   // records of an earlier release: the next start reads binary only
        }
        return journal;
    }

    /** The state replayed at open. */
    public State opened() {
        return opened;
    }

    /**
     * Makes {@code entries} durable with one sync, all or nothing. After a failure (ENOSPC, EIO, a read-only disk)
     * the batch is cut off the file again; if even that cut failed, the next commit makes it first, so the journal
     * takes commits again as soon as the disk does.
     *
     * @throws StoreException.Unavailable if they could not be; none of them will be replayed at the next start
     */
    public void commit(List<? extends Entry> entries) {
        if (durable == null || entries.isEmpty()) {
            return;
        }
        List<byte[]> payloads = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            payloads.add(encode(e));
        }
        try {
            durable.appendAllAndSync(payloads);
        } catch (IOException e) {
            throw new StoreException.Unavailable("cannot write " + WHAT + " " + durable.file() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Rewrites the log as the live state once it exceeds four times its size after the last compaction (and the
     * minimum). A failure leaves the old log in place (it still replays to the same state) and is only logged.
     */
    public void compactIfLarge(Map<PodUid, PodResources> allocated, Map<PodUid, PodResources> actuated) {
        if (!needsCompaction()) {
            return;
        }
        rewrite(allocated, actuated);
    }

    /** The log rewritten as one record per live value; a failure keeps the old log (it replays the same) and is logged. */
    private void rewrite(Map<PodUid, PodResources> allocated, Map<PodUid, PodResources> actuated) {
        List<byte[]> records = new ArrayList<>(allocated.size() + actuated.size());
        allocated.values().forEach(r -> records.add(encode(new Allocated(r))));
        actuated.values().forEach(r -> records.add(encode(new Actuated(r))));
        long t0 = System.nanoTime();
        long before = durable.size();
        try {
            durable.rewrite(records);
            liveBytes = durable.size();
            log.info("resize state log compacted file={} bytes={}->{} millis={}", durable.file(), before, liveBytes,
                    (System.nanoTime() - t0) / 1_000_000);
        } catch (IOException e) {
            log.warn("resize state log compaction failed, keeping the long log file={} error=\"{}\"", durable.file(),
                    e.getMessage());
        }
    }

    /** Whether the log has grown past four times its live size (and the minimum): a size check, nothing more. */
    public boolean needsCompaction() {
        return durable != null && durable.size() > Math.max(minCompactBytes, 4 * liveBytes);
    }

    /** Where the log ends now ({@link LogMark}; bytes 0 in memory). */
    public LogMark logMark() {
        return durable == null ? LogMark.EMPTY : durable.mark();
    }

    /** {@link #logMark()} as the log was replayed at open, before a rewrite at open. */
    public LogMark openedMark() {
        return openedMark;
    }

    /** Bytes in the log file (0 in memory). */
    public long sizeBytes() {
        return durable == null ? 0 : durable.size();
    }

    @Override
    public void close() {
        if (durable != null) {
            try {
                durable.close();
            } catch (IOException e) {
                log.warn("resize state log close failed file={} error=\"{}\"", durable.file(), e.getMessage());
            }
        }
    }

    private static byte[] encode(Entry e) {
        if (e instanceof Allocated a) {
            return binary(ALLOCATED, a.resources());
        }
        if (e instanceof Actuated a) {
            return binary(ACTUATED, a.resources());
        }
        return tagged(REMOVED, e.uid().value().getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] binary(byte tag, PodResources r) {
        BinaryOut out = new BinaryOut(512).writeByte(tag); // a 2-container pod's record: ~300 bytes, never regrown
        PodResourcesCodec.writeBinary(out, r);
        return out.toByteArray();
    }

    private static byte[] tagged(byte tag, byte[] body) {
        byte[] out = new byte[body.length + 1];
        out[0] = tag;
        System.arraycopy(body, 0, out, 1, body.length);
        return out;
    }

    private static Entry decode(Path file, byte[] record) {
        if (record.length == 0) {
            throw corrupt(file, "an empty record");
        }
        return switch (record[0]) {
            case ALLOCATED -> new Allocated(PodResourcesCodec.readBinary(file, record, 1));
            case ACTUATED -> new Actuated(PodResourcesCodec.readBinary(file, record, 1));
            case ALLOCATED_TEXT -> new Allocated(PodResourcesCodec.read(file, body(record)));
            case ACTUATED_TEXT -> new Actuated(PodResourcesCodec.read(file, body(record)));
            case REMOVED -> new Removed(PodUid.of(new String(record, 1, record.length - 1, StandardCharsets.UTF_8)));
            default -> throw corrupt(file, "an unknown record type " + record[0]
                    + " (written by a newer resizelet, or damaged)");
        };
    }

    private static byte[] body(byte[] record) {
        return java.util.Arrays.copyOfRange(record, 1, record.length);
    }

    private static StoreException.Corrupt corrupt(Path file, String what) {
        return new StoreException.Corrupt(WHAT + " " + file + " has " + what + "; restore it from a backup, or move"
                + " it away to let resizelet re-admit every pod from its spec");
    }
}
