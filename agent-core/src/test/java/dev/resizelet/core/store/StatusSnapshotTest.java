package dev.resizelet.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.resizelet.core.api.PodStatus;
import dev.resizelet.core.api.PodStatus.ContainerStatus;
import dev.resizelet.core.api.PodStatus.Terminated;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.model.QosClass;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.ResourceRequirements;
import dev.resizelet.core.status.PodCondition;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatusSnapshotTest {
    private static final Instant T = Instant.parse("2026-11-29T03:00:00.123456789Z");

    @TempDir
    Path dir;

    /** Every field of a status set (and the optional ones of another left out). */
    static PodStatus full() {
        ResourceRequirements r = new ResourceRequirements(Map.of("cpu", Quantity.parse("500m")),
                Map.of("memory", Quantity.parse("1.5Gi")));
        ResourceRequirements requests = new ResourceRequirements(Map.of("cpu", Quantity.parse("500m")), Map.of());
        ContainerStatus running = new ContainerStatus("app", "containerd://abc", "busybox", true, 2, "running", null,
                T, requests, r, true, null, new Terminated(137, "Error", T.minusSeconds(60), T.minusSeconds(1),
                        "containerd://old"), null);
        ContainerStatus waiting = new ContainerStatus("side", null, "busybox:1.36", false, 5, "waiting",
                "CrashLoopBackOff", null, null, null, false, null, null, "back-off 40s restarting failed é");
        ContainerStatus done = new ContainerStatus("init", "containerd://i", "busybox", true, 0, "terminated",
                "Completed", null, null, null, false, new Terminated(0, "Completed", T, T.plusSeconds(2), null), null,
                null);
        return new PodStatus("Running", null, "a message", QosClass.BURSTABLE, "InProgress",
                List.of(new PodCondition(PodCondition.RESIZE_IN_PROGRESS, "True", "", "", 3, T)), 3,
                List.of(running, waiting), List.of(done), Map.of("cpu", Quantity.parse("2")), r);
    }

    static PodStatus bare() {
        return new PodStatus("Pending", "OutOfcpu", null, null, null, List.of(), 0, List.of());
    }

    @Test
    void aSnapshotGivesBackEveryStatusAndIsGoneOnceTaken() {
        Map<PodUid, PodStatus> statuses = new LinkedHashMap<>();
        statuses.put(PodUid.of("uid-1"), full());
        statuses.put(PodUid.of("uid-2"), bare());
        Path file = dir.resolve(StatusSnapshot.FILE);

        StatusSnapshot.write(file, MARKS, statuses);
        StatusSnapshot.Taken back = StatusSnapshot.take(file);

        assertThat(back.statuses()).isEqualTo(statuses);
        assertThat(back.marks()).isEqualTo(MARKS);
        assertThat(back.servedWith(MARKS)).isEqualTo(statuses);
        assertThat(file).doesNotExist();
        assertThat(file.resolveSibling(StatusSnapshot.FILE + ".tmp")).doesNotExist();
        assertThat(statuses(StatusSnapshot.take(file))).as("taken once: a later start never reads it again").isEmpty();
    }

    @Test
    void aSnapshotIsServedOnlyWithTheLogsItWasLeftWith() {
        Path file = dir.resolve(StatusSnapshot.FILE);
        StatusSnapshot.write(file, MARKS, Map.of(PodUid.of("uid-1"), full()));
        StatusSnapshot.Taken taken = StatusSnapshot.take(file);

        // another run appended to either log since (a downgrade that ignored the snapshot, then an upgrade)
        assertThat(taken.servedWith(marks(4096, 7, 1024, 9))).isEmpty();
        assertThat(taken.servedWith(marks(4000, 7, 1200, 9))).isEmpty();
        // the same sizes, another last record: a compaction and appends that ended at the same byte
        assertThat(taken.servedWith(marks(4000, 8, 1024, 9))).isEmpty();
        assertThat(taken.servedWith(marks(4000, 7, 1024, 10))).isEmpty();
        assertThat(taken.servedWith(marks(4000, 7, 1024, 9))).containsOnlyKeys(PodUid.of("uid-1"));
    }

    private static StatusSnapshot.LogMarks marks(long podStoreBytes, long podStoreCrc, long journalBytes,
            long journalCrc) {
        return new StatusSnapshot.LogMarks(new LogMark(podStoreBytes, podStoreCrc),
                new LogMark(journalBytes, journalCrc));
    }

    private static final StatusSnapshot.LogMarks MARKS = marks(4000, 7, 1024, 9);

    private static Map<PodUid, PodStatus> statuses(StatusSnapshot.Taken taken) {
        assertThat(taken.statuses().isEmpty()).isEqualTo(taken.marks() == null);
        return taken.statuses();
    }

    @Test
    void aDamagedSnapshotIsIgnoredAndRemovedNotMisread() throws Exception {
        Path file = dir.resolve(StatusSnapshot.FILE);
        StatusSnapshot.write(file, MARKS, Map.of(PodUid.of("uid-1"), full()));
        byte[] good = Files.readAllBytes(file);
        for (int at : new int[] {0, 9, good.length / 2, good.length - 5, good.length - 1}) {
            byte[] bad = good.clone();
            bad[at] ^= 0x10;
            Files.write(file, bad);

            assertThat(statuses(StatusSnapshot.take(file))).as("flipped byte at %d", at).isEmpty();
            assertThat(file).doesNotExist();
        }
        for (int length : new int[] {0, 3, 15, good.length - 1}) {
            Files.write(file, java.util.Arrays.copyOf(good, length));

            assertThat(statuses(StatusSnapshot.take(file))).as("cut to %d bytes", length).isEmpty();
            assertThat(file).doesNotExist();
        }
    }

    @Test
    void decodeNamesWhatIsWrong() {
        assertThatThrownBy(() -> StatusSnapshot.decode(new byte[3])).hasMessageContaining("too short");
        assertThatThrownBy(() -> StatusSnapshot.decode(new byte[40])).hasMessageContaining("checksum");
    }

    /** A well-framed snapshot of {@code version} holding no status (a count of 0, no marks). */
    private Path emptySnapshotOfVersion(int version) throws java.io.IOException {
        Path file = dir.resolve(StatusSnapshot.FILE);
        byte[] body = new BinaryOut(64).writeInt(StatusSnapshot.MAGIC).writeInt(version).writeInt(0).toByteArray();
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(body);
        Files.write(file, java.nio.ByteBuffer.allocate(body.length + 4).put(body).putInt((int) crc.getValue())
                .array());
        return file;
    }

    @Test
    void aSnapshotOfANewerVersionIsNotRead() throws Exception {
        Path file = emptySnapshotOfVersion(StatusSnapshot.VERSION + 1);

        assertThatThrownBy(() -> StatusSnapshot.decode(Files.readAllBytes(file))).hasMessageContaining("version 3");
        assertThat(statuses(StatusSnapshot.take(file))).isEmpty();
    }

    @Test
    void aVersion1SnapshotWithoutTheLogsMarksIsNotServed() throws Exception {
        Path file = emptySnapshotOfVersion(1);

        assertThatThrownBy(() -> StatusSnapshot.decode(Files.readAllBytes(file))).hasMessageContaining("version 1");
        assertThat(statuses(StatusSnapshot.take(file))).isEmpty();
        assertThat(file).doesNotExist();
    }

    @Test
    void aSnapshotLargerThanAnyNodesStatusesIsNotReadIntoTheHeap() throws Exception {
        Path file = dir.resolve(StatusSnapshot.FILE);
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(StatusSnapshot.MAX_BYTES + 1); // sparse: no disk space taken
        }

        assertThat(statuses(StatusSnapshot.take(file))).isEmpty();
        assertThat(file).doesNotExist();
    }

    @Test
    void aSnapshotThatCannotBeWrittenSaysSoAndLeavesNothingBehind() throws Exception {
        Path notADir = dir.resolve("file");
        Files.writeString(notADir, "x"); // its "children" cannot be created
        Path file = notADir.resolve(StatusSnapshot.FILE);

        assertThatThrownBy(() -> StatusSnapshot.write(file, MARKS, Map.of(PodUid.of("uid-1"), full())))
                .isInstanceOf(java.io.UncheckedIOException.class).hasMessageContaining("not written");
        try (var left = Files.list(dir)) {
            assertThat(left).containsExactly(notADir);
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(FaultyLogFiles.Errno.class)
    void aSnapshotWhoseWriteFailsOnAFullOrFailingDiskLeavesNoTempFileAndNoSnapshot(FaultyLogFiles.Errno errno)
            throws Exception {
        Path file = dir.resolve(StatusSnapshot.FILE);
        FaultyLogFiles disk = new FaultyLogFiles().failAlways(FaultyLogFiles.Op.FORCE, errno);

        assertThatThrownBy(() -> StatusSnapshot.write(disk, file, MARKS, Map.of(PodUid.of("uid-1"), full())))
                .isInstanceOf(java.io.UncheckedIOException.class).hasMessageContaining("not written")
                .hasRootCauseMessage(errno.message);
        try (var left = Files.list(dir)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void aSnapshotThatCannotBeRemovedAfterReadingItStaysAndSaysSo() throws Exception {
        Path file = dir.resolve(StatusSnapshot.FILE);
        StatusSnapshot.write(file, MARKS, Map.of(PodUid.of("uid-1"), full()));
        FaultyLogFiles disk = new FaultyLogFiles().failAlways(FaultyLogFiles.Op.DELETE,
                FaultyLogFiles.Errno.EROFS);

        // not served: a later start would read it again (the start stops on this, NodeAgent)
        assertThatThrownBy(() -> StatusSnapshot.take(disk, file)).isInstanceOf(java.io.UncheckedIOException.class)
                .hasMessageContaining("not removed after reading it").hasMessageContaining(file.toString());
        assertThat(file).exists();

        disk.heal();
        assertThat(StatusSnapshot.take(disk, file).statuses()).containsOnlyKeys(PodUid.of("uid-1"));
        assertThat(file).doesNotExist();
    }
}
