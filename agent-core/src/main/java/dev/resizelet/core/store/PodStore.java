package dev.resizelet.core.store;

import static java.util.Objects.requireNonNull;

import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The desired state of every pod, as the API server would keep it: specs are durable (a change is
 * acknowledged only once it is on disk, and survives {@code kill -9}), statuses live in memory and
 * are recomputed by their owner after a restart. Every change gets a new resourceVersion, strictly
 * increasing across restarts; watchers see changes in resourceVersion order, only once durable.
 *
 * <p>Durability is an append-only {@link DurableLog} with group commit, compacted into a snapshot
 * when it grows. Resource versions handed out for status-only changes are covered by a persisted
 * high-water mark, reserved in blocks, so a restart never reuses one.
 *
 * @param <T> the spec type (persisted through the codec)
 * @param <S> the status type (memory only)
 */
public final class PodStore<T, S> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PodStore.class);
    private static final byte PUT = 1;
    private static final byte DELETE = 2;
    private static final byte RESERVE = 3;
    /** A graceful deletion under way: namespace, name, resourceVersion, deletionTimestamp (ms), grace period (s). */
    private static final byte DELETING = 4;
    private static final long RESERVE_BLOCK = 100_000;
    private static final int HISTORY = 10_000;
    private static final long DEFAULT_MIN_COMPACT_BYTES = 4 << 20;

    private final StoreCodec<T> codec;
    private final Clock clock;
    private final DurableLog durable;      // null: memory only
    private final long minCompactBytes;

    // guarded by this
    private final TreeMap<ObjectKey, StoredObject<T, S>> objects = new TreeMap<>();
    private long resourceVersion;
    private long reservedUpTo;
    private long liveBytes;               // log size right after the last compaction
    private boolean failed;

    // events waiting for their log record to be durable, and the delivered history; guarded by publishLock
    private final Object publishLock = new Object();
    private final ArrayDeque<Pending<T, S>> pending = new ArrayDeque<>();
    private final ArrayDeque<StoreEvent<T, S>> history = new ArrayDeque<>();
    private final List<Watcher<T, S>> watchers = new CopyOnWriteArrayList<>();

    private record Pending<T, S>(long seq, StoreEvent<T, S> event) {
    }

    /**
     * Sees events newer than {@code afterRv} in its namespace (all when null), through a bounded buffer drained on a
     * delivery thread: a writer only enqueues. A watcher whose buffer overflows is too slow and is closed (its
     * {@code onClosed} runs; the client re-lists, as with the apiserver), so no reader ever stalls a writer.
     */
    private static final class Watcher<T, S> {
        private final String namespace;
        private final long afterRv;
        private final Consumer<StoreEvent<T, S>> sink;
        private final Runnable onClosed;
        private final int capacity;
        private final java.util.concurrent.Executor delivery;
        private final ArrayDeque<StoreEvent<T, S>> buffer = new ArrayDeque<>();   // guarded by this
        private boolean draining;                                                  // guarded by this
        private volatile boolean closed;
        private volatile List<Watcher<T, S>> registry;

        Watcher(String namespace, long afterRv, Consumer<StoreEvent<T, S>> sink, Runnable onClosed, int capacity,
                java.util.concurrent.Executor delivery) {
            this.namespace = namespace;
            this.afterRv = afterRv;
            this.sink = sink;
            this.onClosed = onClosed;
            this.capacity = capacity;
            this.delivery = delivery;
        }

        boolean wants(StoreEvent<T, S> e) {
            return e.object().resourceVersion() > afterRv
                    && (namespace == null || namespace.equals(e.object().key().namespace()));
        }

        /** Enqueues; never blocks. */
        void offer(StoreEvent<T, S> e) {
            boolean schedule;
            synchronized (this) {
                if (closed) {
                    return;
                }
                if (buffer.size() >= capacity) {
                    buffer.clear();
                    closed = true;
                    log.warn("watch closed: the watcher fell {} events behind namespace={}", capacity, namespace);
                    schedule = !draining;
                    draining = true;
                } else {
                    buffer.addLast(e);
                    schedule = !draining;
                    draining = true;
                }
            }
            if (schedule) {
                delivery.execute(this::drain);
            }
        }

        private void drain() {
            while (true) {
                StoreEvent<T, S> e;
                synchronized (this) {
                    e = buffer.pollFirst();
                    if (e == null) {
                        draining = false;
                        break;
                    }
                }
                try {
                    sink.accept(e);
                } catch (RuntimeException ex) {
                    log.warn("watch sink failed, closing the watch error=\"{}\"", ex.toString());
                    close();
                }
            }
            if (closed) {
                List<Watcher<T, S>> r = registry;
                if (r != null) {
                    r.remove(this);
                }
                onClosed.run();
            }
        }

        void close() {
            synchronized (this) {
                closed = true;
                buffer.clear();
            }
        }
    }

    /** How many events a watcher may fall behind before it is closed. */
    static final int WATCH_BUFFER = 10_000;
    private static final java.util.concurrent.ExecutorService WATCH_DELIVERY =
            java.util.concurrent.Executors.newCachedThreadPool(
                    new com.google.common.util.concurrent.ThreadFactoryBuilder()
                            .setNameFormat("resizelet-watch-%d").setDaemon(true).build());

    private PodStore(StoreCodec<T> codec, Clock clock, DurableLog durable, long minCompactBytes) {
        this.codec = requireNonNull(codec, "codec");
        this.clock = requireNonNull(clock, "clock");
        this.durable = durable;
        this.minCompactBytes = minCompactBytes;
    }

    /** A store that keeps nothing across restarts. */
    public static <T, S> PodStore<T, S> inMemory(StoreCodec<T> codec, Clock clock) {
        return new PodStore<>(codec, clock, null, 0);
    }

    /** Opens the store in {@code dir} ({@code pods.log}), replaying what was acknowledged before. */
    public static <T, S> PodStore<T, S> open(Path dir, StoreCodec<T> codec, Clock clock) {
        return open(dir, codec, clock, DEFAULT_MIN_COMPACT_BYTES);
    }

    /** As {@link #open(Path, StoreCodec, Clock)}, compacting once the log exceeds 4x its live size and {@code minCompactBytes}. */
    static <T, S> PodStore<T, S> open(Path dir, StoreCodec<T> codec, Clock clock, long minCompactBytes) {
        List<byte[]> records = new ArrayList<>();
        Path file = dir.resolve("pods.log");
        DurableLog logFile;
        try {
            logFile = DurableLog.open(file, records);
        } catch (IOException e) {
            throw new StoreException.Unavailable("cannot open pod store " + file + ": " + e.getMessage(), e);
        }
        PodStore<T, S> store = new PodStore<>(codec, clock, logFile, minCompactBytes);
        // decoding the specs is most of a start's work and each record decodes on its own: in parallel, then applied
        // in log order
        List<Replayed<T>> replayed = records.parallelStream().map(r -> store.parse(file, r)).toList();
        synchronized (store) {
            replayed.forEach(store::apply);
            store.resourceVersion = Math.max(store.resourceVersion, store.reservedUpTo);
            if (records.size() > 2L * store.objects.size() + 16) {
                store.compactLocked();   // mostly superseded records: rewrite as the live objects
            } else {
                store.liveBytes = logFile.size(); // the next write opens a new reserved block past every version used
            }
        }
        log.info("pod store opened file={} pods={} resourceVersion={}", file, store.objects.size(), store.resourceVersion);
        return store;
    }

    public synchronized Optional<StoredObject<T, S>> get(ObjectKey key) {
        return Optional.ofNullable(objects.get(key));
    }

    /** All objects (of one namespace, or all when null), sorted by namespace and name. */
    public synchronized List<StoredObject<T, S>> list(String namespace) {
        if (namespace == null) {
            return List.copyOf(objects.values());
        }
        return List.copyOf(objects.subMap(new ObjectKey(namespace, ""), new ObjectKey(namespace + "\0", "")).values());
    }

    public synchronized int size() {
        return objects.size();
    }

    public synchronized long resourceVersion() {
        return resourceVersion;
    }

    /** Stores a new object durably; returns once it is on disk. */
    public StoredObject<T, S> create(ObjectKey key, String uid, T spec, S status) {
        requireNonNull(spec, "spec");
        long seq;
        StoredObject<T, S> created;
        synchronized (this) {
            checkWritable();
            if (objects.containsKey(key)) {
                throw new StoreException.AlreadyExists(key);
            }
            long rv = nextRv();
            created = new StoredObject<>(key, uid, spec, status, 1, rv, clock.instant());
            seq = appendLocked(put(created));
            objects.put(key, created);
            queue(seq, StoreEvent.Type.ADDED, created);
        }
        awaitAndPublish(seq);
        return created;
    }

    /**
     * Replaces the spec (generation + 1) if {@code expectedRv} is null or current. {@code change} sees
     * the current object and returns the new spec and status; it may throw to refuse, and then nothing changes.
     */
    public StoredObject<T, S> updateSpec(ObjectKey key, Long expectedRv, Function<StoredObject<T, S>, Change<T, S>> change) {
        long seq;
        StoredObject<T, S> updated;
        synchronized (this) {
            checkWritable();
            StoredObject<T, S> current = current(key, expectedRv);
            Change<T, S> c = change.apply(current);
            long rv = nextRv();
            updated = current.withSpec(c.spec(), rv).withStatus(c.status(), rv);
            seq = appendLocked(put(updated));
            objects.put(key, updated);
            queue(seq, StoreEvent.Type.MODIFIED, updated);
        }
        awaitAndPublish(seq);
        return updated;
    }

    /** The new spec and status of an update. */
    public record Change<T, S>(T spec, S status) {
        public Change {
            requireNonNull(spec, "spec");
        }
    }

    /** Replaces the in-memory status; a new resourceVersion, not written to disk. Missing objects are ignored. */
    public Optional<StoredObject<T, S>> updateStatus(ObjectKey key, Function<StoredObject<T, S>, S> change) {
        long seq;
        boolean reserved;
        StoredObject<T, S> updated;
        synchronized (this) {
            StoredObject<T, S> current = objects.get(key);
            if (current == null) {
                return Optional.empty();
            }
            S next = change.apply(current);
            if (java.util.Objects.equals(next, current.status())) {
                return Optional.of(current);
            }
            long before = durable == null ? 0 : durable.lastSeq();
            updated = current.withStatus(next, nextRv());
            objects.put(key, updated);
            seq = durable == null ? 0 : durable.lastSeq();
            reserved = seq != before; // this resourceVersion opened a new reserved block: that record must be durable
            queue(seq, StoreEvent.Type.MODIFIED, updated);
        }
        if (reserved) {
            awaitAndPublish(seq);
            return Optional.of(updated);
        }
        // a status is not written to disk, but its event must not overtake an earlier change that is not durable yet
        // (watchers resume from resourceVersions): it goes out now if nothing before it waits for a sync, else with
        // that change, from the thread whose sync makes it durable. A status writer never waits for an fsync.
        publishDurable();
        return Optional.of(updated);
    }

    /** Removes the object durably. */
    public StoredObject<T, S> delete(ObjectKey key, Long expectedRv) {
        return delete(key, expectedRv, null);
    }

    /**
     * Removes the object durably if it is still the one with {@code uid} (a pod deleted and created again under the same
     * name is another object); empty if it is gone or another.
     */
    public Optional<StoredObject<T, S>> deleteIfUid(ObjectKey key, String uid) {
        synchronized (this) {
            StoredObject<T, S> current = objects.get(key);
            if (current == null || !current.uid().equals(uid)) {
                return Optional.empty();
            }
        }
        try {
            StoredObject<T, S> deleted = delete(key, null, uid);
            return Optional.of(deleted);
        } catch (StoreException.NotFound | StoreException.Conflict e) {
            return Optional.empty();
        }
    }

    private StoredObject<T, S> delete(ObjectKey key, Long expectedRv, String expectedUid) {
        long seq;
        StoredObject<T, S> deleted;
        synchronized (this) {
            checkWritable();
            StoredObject<T, S> current = current(key, expectedRv);
            if (expectedUid != null && !current.uid().equals(expectedUid)) {
                throw new StoreException.Conflict(key);
            }
            long rv = nextRv();
            deleted = current.withResourceVersion(rv);
            seq = appendLocked(deleteRecord(key, rv));
            objects.remove(key);
            queue(seq, StoreEvent.Type.DELETED, deleted);
        }
        awaitAndPublish(seq);
        return deleted;
    }

    /**
     * Marks the object as being deleted gracefully (the apiserver's first phase of a graceful delete), durably: it stays
     * listed with its deletion mark until {@link #deleteIfUid} removes it. {@code mark} sees the current object and returns
     * the mark to store, or null to change nothing (then the current object is returned); it may throw to refuse.
     */
    public StoredObject<T, S> markDeleting(ObjectKey key, Function<StoredObject<T, S>, StoredObject.Deletion> mark) {
        long seq;
        StoredObject<T, S> marked;
        synchronized (this) {
            checkWritable();
            StoredObject<T, S> current = current(key, null);
            StoredObject.Deletion d = mark.apply(current);
            if (d == null || d.equals(current.deletion())) {
                return current;
            }
            long rv = nextRv();
            marked = current.withDeletion(d, rv);
            seq = appendLocked(deletingRecord(key, rv, d));
            objects.put(key, marked);
            queue(seq, StoreEvent.Type.MODIFIED, marked);
        }
        awaitAndPublish(seq);
        return marked;
    }

    private static byte[] deleteRecord(ObjectKey key, long rv) {
        return DurableLog.bytes(out -> {
            out.writeByte(DELETE);
            out.writeUTF(key.namespace());
            out.writeUTF(key.name());
            out.writeLong(rv);
        });
    }

    private static byte[] deletingRecord(ObjectKey key, long rv, StoredObject.Deletion d) {
        return DurableLog.bytes(out -> {
            out.writeByte(DELETING);
            out.writeUTF(key.namespace());
            out.writeUTF(key.name());
            out.writeLong(rv);
            out.writeLong(d.timestamp().toEpochMilli());
            out.writeLong(d.gracePeriodSeconds());
        });
    }

    /**
     * Streams changes to {@code sink} (of one namespace, or all when null). {@code sinceRv ≤ 0}: first
     * an ADDED for every current object; otherwise every change after {@code sinceRv}, which must still
     * be in the history ({@link StoreException.Gone} if not). The sink is called on a delivery thread, in
     * order, never on the writer's. Close the handle to stop.
     */
    public AutoCloseable watch(String namespace, long sinceRv, Consumer<StoreEvent<T, S>> sink) {
        return watch(namespace, sinceRv, sink, () -> { });
    }

    /**
     * As {@link #watch(String, long, Consumer)}; events (the initial ones too) reach {@code sink} on a delivery
     * thread, in order. {@code onClosed} runs if the watch falls {@value #WATCH_BUFFER} events behind (or its sink
     * throws) and is closed: the caller re-lists.
     */
    public AutoCloseable watch(String namespace, long sinceRv, Consumer<StoreEvent<T, S>> sink, Runnable onClosed) {
        requireNonNull(sink, "sink");
        requireNonNull(onClosed, "onClosed");
        Watcher<T, S> w;
        synchronized (this) {          // lock order everywhere: this, then publishLock
            synchronized (publishLock) {
                // the initial events go through the same buffer (sized to hold them): a slow sink never runs on, or
                // stalls, the caller holding the store's lock
                List<StoreEvent<T, S>> initial = new ArrayList<>();
                long after;
                if (sinceRv <= 0) {
                    // the listing reflects every change up to resourceVersion, published or pending
                    after = resourceVersion;
                    for (StoredObject<T, S> o : list(namespace)) {
                        initial.add(new StoreEvent<>(StoreEvent.Type.ADDED, o));
                    }
                } else {
                    long oldest = history.isEmpty()
                            ? resourceVersion - pending.size() + 1
                            : history.peekFirst().object().resourceVersion();
                    if (sinceRv < oldest - 1) {
                        throw new StoreException.Gone(sinceRv, oldest);
                    }
                    after = sinceRv;
                    for (StoreEvent<T, S> e : history) {
                        if (e.object().resourceVersion() > sinceRv
                                && (namespace == null || namespace.equals(e.object().key().namespace()))) {
                            initial.add(e);   // the history, before any live event: in order
                        }
                    }
                }
                w = new Watcher<>(namespace, after, sink, onClosed, WATCH_BUFFER + initial.size(), WATCH_DELIVERY);
                initial.forEach(w::offer);
                w.registry = watchers;
                watchers.add(w);
            }
        }
        return () -> {
            watchers.remove(w);
            w.close();
        };
    }

    @Override
    public void close() {
        if (durable != null) {
            try {
                durable.close();
            } catch (IOException e) {
                log.warn("pod store close failed file={} error={}", durable.file(), e.toString());
            }
        }
    }

    private StoredObject<T, S> current(ObjectKey key, Long expectedRv) {
        StoredObject<T, S> current = objects.get(key);
        if (current == null) {
            throw new StoreException.NotFound(key);
        }
        if (expectedRv != null && expectedRv != current.resourceVersion()) {
            throw new StoreException.Conflict(key);
        }
        return current;
    }

    private void checkWritable() {
        if (failed) {
            throw new StoreException.Unavailable("pod store is failed after a write error; restart resizelet", null);
        }
    }

    private long nextRv() {
        long rv = ++resourceVersion;
        if (durable != null && rv > reservedUpTo) {
            long upTo = rv + RESERVE_BLOCK;
            appendLocked(DurableLog.bytes(out -> {
                out.writeByte(RESERVE);
                out.writeLong(upTo);
            }));
            reservedUpTo = upTo;
        }
        return rv;
    }

    private long appendLocked(byte[] record) {
        if (durable == null) {
            return 0;
        }
        try {
            return durable.append(record);
        } catch (IOException e) {
            throw new StoreException.Unavailable("cannot write pod store " + durable.file() + ": " + e.getMessage(), e);
        }
    }

    /** Called at the end of every durable change, once the in-memory map holds it. */
    private void queue(long seq, StoreEvent.Type type, StoredObject<T, S> o) {
        synchronized (publishLock) {
            pending.addLast(new Pending<>(seq, new StoreEvent<>(type, o)));
        }
        if (durable != null && durable.size() > Math.max(minCompactBytes, 4 * liveBytes)) {
            compactLocked();
        }
    }

    private void awaitAndPublish(long seq) {
        if (durable != null) {
            try {
                durable.sync(seq);
            } catch (IOException e) {
                synchronized (this) {
                    failed = true;
                }
                throw new StoreException.Unavailable("cannot sync pod store " + durable.file() + ": " + e.getMessage()
                        + "; the store refuses further writes until resizelet restarts", e);
            }
        }
        publishDurable();
    }

    /** Delivers, in resourceVersion order, every queued event whose log record is durable; never waits for a sync. */
    private void publishDurable() {
        long synced = durable == null ? Long.MAX_VALUE : durable.syncedSeq();
        synchronized (publishLock) {
            while (!pending.isEmpty() && pending.peekFirst().seq() <= synced) {
                StoreEvent<T, S> e = pending.pollFirst().event();
                history.addLast(e);
                if (history.size() > HISTORY) {
                    history.pollFirst();
                }
                for (Watcher<T, S> w : watchers) {
                    if (w.wants(e)) {
                        w.offer(e);
                    }
                }
            }
        }
    }

    private byte[] put(StoredObject<T, S> o) {
        byte[] spec = codec.encode(o.spec());
        return DurableLog.bytes(out -> {
            out.writeByte(PUT);
            out.writeUTF(o.key().namespace());
            out.writeUTF(o.key().name());
            out.writeUTF(o.uid());
            out.writeLong(o.generation());
            out.writeLong(o.resourceVersion());
            out.writeLong(o.creationTimestamp().toEpochMilli());
            out.writeInt(spec.length);
            out.write(spec);
        });
    }

    /** One log record, decoded (off the store's lock). */
    private record Replayed<T>(byte type, ObjectKey key, String uid, long generation, long rv, Instant created, T spec,
            long reservedUpTo, StoredObject.Deletion deletion) {
    }

    private Replayed<T> parse(Path file, byte[] record) {
        try (DataInputStream in = DurableLog.reader(record)) {
            byte type = in.readByte();
            return switch (type) {
                case PUT -> {
                    ObjectKey key = new ObjectKey(in.readUTF(), in.readUTF());
                    String uid = in.readUTF();
                    long generation = in.readLong();
                    long rv = in.readLong();
                    Instant created = Instant.ofEpochMilli(in.readLong());
                    T spec = codec.decode(DurableLog.readBytes(in, in.readInt()));
                    yield new Replayed<>(type, key, uid, generation, rv, created, spec, 0, null);
                }
                case DELETE -> new Replayed<>(type, new ObjectKey(in.readUTF(), in.readUTF()), null, 0, in.readLong(), null,
                        null, 0, null);
                case RESERVE -> new Replayed<>(type, null, null, 0, 0, null, null, in.readLong(), null);
                case DELETING -> {
                    ObjectKey key = new ObjectKey(in.readUTF(), in.readUTF());
                    long rv = in.readLong();
                    StoredObject.Deletion d = new StoredObject.Deletion(Instant.ofEpochMilli(in.readLong()), in.readLong());
                    yield new Replayed<>(type, key, null, 0, rv, null, null, 0, d);
                }
                default -> throw new StoreException.Corrupt("pod store " + file + " has an unknown record type " + type
                        + "; it was written by a newer resizelet, or is damaged: restore it from a backup");
            };
        } catch (IOException | RuntimeException e) {
            if (e instanceof StoreException se) {
                throw se;
            }
            throw new StoreException.Corrupt("pod store " + file + " has a record that cannot be read (" + e
                    + "); restore it from a backup, or move it away to start with no pods");
        }
    }

    private void apply(Replayed<T> r) {
        switch (r.type()) {
            case PUT -> {
                StoredObject<T, S> before = objects.get(r.key());
                // a spec written after the deletion mark keeps it (the same object, still terminating)
                StoredObject.Deletion deletion = before != null && before.uid().equals(r.uid()) ? before.deletion() : null;
                objects.put(r.key(), new StoredObject<>(r.key(), r.uid(), r.spec(), null, r.generation(), r.rv(),
                        r.created(), deletion));
                resourceVersion = Math.max(resourceVersion, r.rv());
            }
            case DELETE -> {
                objects.remove(r.key());
                resourceVersion = Math.max(resourceVersion, r.rv());
            }
            case DELETING -> {
                StoredObject<T, S> o = objects.get(r.key());
                if (o != null) {
                    objects.put(r.key(), o.withDeletion(r.deletion(), r.rv()));
                }
                resourceVersion = Math.max(resourceVersion, r.rv());
            }
            default -> reservedUpTo = Math.max(reservedUpTo, r.reservedUpTo());
        }
    }

    private void compactLocked() {
        if (durable == null) {
            return;
        }
        List<byte[]> records = new ArrayList<>(objects.size() + 1);
        long upTo = Math.max(reservedUpTo, resourceVersion) + RESERVE_BLOCK;
        records.add(DurableLog.bytes(out -> {
            out.writeByte(RESERVE);
            out.writeLong(upTo);
        }));
        for (StoredObject<T, S> o : objects.values()) {
            records.add(put(o));
            if (o.deletion() != null) {
                records.add(deletingRecord(o.key(), o.resourceVersion(), o.deletion()));
            }
        }
        try {
            durable.rewrite(records);
        } catch (IOException e) {
            throw new StoreException.Unavailable("cannot compact pod store " + durable.file() + ": " + e.getMessage(), e);
        }
        reservedUpTo = upTo;
        liveBytes = durable.size();
    }

    /** For tests: the objects as a map. */
    synchronized Map<ObjectKey, StoredObject<T, S>> snapshot() {
        return new HashMap<>(objects);
    }
}
