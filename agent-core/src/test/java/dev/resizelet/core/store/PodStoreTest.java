package dev.resizelet.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PodStoreTest {
    static final StoreCodec<String> CODEC = new StoreCodec<>() {
        @Override
        public byte[] encode(String value) {
            return value.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String decode(byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    };
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-27T12:00:00Z"), ZoneOffset.UTC);
    static final ObjectKey A = new ObjectKey("default", "a");
    static final ObjectKey B = new ObjectKey("default", "b");

    @TempDir
    Path dir;

    PodStore<String, String> open() {
        return PodStore.open(dir, CODEC, CLOCK);
    }

    @Test
    void acknowledgedChangesSurviveARestartWithoutClose() {
        // given a store that is abandoned without close(), as after kill -9
        PodStore<String, String> store = open();
        store.create(A, "uid-a", "spec-a1", "status");
        store.create(B, "uid-b", "spec-b1", null);
        store.updateSpec(A, null, o -> new PodStore.Change<>("spec-a2", o.status()));
        store.delete(B, null);

        // when it is opened again
        PodStore<String, String> reopened = open();

        // then exactly the acknowledged specs are there, with their generation; statuses are not persisted
        assertThat(reopened.list(null)).singleElement().satisfies(o -> {
            assertThat(o.key()).isEqualTo(A);
            assertThat(o.uid()).isEqualTo("uid-a");
            assertThat(o.spec()).isEqualTo("spec-a2");
            assertThat(o.generation()).isEqualTo(2);
            assertThat(o.status()).isNull();
            assertThat(o.creationTimestamp()).isEqualTo(CLOCK.instant());
        });
    }

    @Test
    void resourceVersionsKeepIncreasingAcrossRestartsEvenForStatusOnlyChanges() {
        PodStore<String, String> store = open();
        store.create(A, "uid-a", "spec", null);
        long last = 0;
        for (int i = 0; i < 50; i++) {
            last = store.updateStatus(A, o -> "s" + System.nanoTime()).orElseThrow().resourceVersion();
        }

        PodStore<String, String> reopened = open();
        long next = reopened.updateSpec(A, null, o -> new PodStore.Change<>("spec2", null)).resourceVersion();

        assertThat(next).isGreaterThan(last);
        assertThat(reopened.resourceVersion()).isGreaterThanOrEqualTo(next);
    }

    @Test
    void staleResourceVersionIsAConflictAndChangesNothing() {
        PodStore<String, String> store = open();
        long rv = store.create(A, "uid-a", "spec1", null).resourceVersion();
        store.updateSpec(A, rv, o -> new PodStore.Change<>("spec2", null));

        assertThrows(StoreException.Conflict.class,
                () -> store.updateSpec(A, rv, o -> new PodStore.Change<>("spec3", null)));
        assertThrows(StoreException.Conflict.class, () -> store.delete(A, rv));
        assertThat(store.get(A).orElseThrow().spec()).isEqualTo("spec2");
        assertThat(open().get(A).orElseThrow().spec()).isEqualTo("spec2");
    }

    @Test
    void refusedChangeLeavesNothingBehind() {
        PodStore<String, String> store = open();
        StoredObject<String, String> before = store.create(A, "uid-a", "spec1", null);

        assertThrows(IllegalArgumentException.class, () -> store.updateSpec(A, null, o -> {
            throw new IllegalArgumentException("invalid");
        }));
        assertThrows(StoreException.AlreadyExists.class, () -> store.create(A, "other", "x", null));
        assertThrows(StoreException.NotFound.class, () -> store.delete(B, null));

        assertThat(store.get(A)).contains(before);
        assertThat(store.resourceVersion()).isEqualTo(before.resourceVersion());
    }

    @Test
    void tornLastRecordIsCutAtEveryByteOffsetAndEverythingBeforeItSurvives() throws IOException {
        PodStore<String, String> store = open();
        store.create(A, "uid-a", "spec-a", null);
        store.close();
        Path file = dir.resolve("pods.log");
        byte[] acknowledged = Files.readAllBytes(file);
        PodStore<String, String> again = open();
        again.create(B, "uid-b", "spec-b", null);
        again.close();
        byte[] full = Files.readAllBytes(file);

        for (int cut = acknowledged.length; cut < full.length; cut++) {
            Files.write(file, java.util.Arrays.copyOf(full, cut));
            PodStore<String, String> reopened = open();
            assertThat(reopened.get(A)).as("cut at %d", cut).isPresent();
            assertThat(reopened.get(B)).as("cut at %d", cut).isEmpty();
            reopened.close();
        }
    }

    @Test
    void flippedByteInsideTheLogIsReportedWithThePathAndTheFix() throws IOException {
        PodStore<String, String> store = open();
        store.create(A, "uid-a", "spec-a", null);
        store.create(B, "uid-b", "spec-b", null);
        store.close();
        Path file = dir.resolve("pods.log");
        byte[] bytes = Files.readAllBytes(file);
        int firstPayloadByte = DurableLog.MAGIC.length + 8 + 2;
        bytes[firstPayloadByte] ^= 0x40;
        Files.write(file, bytes);

        StoreException.Corrupt e = assertThrows(StoreException.Corrupt.class, this::open);
        assertThat(e.getMessage()).contains(file.toString()).contains("checksum mismatch").contains("restore it from a backup");
    }

    @Test
    void watchDeliversChangesInOrderAndReplaysHistoryFromAResourceVersion() throws Exception {
        PodStore<String, String> store = open();
        long rv0 = store.create(A, "uid-a", "spec1", null).resourceVersion();
        List<StoreEvent<String, String>> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (AutoCloseable w = store.watch("default", rv0, seen::add)) {
            store.updateSpec(A, null, o -> new PodStore.Change<>("spec2", null));
            store.updateStatus(A, o -> "running");
            store.create(new ObjectKey("other", "x"), "uid-x", "s", null);
            store.delete(A, null);
            // live events arrive on the delivery thread
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> seen.size() >= 3);
        }
        assertThat(seen).extracting(StoreEvent::type).containsExactly(
                StoreEvent.Type.MODIFIED, StoreEvent.Type.MODIFIED, StoreEvent.Type.DELETED);
        assertThat(seen).extracting(e -> e.object().resourceVersion()).isSorted().doesNotHaveDuplicates();

        List<StoreEvent<String, String>> replay = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (AutoCloseable w = store.watch(null, rv0, replay::add)) {
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> replay.size() >= 4);
        }
        assertThat(replay).hasSize(4);
    }

    @Test
    void watchFromZeroListsCurrentObjectsAndWatchFromForgottenHistoryIsGone() {
        PodStore<String, String> store = open();
        store.create(A, "uid-a", "spec1", null);
        List<StoreEvent<String, String>> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        store.watch(null, 0, seen::add);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> !seen.isEmpty());
        assertThat(seen).singleElement().satisfies(e -> assertThat(e.type()).isEqualTo(StoreEvent.Type.ADDED));

        PodStore<String, String> reopened = open();
        assertThrows(StoreException.Gone.class, () -> reopened.watch(null, 1, e -> { }));
    }

    @Test
    void concurrentWritersShareSyncsAndAllSurvive() throws Exception {
        PodStore<String, String> store = open();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            int n = i;
            futures.add(pool.submit(() -> store.create(new ObjectKey("ns", "p" + n), "u" + n, "s" + n, null)));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();

        PodStore<String, String> reopened = open();
        assertThat(reopened.size()).isEqualTo(400);
        assertThat(reopened.get(new ObjectKey("ns", "p399")).orElseThrow().spec()).isEqualTo("s399");
    }

    @Test
    void compactionKeepsTheLiveStateAndShrinksTheLog() throws IOException {
        PodStore<String, String> store = PodStore.open(dir, CODEC, CLOCK, 64 << 10);
        store.create(A, "uid-a", "x".repeat(1000), null);
        for (int i = 0; i < 300; i++) {
            int n = i;
            store.updateSpec(A, null, o -> new PodStore.Change<>("y".repeat(1000) + n, null));
        }
        assertThat(store.logBytes()).isLessThan(64L << 10);
        assertThat(open().get(A).orElseThrow().spec()).endsWith("299");
    }

    @Test
    void aWatcherThatFallsTooFarBehindIsClosedAndNeverBlocksAWriter() throws Exception {
        PodStore<String, String> store = PodStore.inMemory(CODEC, CLOCK);
        store.create(A, "uid-a", "spec", null);
        java.util.concurrent.CountDownLatch stuck = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger delivered = new java.util.concurrent.atomic.AtomicInteger();
        List<StoreEvent<String, String>> fast = new java.util.concurrent.CopyOnWriteArrayList<>();
        store.watch(null, 0, e -> fast.add(e));
        long listed = store.resourceVersion();
        store.watch(null, listed, e -> {
            delivered.incrementAndGet();
            try {
                stuck.await(); // a client that stopped reading
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }, closed::countDown);

        int writes = PodStore.WATCH_BUFFER + 100;
        for (int i = 0; i < writes; i++) {
            int n = i;
            store.updateStatus(A, o -> "status-" + n); // every write returns although one watcher never reads
        }

        // the writes above all returned while the slow watcher's sink was stuck: it lost its watch instead
        stuck.countDown();
        assertThat(closed.await(30, java.util.concurrent.TimeUnit.SECONDS)).as("slow watcher closed").isTrue();
        assertThat(delivered.get()).isLessThan(writes);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> fast.size() == writes + 1);
        assertThat(fast.get(fast.size() - 1).object().status()).isEqualTo("status-" + (writes - 1));
    }

    // ------------------------------------------------------------ graceful deletion marks

    static final StoredObject.Deletion MARK = new StoredObject.Deletion(Instant.parse("2026-11-27T12:00:30Z"), 30);

    @Test
    void aDeletionMarkIsDurableAndKeptAcrossSpecChangesRestartsAndCompaction() {
        // given a marked object, whose spec changes afterwards (a label), abandoned without close()
        PodStore<String, String> store = PodStore.open(dir, CODEC, CLOCK, 1);
        store.create(A, "uid-a", "spec-a1", null);
        store.create(B, "uid-b", "spec-b1", null);
        StoredObject<String, String> marked = store.markDeleting(A, o -> MARK);
        store.updateSpec(A, null, o -> new PodStore.Change<>("spec-a2", null));

        // when it is opened again (the tiny compaction threshold rewrites the log on open and on every write)
        PodStore<String, String> reopened = PodStore.open(dir, CODEC, CLOCK, 1);

        // then the mark is there, the other object has none
        assertThat(marked.deletion()).isEqualTo(MARK);
        assertThat(reopened.get(A).orElseThrow().deletion()).isEqualTo(MARK);
        assertThat(reopened.get(A).orElseThrow().spec()).isEqualTo("spec-a2");
        assertThat(reopened.get(B).orElseThrow().deletion()).isNull();
        PodStore<String, String> again = PodStore.open(dir, CODEC, CLOCK);
        assertThat(again.get(A).orElseThrow().terminating()).isTrue();
    }

    @Test
    void markingIsAModifiedEventAndAMarkThatChangesNothingWritesNothing() throws Exception {
        PodStore<String, String> store = open();
        store.create(A, "uid-a", "spec", null);
        java.util.List<StoreEvent<String, String>> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        store.watch(null, store.resourceVersion(), events::add);

        StoredObject<String, String> first = store.markDeleting(A, o -> MARK);
        StoredObject<String, String> same = store.markDeleting(A, o -> MARK);
        StoredObject<String, String> refused = store.markDeleting(A, o -> null);

        assertThat(same.resourceVersion()).isEqualTo(first.resourceVersion());
        assertThat(refused.resourceVersion()).isEqualTo(first.resourceVersion());
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> events.size() == 1);
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.type()).isEqualTo(StoreEvent.Type.MODIFIED);
            assertThat(e.object().deletion()).isEqualTo(MARK);
        });
    }

    @Test
    void deleteIfUidRemovesOnlyThatObject() {
        PodStore<String, String> store = open();
        store.create(A, "uid-a2", "spec", null); // a pod created again under the same name: another uid

        assertThat(store.deleteIfUid(A, "uid-a1")).isEmpty();
        assertThat(store.get(A)).isPresent();
        assertThat(store.deleteIfUid(A, "uid-a2")).isPresent();
        assertThat(store.get(A)).isEmpty();
        assertThat(store.deleteIfUid(A, "uid-a2")).isEmpty();
        assertThat(open().get(A)).isEmpty();
    }

    @Test
    void statusEventsNeverOvertakeSpecChangesWaitingForTheirSyncAndEveryChangeIsDelivered() throws Exception {
        // given a durable store with 8 objects and a watcher from the current resourceVersion
        PodStore<String, String> store = open();
        List<ObjectKey> keys = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            ObjectKey k = new ObjectKey("default", "p" + i);
            keys.add(k);
            store.create(k, "uid-" + i, "spec", null);
        }
        List<Long> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.Map<ObjectKey, StoreEvent<String, String>> last = new java.util.concurrent.ConcurrentHashMap<>();
        store.watch(null, store.resourceVersion(), e -> {
            seen.add(e.object().resourceVersion());
            last.put(e.object().key(), e);
        });

        // when 4 threads write specs (each waits for its fsync) while 2 threads write statuses (never waiting)
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<Future<Integer>> writes = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            boolean spec = t < 4;
            int thread = t;
            writes.add(pool.submit(() -> {
                int changes = 0;
                for (int i = 0; i < 150; i++) {
                    ObjectKey k = keys.get((thread * 7 + i) % keys.size());
                    String value = "t" + thread + "-" + i;
                    if (spec) {
                        store.updateSpec(k, null, o -> new PodStore.Change<>(value, o.status()));
                        changes++;
                    } else if (store.updateStatus(k, o -> value).isPresent()) {
                        changes++;
                    }
                }
                return changes;
            }));
        }
        int total = 0;
        for (Future<Integer> f : writes) {
            total += f.get();
        }
        pool.shutdown();

        // then the watcher sees every change exactly once, in resourceVersion order, ending at what the store holds
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (seen.size() < total && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(seen).hasSize(total);
        for (int i = 1; i < seen.size(); i++) {
            assertThat(seen.get(i)).as("event %d", i).isGreaterThan(seen.get(i - 1));
        }
        for (ObjectKey k : keys) {
            StoredObject<String, String> now = store.get(k).orElseThrow();
            assertThat(last.get(k).object().resourceVersion()).isEqualTo(now.resourceVersion());
            assertThat(last.get(k).object().spec()).isEqualTo(now.spec());
            assertThat(last.get(k).object().status()).isEqualTo(now.status());
        }
    }
}
