package dev.resizelet.core.store;

import static java.util.Objects.requireNonNull;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The namespaces the API created, durably: a map from name to {@link Namespace} kept in its own {@link DurableLog}
 * ({@code dir/namespaces.log}), one record per change, each synced before the call returns (namespaces change
 * rarely: no group commit needed). A change that is acknowledged survives a crash at any instant; one whose write
 * failed is not kept in memory either. When the log holds many more records than namespaces it is rewritten as a
 * snapshot. The apiserver's built-in namespaces are not stored here: they always exist.
 */
public final class NamespaceStore implements AutoCloseable {
    static final byte[] MAGIC = "RZNSPC01".getBytes(StandardCharsets.US_ASCII);
    static final String WHAT = "namespace store";
    private static final byte PUT = 1;
    private static final byte REMOVE = 2;
    private static final int MIN_COMPACT_RECORDS = 64;

    /** A namespace as stored; {@code deletionTimestamp} non-null while it terminates. */
    public record Namespace(String name, String uid, Instant creationTimestamp, Map<String, String> labels,
                            Map<String, String> annotations, Instant deletionTimestamp) {
        public Namespace {
            requireNonNull(name, "name");
            requireNonNull(uid, "uid");
            requireNonNull(creationTimestamp, "creationTimestamp");
            labels = Map.copyOf(labels);
            annotations = Map.copyOf(annotations);
        }

        public boolean terminating() {
            return deletionTimestamp != null;
        }

        public Namespace terminatingAt(Instant at) {
            return new Namespace(name, uid, creationTimestamp, labels, annotations, requireNonNull(at, "at"));
        }
    }

    private final DurableLog log; // null: in memory
    private final Map<String, Namespace> items = new TreeMap<>(); // guarded by this
    private int records; // records in the log, guarded by this

    private NamespaceStore(DurableLog log, Map<String, Namespace> items, int records) {
        this.log = log;
        this.items.putAll(items);
        this.records = records;
    }

    /** A store that keeps nothing on disk (no state dir). */
    public static NamespaceStore inMemory() {
        return new NamespaceStore(null, Map.of(), 0);
    }

    /** Opens (or creates) {@code dir/namespaces.log} and replays it. Damage stops the open, naming the file. */
    public static NamespaceStore open(Path dir) {
        return open(LogFiles.DISK, dir);
    }

    /** As {@link #open(Path)} through {@code files} (tests inject disk faults there). */
    public static NamespaceStore open(LogFiles files, Path dir) {
        Path file = dir.resolve("namespaces.log");
        List<byte[]> replayed = new ArrayList<>();
        DurableLog log;
        try {
            log = DurableLog.open(files, file, MAGIC, WHAT, replayed);
        } catch (IOException e) {
            throw new StoreException.Unavailable("cannot open " + WHAT + " " + file + ": " + e.getMessage(), e);
        }
        Map<String, Namespace> items = new TreeMap<>();
        for (byte[] r : replayed) {
            try (DataInputStream in = DurableLog.reader(r)) {
                byte type = in.readByte();
                if (type == PUT) {
                    Namespace ns = read(in);
                    items.put(ns.name(), ns);
                } else if (type == REMOVE) {
                    items.remove(in.readUTF());
                } else {
                    throw new StoreException.Corrupt(WHAT + " " + file + " holds a record of unknown type " + type);
                }
            } catch (IOException e) {
                throw new StoreException.Corrupt(WHAT + " " + file + " holds a record that cannot be read: " + e);
            }
        }
        NamespaceStore store = new NamespaceStore(log, items, replayed.size());
        store.compactIfLarge();
        return store;
    }

    public synchronized Optional<Namespace> get(String name) {
        return Optional.ofNullable(items.get(name));
    }

    /** All namespaces, by name. */
    public synchronized List<Namespace> list() {
        return List.copyOf(items.values());
    }

    /**
     * Stores (or replaces) {@code ns}; returns once it is on disk.
     *
     * @throws StoreException.Unavailable if the disk refused it: nothing changed
     */
    public synchronized void put(Namespace ns) {
        write(DurableLog.bytes(out -> {
            out.writeByte(PUT);
            write(out, ns);
        }));
        items.put(ns.name(), ns);
    }

    /** Removes {@code name} (nothing if absent); returns once that is on disk. */
    public synchronized void remove(String name) {
        if (!items.containsKey(name)) {
            return;
        }
        write(DurableLog.bytes(out -> {
            out.writeByte(REMOVE);
            out.writeUTF(name);
        }));
        items.remove(name);
        compactIfLarge();
    }

    private void write(byte[] record) {
        if (log == null) {
            return;
        }
        try {
            log.appendAllAndSync(List.of(record));
            records++;
        } catch (IOException e) {
            throw new StoreException.Unavailable("cannot write " + WHAT + " " + log.file() + ": " + e.getMessage(), e);
        }
    }

    /** Rewrites the log as a snapshot when it holds many more records than namespaces; a failure keeps the old log. */
    private void compactIfLarge() {
        if (log == null || records < MIN_COMPACT_RECORDS || records < 2 * items.size()) {
            return;
        }
        List<byte[]> snapshot = new ArrayList<>();
        for (Namespace ns : items.values()) {
            snapshot.add(DurableLog.bytes(out -> {
                out.writeByte(PUT);
                write(out, ns);
            }));
        }
        try {
            log.rewrite(snapshot);
            records = snapshot.size();
        } catch (IOException e) {
            // the old log is complete and still in use: compaction is tried again at the next removal or start
        }
    }

    private static void write(DataOutputStream out, Namespace ns) throws IOException {
        out.writeUTF(ns.name());
        out.writeUTF(ns.uid());
        out.writeLong(ns.creationTimestamp().toEpochMilli());
        out.writeLong(ns.deletionTimestamp() == null ? Long.MIN_VALUE : ns.deletionTimestamp().toEpochMilli());
        writeMap(out, ns.labels());
        writeMap(out, ns.annotations());
    }

    private static Namespace read(DataInputStream in) throws IOException {
        String name = in.readUTF();
        String uid = in.readUTF();
        Instant created = Instant.ofEpochMilli(in.readLong());
        long deletion = in.readLong();
        Map<String, String> labels = readMap(in);
        Map<String, String> annotations = readMap(in);
        return new Namespace(name, uid, created, labels, annotations,
                deletion == Long.MIN_VALUE ? null : Instant.ofEpochMilli(deletion));
    }

    private static void writeMap(DataOutputStream out, Map<String, String> map) throws IOException {
        out.writeInt(map.size());
        for (Map.Entry<String, String> e : new TreeMap<>(map).entrySet()) {
            writeString(out, e.getKey());
            writeString(out, e.getValue());
        }
    }

    private static Map<String, String> readMap(DataInputStream in) throws IOException {
        int n = in.readInt();
        Map<String, String> out = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            out.put(readString(in), readString(in));
        }
        return out;
    }

    /** Length-prefixed UTF-8 (annotation values may be longer than {@code writeUTF} allows). */
    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in) throws IOException {
        return new String(DurableLog.readBytes(in, in.readInt()), StandardCharsets.UTF_8);
    }

    @Override
    public synchronized void close() {
        if (log != null) {
            try {
                log.close();
            } catch (IOException e) {
                // every acknowledged change was synced already
            }
        }
    }
}
