package dev.resizelet.core.admission;

import static dev.resizelet.core.testing.Pods.burstable;
import static dev.resizelet.core.testing.Pods.resized;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.resizelet.core.store.ResizeJournal;
import dev.resizelet.core.model.Pod;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ReconcileLoopTest {

    @Test
    void mutationsRunOnTheOwnerThreadAndTheTimerRetriesDeferredResizes() throws Exception {
        NodeConfig config = new NodeConfig(new NodeAllocatable(2000, 1L << 30, 10), NodeConfig.CpuManagerPolicy.NONE,
                NodeConfig.MemoryManagerPolicy.NONE, Duration.ofMillis(50));
        AllocationManager manager = new AllocationManager(config, Clock.systemUTC(), ResizeJournal.inMemory());
        List<String> threads = new CopyOnWriteArrayList<>();
        List<AdmissionDecision> heard = new CopyOnWriteArrayList<>();
        try (ReconcileLoop loop = new ReconcileLoop(manager)) {
            loop.addListener((d, s) -> {
                threads.add(Thread.currentThread().getName());
                heard.add(d);
            });
            Pod a = burstable("a", 1000, 1);
            Pod b = burstable("b", 1000, 1);
            loop.admitNewPod(a).get(5, TimeUnit.SECONDS);
            loop.admitNewPod(b).get(5, TimeUnit.SECONDS);
            Pod grown = resized(a, "cpu=1500m,memory=1", "");

            assertThat(loop.requestResize(grown).get(5, TimeUnit.SECONDS)).isInstanceOf(Deferred.class);
            // shrinking b frees room, but nobody calls resizeFinished: only the retry timer can admit a's resize
            loop.requestResize(resized(b, "cpu=500m,memory=1", "")).get(5, TimeUnit.SECONDS);

            await().atMost(Duration.ofSeconds(10)).until(() -> loop.state(a.uid()).orElseThrow().lastDecision()
                    instanceof Admitted);
            assertThat(loop.allocated(a.uid()).orElseThrow().sameResources(grown.resources())).isTrue();
            assertThat(loop.snapshot().used().cpuMillis()).isEqualTo(2000);
            assertThat(heard).contains(new Admitted(a.uid(), grown.generation()));
            assertThat(threads).containsOnly("resizelet-allocation");
        }
    }

    @Test
    void concurrentRequestsShareOneDurableWritePerBatchAndAreAnsweredOnlyAfterIt() throws Exception {
        NodeConfig config = NodeConfig.of(new NodeAllocatable(1_000_000, 1L << 40, 1000));
        CountingJournal journal = new CountingJournal();
        AllocationManager manager = new AllocationManager(config, Clock.systemUTC(), journal);
        int threads = 8;
        int perThread = 50;
        try (ReconcileLoop loop = new ReconcileLoop(manager)) {
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
            List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        Pod p = burstable("p" + thread + "-" + i, 10, 1);
                        AdmissionDecision d = loop.admitNewPod(p).get(10, TimeUnit.SECONDS);
                        // answered after the sync that holds it: the journal has the allocation, the state shows it
                        assertThat(d).isInstanceOf(Admitted.class);
                        assertThat(journal.durableUids).contains(p.uid());
                        assertThat(loop.allocated(p.uid())).isPresent();
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertThat(loop.commands()).isEqualTo(threads * perThread);
            assertThat(loop.snapshot().pods()).isEqualTo(threads * perThread);
            // group commit: with eight writers waiting on a slow sync, batches carry several decisions each
            assertThat(journal.commits.get()).isLessThan(threads * perThread);
        }
    }

    @Test
    void aBatchThatCannotBeWrittenIsRetriedUntilTheDiskTakesIt() throws Exception {
        NodeConfig config = NodeConfig.of(new NodeAllocatable(4000, 1L << 30, 10));
        CountingJournal journal = new CountingJournal();
        journal.failures.set(3);
        AllocationManager manager = new AllocationManager(config, Clock.systemUTC(), journal);
        try (ReconcileLoop loop = new ReconcileLoop(manager)) {
            Pod a = burstable("a", 1000, 1);
            java.util.concurrent.CompletableFuture<AdmissionDecision> admitted = loop.admitNewPod(a);

            assertThat(admitted.get(30, TimeUnit.SECONDS)).isInstanceOf(Admitted.class);
            assertThat(journal.failures.get()).isZero();
            assertThat(journal.durableUids).containsExactly(a.uid());
            assertThat(loop.snapshot().used().cpuMillis()).isEqualTo(1000);
        }
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.EnumSource(dev.resizelet.core.store.FaultyLogFiles.Errno.class)
    void onARealJournalWhoseDiskFailsTheDecisionWaitsUnacknowledgedAndIsCommittedOnceTheDiskHeals(
            dev.resizelet.core.store.FaultyLogFiles.Errno errno, @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        // given the real journal on a disk whose every write, sync and truncate fails
        dev.resizelet.core.store.FaultyLogFiles disk = new dev.resizelet.core.store.FaultyLogFiles();
        NodeConfig config = NodeConfig.of(new NodeAllocatable(4000, 1L << 30, 10));
        AllocationManager manager = new AllocationManager(config, Clock.systemUTC(), ResizeJournal.open(disk, dir));
        try (ReconcileLoop loop = new ReconcileLoop(manager)) {
            loop.admitNewPod(burstable("a", 1000, 1)).get(10, TimeUnit.SECONDS);
            disk.failAlways(dev.resizelet.core.store.FaultyLogFiles.Op.WRITE, errno)
                    .failAlways(dev.resizelet.core.store.FaultyLogFiles.Op.FORCE, errno)
                    .failAlways(dev.resizelet.core.store.FaultyLogFiles.Op.TRUNCATE, errno);

            // when a pod is admitted meanwhile
            Pod b = burstable("b", 1000, 1);
            java.util.concurrent.CompletableFuture<AdmissionDecision> admitted = loop.admitNewPod(b);

            // then it is not answered, nor counted, while the disk refuses (the loop retries with backoff)
            // (the first attempt's write fails and so does its cut; each retry tries the cut again first)
            await().atMost(Duration.ofSeconds(10)).until(() -> disk.failures(
                    dev.resizelet.core.store.FaultyLogFiles.Op.TRUNCATE) >= 3);
            assertThat(admitted).isNotDone();
            assertThat(loop.snapshot().used().cpuMillis()).isEqualTo(1000);

            // and once the disk heals it is committed, without a restart
            disk.heal();
            assertThat(admitted.get(30, TimeUnit.SECONDS)).isInstanceOf(Admitted.class);
            assertThat(loop.snapshot().used().cpuMillis()).isEqualTo(2000);
        }
        try (ResizeJournal reopened = ResizeJournal.open(dir)) {
            assertThat(reopened.opened().allocated()).hasSize(2);
        }
    }

    /**
     * A pass that only recorded new values the runtime accepted changes nothing its status shows (the status composed
     * the runtime's view of them when the pass ended): listeners are not told; the first values, a pass that fails,
     * or recovers, are.
     */
    @Test
    void aPassThatOnlyRecordsActuatedValuesIsNotAStatusChange() throws Exception {
        AllocationManager manager = new AllocationManager(NodeConfig.of(new NodeAllocatable(4000, 1L << 30, 10)),
                Clock.systemUTC(), ResizeJournal.inMemory());
        List<String> committed = new CopyOnWriteArrayList<>();
        try (ReconcileLoop loop = new ReconcileLoop(manager)) {
            loop.addListener(new AllocationListener() {
                @Override
                public void onDecision(AdmissionDecision decision, PodState state) {
                }

                @Override
                public void onCommitted(dev.resizelet.core.model.PodUid uid, PodState state) {
                    committed.add(uid.value() + (state == null ? " gone" : " error=" + state.enactError()));
                }
            });
            Pod a = burstable("a", 1000, 1);
            loop.admitNewPod(a).get(10, TimeUnit.SECONDS);
            dev.resizelet.core.model.PodResources started = a.resources();
            dev.resizelet.core.model.PodResources resized = resized(a, "cpu=1500m,memory=1", "").resources();

            loop.recordPass(a.uid(), started, null).get(10, TimeUnit.SECONDS);
            loop.recordPass(a.uid(), resized, null).get(10, TimeUnit.SECONDS);
            assertThat(loop.state(a.uid()).orElseThrow().actuated()).isEqualTo(resized);
            loop.recordPass(a.uid(), resized, "runtime unavailable").get(10, TimeUnit.SECONDS);
            loop.recordPass(a.uid(), resized, null).get(10, TimeUnit.SECONDS);
            loop.removePod(a.uid()).get(10, TimeUnit.SECONDS);

            // the admission, the first values (a pod just started), the failed pass, the recovered pass, the removal;
            // not the pass that only changed the values (listeners hear a batch after its futures completed)
            await().atMost(Duration.ofSeconds(10)).until(() -> committed.contains("a gone"));
            assertThat(committed).containsExactly("a error=null", "a error=null", "a error=runtime unavailable",
                    "a error=null", "a gone");
        }
    }

    /** A journal whose sync takes a millisecond (a disk), and that can refuse the next few batches (a full disk). */
    static final class CountingJournal extends ResizeJournal {
        final java.util.concurrent.atomic.AtomicInteger commits = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.Set<dev.resizelet.core.model.PodUid> durableUids =
                java.util.concurrent.ConcurrentHashMap.newKeySet();

        @Override
        public void commit(List<? extends ResizeJournal.Entry> entries) {
            if (failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new dev.resizelet.core.store.StoreException.Unavailable("No space left on device", null);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            commits.incrementAndGet();
            entries.forEach(e -> durableUids.add(e.uid()));
        }
    }
}
