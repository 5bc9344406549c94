package dev.resizelet.core.store;

import static dev.resizelet.core.store.PodStoreTest.CLOCK;
import static dev.resizelet.core.store.PodStoreTest.CODEC;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.resizelet.core.store.FaultyLogFiles.Errno;
import dev.resizelet.core.store.FaultyLogFiles.Op;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The pod store on a disk that fails (ENOSPC, EIO, EROFS) at append, fsync, the cut after a failed write, and the
 * temp file and rename of a compaction, through the {@link LogFiles} seam: a change that cannot be made durable is
 * refused, never acknowledged, and leaves nothing behind (in memory, on watches, after a restart); reads go on; the
 * next write after the disk heals succeeds without a restart; nothing acknowledged is lost.
 */
class PodStoreDiskFaultTest {
    static final ObjectKey A = new ObjectKey("default", "a");
    static final ObjectKey B = new ObjectKey("default", "b");
    static final ObjectKey C = new ObjectKey("default", "c");

    @TempDir
    Path dir;

    final FaultyLogFiles disk = new FaultyLogFiles();
    final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    PodStore<String, String> open() {
        return PodStore.open(disk, dir, CODEC, CLOCK);
    }

    /** As after kill -9: a fresh store on the same directory, the real disk, the old one never closed. */
    PodStore<String, String> reopen() {
        return PodStore.open(dir, CODEC, CLOCK);
    }

    static Stream<Arguments> faultsAtAppendAndSync() {
        return Stream.of(Errno.values()).flatMap(e -> Stream.of(Arguments.of(e, Op.WRITE), Arguments.of(e, Op.FORCE)));
    }

    @ParameterizedTest(name = "{0} at {1}")
    @MethodSource("faultsAtAppendAndSync")
    void aWriteTheDiskRefusesChangesNothingAndTheNextWriteSucceeds(Errno errno, Op op) throws Exception {
        // given an acknowledged pod and a watcher
        PodStore<String, String> store = open();
        store.create(A, "uid-a", "a1", null);
        List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        store.watch(null, store.resourceVersion(), e -> seen.add(e.type() + " " + e.object().spec()));

        // when the disk refuses one write or sync
        disk.fail(op, errno, 1);
        StoreException.Unavailable refused = assertThrows(StoreException.Unavailable.class,
                () -> store.updateSpec(A, null, o -> new PodStore.Change<>("a2", null)));

        // then the error says why, and the change is nowhere: not in memory, not in a list
        assertThat(refused.getMessage()).contains(errno.message).contains("pods.log");
        assertThat(disk.failures(op)).isEqualTo(1);
        assertThat(store.get(A).orElseThrow().spec()).isEqualTo("a1");
        assertThat(store.get(A).orElseThrow().generation()).isEqualTo(1);
        assertThat(store.list(null)).hasSize(1);

        // and the next writes succeed without a restart
        store.create(B, "uid-b", "b1", null);
        StoredObject<String, String> a3 = store.updateSpec(A, null, o -> new PodStore.Change<>("a3", null));
        assertThat(a3.generation()).isEqualTo(2);

        // and a watcher never saw the refused change; a restart finds exactly the acknowledged ones
        await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 2);
        assertThat(seen).containsExactly("ADDED b1", "MODIFIED a3");
        PodStore<String, String> after = reopen();
        assertThat(after.list(null)).extracting(StoredObject::spec).containsExactly("a3", "b1");
        assertThat(after.get(A).orElseThrow().generation()).isEqualTo(2);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Errno.class)
    void whileTheDiskRefusesEveryWriteReadsGoOnAndWritesResumeWhenItHeals(Errno errno) {
        // given two acknowledged pods
        PodStore<String, String> store = open();
        store.create(A, "uid-a", "a1", null);
        store.create(B, "uid-b", "b1", null);

        // when the disk refuses everything that changes a file (a full disk, a dead one, a read-only one)
        for (Op op : Op.values()) {
            disk.failAlways(op, errno);
        }
        for (int i = 0; i < 5; i++) {
            int n = i;
            assertThrows(StoreException.Unavailable.class,
                    () -> store.updateSpec(A, null, o -> new PodStore.Change<>("a-refused-" + n, null)));
            assertThrows(StoreException.Unavailable.class, () -> store.create(C, "uid-c", "c-refused", null));
            assertThrows(StoreException.Unavailable.class, () -> store.delete(B, null));
        }

        // then reads see the acknowledged state only
        assertThat(store.list(null)).extracting(StoredObject::spec).containsExactly("a1", "b1");

        // and once the disk heals the next write succeeds, without a restart
        disk.heal();
        store.updateSpec(A, null, o -> new PodStore.Change<>("a2", null));
        store.create(C, "uid-c", "c1", null);
        assertThat(reopen().list(null)).extracting(StoredObject::spec).containsExactly("a2", "b1", "c1");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Errno.class)
    void aWriteWhoseCutFailsLeavesTheLogRefusingUntilTheNextWriteCutsIt(Errno errno) {
        // given a pod, and a disk that refuses a write halfway and then the truncate that would remove the half record
        PodStore<String, String> store = open();
        store.create(A, "uid-a", "a1", null);
        disk.fail(Op.WRITE, errno, 1).fail(Op.TRUNCATE, errno, 1);
        assertThrows(StoreException.Unavailable.class, () -> store.create(B, "uid-b", "b-refused", null));
        assertThat(store.get(B)).isEmpty();

        // when the next write comes (the disk works again)
        store.create(C, "uid-c", "c1", null);

        // then the half record was cut before it, and a restart finds exactly the acknowledged pods
        assertThat(disk.failures(Op.TRUNCATE)).isEqualTo(1);
        assertThat(reopen().list(null)).extracting(StoredObject::spec).containsExactly("a1", "c1");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Errno.class)
    void aFailedSyncIsNeverAcknowledgedByALaterOneAndEveryWriterBehindItFails(Errno errno) throws Exception {
        // given a pod, and two writers lined up behind one fsync
        PodStore<String, String> store = open();
        store.create(A, "uid-a", "a1", null);
        store.create(C, "uid-c", "c1", null);
        CountDownLatch gate = new CountDownLatch(1);
        disk.holdForces(gate);
        Future<?> first = pool.submit(() -> store.updateSpec(A, null, o -> new PodStore.Change<>("a2", null)));
        await().atMost(Duration.ofSeconds(10)).until(() -> disk.forcesHeld() == 1);
        Future<?> second = pool.submit(() -> store.create(B, "uid-b", "b1", null));
        await().atMost(Duration.ofSeconds(10)).until(() -> store.get(B).isPresent());
        // and a status change on another pod, made meanwhile (its event waits behind the spec changes)
        List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        store.watch(null, store.resourceVersion(), e -> seen.add(e.object().key().name() + " " + e.object().status()));
        store.updateStatus(C, o -> "running");

        // when that fsync fails (and the kernel drops the pages it could not write; the next fsync would succeed)
        disk.fail(Op.FORCE, errno, 1);
        disk.holdForces(null);
        gate.countDown();

        // then both writers are refused: the second is not acknowledged by a later fsync that "succeeds"
        ExecutionException e1 = assertThrows(ExecutionException.class, first::get);
        ExecutionException e2 = assertThrows(ExecutionException.class, second::get);
        assertThat(e1.getCause()).isInstanceOf(StoreException.Unavailable.class);
        assertThat(e2.getCause()).isInstanceOf(StoreException.Unavailable.class);
        assertThat(disk.failures(Op.FORCE)).isEqualTo(1);
        // and both changes are undone in memory; the status change on the other pod stays
        assertThat(store.get(A).orElseThrow().spec()).isEqualTo("a1");
        assertThat(store.get(B)).isEmpty();
        assertThat(store.get(C).orElseThrow().status()).isEqualTo("running");

        // and the store takes writes again; the status event goes out in order, the undone changes never
        store.updateSpec(A, null, o -> new PodStore.Change<>("a3", o.status()));
        await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 2);
        assertThat(seen).containsExactly("c running", "a null");
        PodStore<String, String> after = reopen();
        assertThat(after.list(null)).extracting(StoredObject::spec).containsExactly("a3", "c1");
        assertThat(after.resourceVersion()).isGreaterThan(store.resourceVersion());
    }

    static Stream<Arguments> faultsAtCompaction() {
        return Stream.of(Errno.values()).flatMap(e -> Stream.of(Op.CREATE, Op.WRITE, Op.FORCE, Op.RENAME)
                .map(op -> Arguments.of(e, op)));
    }

    @ParameterizedTest(name = "{0} at {1}")
    @MethodSource("faultsAtCompaction")
    void aCompactionTheDiskRefusesKeepsTheLongLogAndLosesNothing(Errno errno, Op op) throws Exception {
        // given a store that compacts past 4 KiB
        PodStore<String, String> store = PodStore.open(disk, dir, CODEC, CLOCK, 4 << 10);
        store.create(A, "uid-a", "a0", null);
        Path tmp = dir.resolve("pods.log.tmp");

        // when every compaction fails: creating its temp file, writing or syncing it, or renaming it over the log
        disk.failAlwaysOnTempFiles(op, errno);
        for (int i = 1; i <= 60; i++) {
            int n = i;
            store.updateSpec(A, null, o -> new PodStore.Change<>("a" + n + "-" + "x".repeat(200), null));
        }

        // then every write was acknowledged over the long log, and no temp file is left taking space
        assertThat(disk.failures(op)).isPositive();
        assertThat(store.logBytes()).isGreaterThan(8L << 10);
        assertThat(Files.exists(tmp)).isFalse();
        assertThat(reopen().get(A).orElseThrow().spec()).startsWith("a60-");

        // and once the disk heals, the log is compacted again
        disk.heal();
        for (int i = 0; i < 40; i++) {
            store.updateSpec(A, null, o -> new PodStore.Change<>("healed", null));
        }
        assertThat(store.logBytes()).isLessThan(8L << 10);
        assertThat(reopen().get(A).orElseThrow().spec()).isEqualTo("healed");
    }

    @Test
    void aStoreOpensOnAReadOnlyDiskAndServesReads() {
        // given an acknowledged pod, and a log of mostly superseded records (opening it compacts)
        PodStore<String, String> first = open();
        first.create(A, "uid-a", "a0", null);
        for (int i = 1; i <= 30; i++) {
            int n = i;
            first.updateSpec(A, null, o -> new PodStore.Change<>("a" + n, null));
        }
        first.close();

        // when the state directory is read-only at the next start
        disk.readOnly();
        PodStore<String, String> store = open();

        // then the store opens (its compaction failed and is left for later), reads work, writes are refused
        assertThat(disk.failures(Op.CREATE)).isEqualTo(1);
        assertThat(store.get(A).orElseThrow().spec()).isEqualTo("a30");
        assertThrows(StoreException.Unavailable.class, () -> store.create(B, "uid-b", "b1", null));
        disk.heal();
        store.create(B, "uid-b", "b1", null);
        assertThat(reopen().size()).isEqualTo(2);
    }
}
