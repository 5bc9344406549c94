package dev.resizelet.core.store;

import static dev.resizelet.core.testing.Pods.burstable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.resizelet.core.model.PodResources;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.store.FaultyLogFiles.Errno;
import dev.resizelet.core.store.FaultyLogFiles.Op;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The resize journal on a disk that fails (ENOSPC, EIO, EROFS) at append, fsync, the cut of a failed batch, and the
 * temp file and rename of a compaction: a batch that cannot be made durable is refused whole and never replayed; the
 * journal takes batches again once the disk does; nothing committed before is lost.
 */
class ResizeJournalDiskFaultTest {
    @TempDir
    Path dir;

    final FaultyLogFiles disk = new FaultyLogFiles();

    static PodResources cpu(String uid, long millis) {
        return burstable(uid, millis, 1 << 20).resources();
    }

    Map<PodUid, PodResources> reopenedAllocations() {
        try (ResizeJournal j = ResizeJournal.open(dir)) {
            return j.opened().allocated();
        }
    }

    static Stream<Arguments> faultsAtAppendAndSync() {
        return Stream.of(Errno.values()).flatMap(e -> Stream.of(Arguments.of(e, Op.WRITE), Arguments.of(e, Op.FORCE)));
    }

    @ParameterizedTest(name = "{0} at {1}")
    @MethodSource("faultsAtAppendAndSync")
    void aBatchTheDiskRefusesIsNeverReplayedAndTheNextBatchSucceeds(Errno errno, Op op) {
        // given a committed batch
        ResizeJournal journal = ResizeJournal.open(disk, dir);
        journal.commit(List.of(new ResizeJournal.Allocated(cpu("a", 100)), new ResizeJournal.Allocated(cpu("b", 100))));

        // when the disk refuses the next batch's write or sync once
        disk.fail(op, errno, 1);
        StoreException.Unavailable refused = assertThrows(StoreException.Unavailable.class, () -> journal.commit(
                List.of(new ResizeJournal.Allocated(cpu("a", 900)), new ResizeJournal.Removed(PodUid.of("b")))));

        // then it says why; the batch after it is committed without a restart; a restart replays exactly those two
        assertThat(refused.getMessage()).contains(errno.message).contains("resize.log");
        journal.commit(List.of(new ResizeJournal.Allocated(cpu("c", 300))));
        assertThat(reopenedAllocations()).containsOnlyKeys(PodUid.of("a"), PodUid.of("b"), PodUid.of("c"));
        assertThat(reopenedAllocations().get(PodUid.of("a"))).isEqualTo(cpu("a", 100));
    }

    @ParameterizedTest(name = "{0} at {1}, then at the cut")
    @MethodSource("faultsAtAppendAndSync")
    void aBatchWhoseCutFailsIsCutByTheNextCommit(Errno errno, Op op) {
        // given a committed batch, then one refused whose cut (truncate) is refused too
        ResizeJournal journal = ResizeJournal.open(disk, dir);
        journal.commit(List.of(new ResizeJournal.Allocated(cpu("a", 100))));
        disk.fail(op, errno, 1).fail(Op.TRUNCATE, errno, 1);
        assertThrows(StoreException.Unavailable.class,
                () -> journal.commit(List.of(new ResizeJournal.Allocated(cpu("a", 900)))));

        // when the next batch comes
        journal.commit(List.of(new ResizeJournal.Allocated(cpu("b", 200))));

        // then the refused batch was cut first: a restart never sees it
        assertThat(disk.failures(Op.TRUNCATE)).isEqualTo(1);
        assertThat(reopenedAllocations()).isEqualTo(Map.of(PodUid.of("a"), cpu("a", 100), PodUid.of("b"), cpu("b", 200)));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Errno.class)
    void whileTheDiskRefusesEverythingEveryBatchIsRefusedAndCommitsResumeWhenItHeals(Errno errno) {
        ResizeJournal journal = ResizeJournal.open(disk, dir);
        journal.commit(List.of(new ResizeJournal.Allocated(cpu("a", 100))));
        for (Op op : Op.values()) {
            disk.failAlways(op, errno);
        }
        for (int i = 0; i < 5; i++) {
            long m = 200 + i;
            assertThrows(StoreException.Unavailable.class,
                    () -> journal.commit(List.of(new ResizeJournal.Allocated(cpu("a", m)))));
        }
        disk.heal();
        journal.commit(List.of(new ResizeJournal.Actuated(cpu("a", 100)), new ResizeJournal.Allocated(cpu("b", 1))));
        assertThat(reopenedAllocations()).isEqualTo(Map.of(PodUid.of("a"), cpu("a", 100), PodUid.of("b"), cpu("b", 1)));
    }

    static Stream<Arguments> faultsAtCompaction() {
        return Stream.of(Errno.values()).flatMap(e -> Stream.of(Op.CREATE, Op.WRITE, Op.FORCE, Op.RENAME)
                .map(op -> Arguments.of(e, op)));
    }

    @ParameterizedTest(name = "{0} at {1}")
    @MethodSource("faultsAtCompaction")
    void aCompactionTheDiskRefusesKeepsTheLongLog(Errno errno, Op op) throws Exception {
        // given a journal that compacts past 2 KiB, grown past it
        ResizeJournal journal = ResizeJournal.open(disk, dir, 2 << 10);
        Map<PodUid, PodResources> live = Map.of(PodUid.of("a"), cpu("a", 999));
        for (int i = 0; i < 40; i++) {
            journal.commit(List.of(new ResizeJournal.Allocated(cpu("a", 100 + i))));
        }
        journal.commit(List.of(new ResizeJournal.Allocated(cpu("a", 999))));
        assertThat(journal.needsCompaction()).isTrue();

        // when its compaction fails
        disk.failAlwaysOnTempFiles(op, errno);
        journal.compactIfLarge(live, Map.of());

        // then the long log stays, whole, with no temp file left; commits go on
        assertThat(disk.failures(op)).isPositive();
        assertThat(journal.needsCompaction()).isTrue();
        assertThat(Files.exists(dir.resolve("resize.log.tmp"))).isFalse();
        journal.commit(List.of(new ResizeJournal.Allocated(cpu("b", 1))));
        assertThat(reopenedAllocations()).isEqualTo(Map.of(PodUid.of("a"), cpu("a", 999), PodUid.of("b"), cpu("b", 1)));

        // and once the disk heals it compacts
        disk.heal();
        journal.compactIfLarge(Map.of(PodUid.of("a"), cpu("a", 999), PodUid.of("b"), cpu("b", 1)), Map.of());
        assertThat(journal.needsCompaction()).isFalse();
        assertThat(reopenedAllocations()).isEqualTo(Map.of(PodUid.of("a"), cpu("a", 999), PodUid.of("b"), cpu("b", 1)));
    }
}
