package dev.resizelet.core.store;

import static java.util.Objects.requireNonNull;

import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
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
    /**
     * Watch history kept for watches that resume from a resourceVersion: whole objects, so few (the apiserver's watch
     * cache starts at 100 events per resource). Was 10,000: 110 pods under a resize churn kept ~12 MiB.
     */
    private static final int HISTORY = 1_000;
    /**
     * History older than this is dropped even when fewer than {@link #HISTORY} events are kept: a watch from a
     * resourceVersion that old gets 410 Gone and re-lists, as against an apiserver whose etcd compacts every 5 minutes.
     */
    static final Duration HISTORY_AGE = Duration.ofMinutes(5);
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
    private LogMark openedLogMark = LogMark.EMPTY; // where the log ended as replayed at open, before any compaction
    private long compactRetryAt;          // after a failed compaction: the log size at which to try again

    // events waiting for their log record to be durable, and the delivered history; guarded by publishLock
    private final Object publishLock = new Object();
    private final ArrayDeque<Pending<T, S>> pending = new ArrayDeque<>();
    private final ArrayDeque<StoreEvent<T, S>> history = new ArrayDeque<>();
    private final ArrayDeque<Long> historyMillis = new ArrayDeque<>();   // when each history event was delivered
    private final List<Watcher<T, S>> watchers = new CopyOnWriteArrayList<>();

    /**
     * An event waiting for the log record at {@code seq} to be durable. A durable change (a PUT or DELETE record)
     * keeps the object it replaced, so that a change whose record is cut off after a failed write or sync can be
     * undone; a status change has no record of its own and only waits for the ones before it.
     */
    private static final class Pending<T, S> {
        long seq;                                   // guarded by publishLock (a kept status change is re-sequenced)
        final StoreEvent<T, S> event;
        final boolean record;
        final StoredObject<T, S> previous;          // for a record: the object before it (null: there was none)
        volatile boolean cut;                       // its record was cut off: the change was undone, never acknowledged

        Pending(long seq, StoreEvent<T, S> event, boolean record, StoredObject<T, S> previous) {
            this.seq = seq;
            this.event = event;
            this.record = record;
            this.previous = previous;
        }
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
        return open(LogFiles.DISK, dir, codec, clock, DEFAULT_MIN_COMPACT_BYTES);
    }

    /** As {@link #open(Path, StoreCodec, Clock)} through {@code files} (tests inject disk faults there). */
    public static <T, S> PodStore<T, S> open(LogFiles files, Path dir, StoreCodec<T> codec, Clock clock) {
        return open(files, dir, codec, clock, DEFAULT_MIN_COMPACT_BYTES);
    }

    /** As {@link #open(Path, StoreCodec, Clock)}, compacting once the log exceeds 4x its live size and {@code minCompactBytes}. */
    static <T, S> PodStore<T, S> open(Path dir, StoreCodec<T> codec, Clock clock, long minCompactBytes) {
        return open(LogFiles.DISK, dir, codec, clock, minCompactBytes);
    }

    static <T, S> PodStore<T, S> open(LogFiles files, Path dir, StoreCodec<T> codec, Clock clock,
            long minCompactBytes) {
        List<byte[]> records = new ArrayList<>();
        Path file = dir.resolve("pods.log");
        DurableLog logFile;
        try {
            logFile = DurableLog.open(files, file, DurableLog.MAGIC, "pod store", records);
        } catch (IOException e) {
            throw new StoreException.Unavailable("cannot open pod store " + file + ": " + e.getMessage(), e);
        }
        PodStore<T, S> store = new PodStore<>(codec, clock, logFile, minCompactBytes);
        // decoding the specs is most of a start's work and each record decodes on its own: in parallel, then applied
        // in log order
        List<Replayed<T>> replayed = records.parallelStream().map(r -> store.parse(file, r)).toList();
        synchronized (store) {
            store.openedLogMark = logFile.mark();
            replayed.forEach(store::apply);
            store.resourceVersion = Math.max(store.resourceVersion, store.reservedUpTo);
            boolean older = replayed.stream().anyMatch(r -> !r.current());
            if (records.size() > 2L * store.objects.size() + 16 || older) {
                try {
                    // mostly superseded records, or specs in an older format: rewrite as the live objects
                    store.compactLocked();
                } catch (StoreException.Unavailable e) {
                    // the log as it is replays to the same state; a full or read-only disk must not stop a start
                    store.liveBytes = logFile.size();
                    log.warn("pod store compaction at start failed, keeping the long log error=\"{}\"", e.getMessage());
                }
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
        Pending<T, S> p;
        StoredObject<T, S> created;
        synchronized (this) {
            recoverLocked();
            if (objects.containsKey(key)) {
                throw new StoreException.AlreadyExists(key);
            }
            long rv = nextRv();
            created = new StoredObject<>(key, uid, spec, status, 1, rv, clock.instant());
            long seq = appendLocked(put(created));
            objects.put(key, created);
            p = queue(seq, StoreEvent.Type.ADDED, created, true, null);
        }
        awaitAndPublish(p);
        return created;
    }

    /**
     * Replaces the spec (generation + 1, unless the change says only metadata changed) if {@code expectedRv} is null or
     * current. {@code change} sees
     * the current object and returns the new spec and status; it may throw to refuse, and then nothing changes.
     */
    public StoredObject<T, S> updateSpec(ObjectKey key, Long expectedRv, Function<StoredObject<T, S>, Change<T, S>> change) {
        Pending<T, S> p;
        StoredObject<T, S> updated;
        synchronized (this) {
            recoverLocked();
            StoredObject<T, S> current = current(key, expectedRv);
            Change<T, S> c = change.apply(current);
            long rv = nextRv();
            updated = (c.newGeneration() ? current.withSpec(c.spec(), rv) : current.withMetadata(c.spec(), rv))
                    .withStatus(c.status(), rv);
            long seq = appendLocked(put(updated));
            objects.put(key, updated);
            p = queue(seq, StoreEvent.Type.MODIFIED, updated, true, current);
        }
        awaitAndPublish(p);
        return updated;
    }

    /**
     * The new spec and status of an update; {@code newGeneration} false when only the object's metadata changed
     * (labels, annotations): the apiserver then keeps the generation.
     */
    public record Change<T, S>(T spec, S status, boolean newGeneration) {
        public Change {
            requireNonNull(spec, "spec");
        }

        public Change(T spec, S status) {
            this(spec, status, true);
        }
    }

    /** Replaces the in-memory status; a new resourceVersion, not written to disk. Missing objects are ignored. */
    public Optional<StoredObject<T, S>> updateStatus(ObjectKey key, Function<StoredObject<T, S>, S> change) {
        Pending<T, S> p;
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
            long seq = durable == null ? 0 : durable.lastSeq();
            reserved = seq != before; // this resourceVersion opened a new reserved block: that record must be durable
            p = queue(seq, StoreEvent.Type.MODIFIED, updated, false, null);
        }
        if (reserved) {
            awaitAndPublish(p);
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
        Pending<T, S> p;
        StoredObject<T, S> deleted;
        synchronized (this) {
            recoverLocked();
            StoredObject<T, S> current = current(key, expectedRv);
            if (expectedUid != null && !current.uid().equals(expectedUid)) {
                throw new StoreException.Conflict(key);
            }
            long rv = nextRv();
            deleted = current.withResourceVersion(rv);
            long seq = appendLocked(deleteRecord(key, rv));
            objects.remove(key);
            p = queue(seq, StoreEvent.Type.DELETED, deleted, true, current);
        }
        awaitAndPublish(p);
        return deleted;
    }

    /**
     * Marks the object as being deleted gracefully (the apiserver's first phase of a graceful delete), durably: it stays
     * listed with its deletion mark until {@link #deleteIfUid} removes it. {@code mark} sees the current object and returns
     * the mark to store, or null to change nothing (then the current object is returned); it may throw to refuse.
     */
    public StoredObject<T, S> markDeleting(ObjectKey key, Function<StoredObject<T, S>, StoredObject.Deletion> mark) {
        Pending<T, S> p;
        StoredObject<T, S> marked;
        synchronized (this) {
            recoverLocked();
            StoredObject<T, S> current = current(key, null);
            StoredObject.Deletion d = mark.apply(current);
            if (d == null || d.equals(current.deletion())) {
                return current;
            }
            long rv = nextRv();
            marked = current.withDeletion(d, rv);
            long seq = appendLocked(deletingRecord(key, rv, d));
            objects.put(key, marked);
            p = queue(seq, StoreEvent.Type.MODIFIED, marked, true, current);
        }
        awaitAndPublish(p);
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
                    trimHistory(clock.millis());
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

    /** Bytes of records in the log (the file is longer by its preallocated zeros); 0 for a store in memory (tests). */
    long logBytes() {
        return durable == null ? 0 : durable.size();
    }

    /** Where the log ends now ({@link LogMark}; bytes 0 for a store in memory). */
    public LogMark logMark() {
        return durable == null ? LogMark.EMPTY : durable.mark();
    }

    /** {@link #logMark()} as the log was replayed at open, before a compaction at open rewrote it. */
    public synchronized LogMark openedLogMark() {
        return openedLogMark;
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

    /**
     * Before a write: if an earlier write or sync failed, the log's records after its durable offset are cut off and
     * the changes they carried undone (their writers got an error, never an acknowledgement), then a new
     * resourceVersion block is reserved durably. Nothing to do when the log is healthy (one volatile read).
     *
     * @throws StoreException.Unavailable if the disk still refuses; the next write tries again
     */
    private void recoverLocked() {
        if (durable == null || !durable.broken()) {
            return;
        }
        try {
            if (!durable.recover(this::undoAfter)) {
                return;
            }
            // the cut records may have held the newest reservation, and status changes kept in memory carry
            // resourceVersions it covered: reserve again, durably, before anything else is written or published
            long upTo = resourceVersion + RESERVE_BLOCK;
            durable.sync(durable.append(reserve(upTo)));
            reservedUpTo = upTo;
        } catch (IOException e) {
            throw new StoreException.Unavailable("cannot write pod store " + durable.file() + ": " + e.getMessage()
                    + "; writes are refused until the disk takes them again (each write tries again)", e);
        }
        log.info("pod store takes writes again after a disk error file={} resourceVersion={}", durable.file(),
                resourceVersion);
        publishDurable();
    }

    /**
     * Undoes, newest first, every change whose log record came after {@code lastDurable} (the log cuts them off next);
     * status changes on the same objects go with them (they were made on top of the undone objects), the others stay.
     * Runs with the store's lock held (from {@link #recoverLocked}).
     */
    private void undoAfter(long lastDurable) {
        synchronized (publishLock) {
            java.util.Set<ObjectKey> undone = new java.util.HashSet<>();
            for (java.util.Iterator<Pending<T, S>> it = pending.descendingIterator(); it.hasNext(); ) {
                Pending<T, S> p = it.next();
                if (p.seq <= lastDurable) {
                    break;
                }
                if (p.record) {
                    ObjectKey key = p.event.object().key();
                    if (p.previous == null) {
                        objects.remove(key);
                    } else {
                        objects.put(key, p.previous);
                    }
                    undone.add(key);
                    p.cut = true;
                    it.remove();
                }
            }
            for (java.util.Iterator<Pending<T, S>> it = pending.descendingIterator(); it.hasNext(); ) {
                Pending<T, S> p = it.next();
                if (p.seq <= lastDurable) {
                    break;
                }
                if (undone.contains(p.event.object().key())) {
                    p.cut = true;
                    it.remove();
                }
            }
            // the status changes that stay carry resourceVersions the cut records may have reserved: their events wait
            // for the next record, which is the new reservation (recoverLocked, or the next write's nextRv)
            long next = durable.lastSeq() + 1;
            for (Pending<T, S> p : pending) {
                if (p.seq > lastDurable) {
                    p.seq = next;
                }
            }
            if (!undone.isEmpty()) {
                log.warn("pod store undid changes that could not be made durable file={} objects={}", durable.file(),
                        undone.size());
            }
        }
        reservedUpTo = Math.min(reservedUpTo, resourceVersion);   // whatever was reserved after the cut is gone
    }

    private long nextRv() {
        long rv = ++resourceVersion;
        if (durable != null && rv > reservedUpTo) {
            recoverLocked();
            long upTo = rv + RESERVE_BLOCK;
            appendLocked(reserve(upTo));
            reservedUpTo = upTo;
        }
        return rv;
    }

    private static byte[] reserve(long upTo) {
        return DurableLog.bytes(out -> {
            out.writeByte(RESERVE);
            out.writeLong(upTo);
        });
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

    /**
     * Called at the end of every change, once the in-memory map holds it: {@code record} for a durable change (its
     * record is at {@code seq}), whose {@code previous} is the object it replaced (null for a create); a status change
     * has no record of its own.
     */
    private Pending<T, S> queue(long seq, StoreEvent.Type type, StoredObject<T, S> o, boolean record,
            StoredObject<T, S> previous) {
        Pending<T, S> p = new Pending<>(seq, new StoreEvent<>(type, o), record, previous);
        synchronized (publishLock) {
            pending.addLast(p);
        }
        if (durable != null && durable.size() > Math.max(Math.max(minCompactBytes, 4 * liveBytes), compactRetryAt)) {
            try {
                compactLocked();
            } catch (StoreException.Unavailable e) {
                // the long log stays in use and replays to the same state; try again once it grew by half as much
                compactRetryAt = durable.size() + Math.max(minCompactBytes, 4 * liveBytes) / 2;
                log.warn("pod store compaction failed, keeping the long log error=\"{}\"", e.getMessage());
            }
        }
        return p;
    }

    /**
     * Waits until the change's record is durable and publishes what is. If it cannot be made durable the change is
     * undone (here, or by whichever write recovers the log first) and never acknowledged.
     */
    private void awaitAndPublish(Pending<T, S> p) {
        if (durable != null) {
            try {
                durable.sync(p.seq);
            } catch (IOException e) {
                synchronized (this) {
                    try {
                        recoverLocked();
                    } catch (StoreException.Unavailable still) {
                        e.addSuppressed(still);   // the change is undone all the same; the next write tries again
                    }
                }
                throw new StoreException.Unavailable("cannot sync pod store " + durable.file() + ": " + e.getMessage()
                        + "; the change was not made", e);
            }
            if (p.cut) {
                throw new StoreException.Unavailable("cannot write pod store " + durable.file() + ": another write's "
                        + "sync failed before this change was durable; the change was not made", null);
            }
        }
        publishDurable();
    }

    /** Delivers, in resourceVersion order, every queued event whose log record is durable; never waits for a sync. */
    private void publishDurable() {
        long synced = durable == null ? Long.MAX_VALUE : durable.syncedSeq();
        synchronized (publishLock) {
            while (!pending.isEmpty() && pending.peekFirst().seq <= synced) {
                StoreEvent<T, S> e = pending.pollFirst().event;
                long now = clock.millis();
                history.addLast(e);
                historyMillis.addLast(now);
                if (history.size() > HISTORY) {
                    history.pollFirst();
                    historyMillis.pollFirst();
                }
                trimHistory(now);
                for (Watcher<T, S> w : watchers) {
                    if (w.wants(e)) {
                        w.offer(e);
                    }
                }
            }
        }
    }

    /** Drops history delivered more than {@link #HISTORY_AGE} before {@code nowMillis}; the caller holds publishLock. */
    private void trimHistory(long nowMillis) {
        long oldest = nowMillis - HISTORY_AGE.toMillis();
        while (!historyMillis.isEmpty() && historyMillis.peekFirst() < oldest) {
            history.pollFirst();
            historyMillis.pollFirst();
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
            long reservedUpTo, StoredObject.Deletion deletion, boolean current) {
        Replayed(byte type, ObjectKey key, String uid, long generation, long rv, Instant created, T spec,
                long reservedUpTo, StoredObject.Deletion deletion) {
            this(type, key, uid, generation, rv, created, spec, reservedUpTo, deletion, true);
        }
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
                    byte[] bytes = DurableLog.readBytes(in, in.readInt());
                    T spec = codec.decode(bytes);
                    yield new Replayed<>(type, key, uid, generation, rv, created, spec, 0, null, codec.isCurrent(bytes));
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
        records.add(reserve(upTo));
        for (StoredObject<T, S> o : objects.values()) {
            records.add(put(o));
            if (o.deletion() != null) {
                records.add(deletingRecord(o.key(), o.resourceVersion(), o.deletion()));
            }
        }
        long t0 = System.nanoTime();
        long before = durable.size();
        try {
            durable.rewrite(records);
        } catch (IOException e) {
            throw new StoreException.Unavailable("cannot compact pod store " + durable.file() + ": " + e.getMessage(), e);
        }
        reservedUpTo = upTo;
        liveBytes = durable.size();
        compactRetryAt = 0;
        log.info("pod store compacted file={} bytes={}->{} millis={}", durable.file(), before, liveBytes,
                (System.nanoTime() - t0) / 1_000_000);
    }

    /** For tests: the objects as a map. */
    synchronized Map<ObjectKey, StoredObject<T, S>> snapshot() {
        return new HashMap<>(objects);
    }
}
