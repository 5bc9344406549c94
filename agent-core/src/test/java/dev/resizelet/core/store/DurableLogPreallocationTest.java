package dev.resizelet.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The log's preallocated space: records go into zero-filled space ahead of them, a crash (the file as it is while the
 * log is open) leaves a zero tail that ends the log, a write cut off by a crash is dropped while damage to an
 * acknowledged record still stops the open, and a preallocation the disk refuses only means the file grows as before.
 */
class DurableLogPreallocationTest {
    @TempDir
    Path dir;

    final List<DurableLog> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws IOException {
        for (DurableLog l : open) {
            l.close();
        }
    }

    Path file() {
        return dir.resolve("test.log");
    }

    DurableLog open(LogFiles files, List<byte[]> out) throws IOException {
        DurableLog l = DurableLog.open(files, file(), DurableLog.MAGIC, "pod store", out);
        open.add(l);
        return l;
    }

    static byte[] record(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static List<String> strings(List<byte[]> records) {
        return records.stream().map(r -> new String(r, StandardCharsets.UTF_8)).toList();
    }

    /** What a crash leaves: the file as it is while the log is open (kill -9 keeps the page cache). */
    byte[] crashImage() throws IOException {
        return Files.readAllBytes(file());
    }

    List<String> reopenFrom(byte[] image) throws IOException {
        for (DurableLog l : open) {
            l.close();
        }
        open.clear();
        Files.write(file(), image);
        List<byte[]> out = new ArrayList<>();
        open(LogFiles.DISK, out);
        return strings(out);
    }

    @Test
    void recordsGoIntoZeroFilledSpaceAndACrashImageReopensWithEveryRecord() throws Exception {
        DurableLog log = open(LogFiles.DISK, new ArrayList<>());
        log.sync(log.append(record("first")));
        log.awaitPreallocation();
        long logical = log.size();

        assertThat(log.preallocated()).isEqualTo(DurableLog.PREALLOCATE);
        byte[] image = crashImage();
        assertThat((long) image.length).isEqualTo(logical + DurableLog.PREALLOCATE);
        assertThat(Arrays.copyOfRange(image, (int) logical, image.length)).containsOnly((byte) 0);

        log.sync(log.append(record("second")));
        assertThat(crashImage()).as("the second record changed no file size").hasSameSizeAs(image);
        assertThat(reopenFrom(crashImage())).containsExactly("first", "second");
        assertThat(Files.size(file())).as("the open cut the zeros; the next append preallocates again")
                .isEqualTo(logical + 8 + "second".length());
    }

    @Test
    void closeCutsThePreallocatedZeros() throws Exception {
        DurableLog log = open(LogFiles.DISK, new ArrayList<>());
        log.sync(log.append(record("only")));
        log.awaitPreallocation();
        long logical = log.size();

        log.close();

        assertThat(Files.size(file())).isEqualTo(logical);
    }

    @Test
    void aWriteCutOffAtASectorByACrashIsDroppedAndTheLogTakesAppendsAgain() throws Exception {
        DurableLog log = open(LogFiles.DISK, new ArrayList<>());
        log.sync(log.append(record("acknowledged")));
        log.awaitPreallocation();
        long start = log.size();
        log.append(record("x".repeat(3000)));   // never synced: crosses several sectors
        byte[] full = crashImage();
        long end = log.size();

        for (long s = (start + 511) / 512 * 512; s < end; s += 512) {
            byte[] image = full.clone();
            Arrays.fill(image, (int) s, (int) end, (byte) 0);   // the sectors from s on never reached the disk

            assertThat(reopenFrom(image)).as("cut at %d", s).containsExactly("acknowledged");
            DurableLog again = open.get(0);
            again.sync(again.append(record("after")));
            assertThat(reopenFrom(crashImage())).as("cut at %d", s).containsExactly("acknowledged", "after");
        }
    }

    @Test
    void aFlippedByteInTheLastRecordBeforeTheZerosIsCorruption() throws Exception {
        DurableLog log = open(LogFiles.DISK, new ArrayList<>());
        log.sync(log.append(record("first")));
        log.sync(log.append(record("last-acknowledged")));
        log.awaitPreallocation();
        byte[] image = crashImage();
        image[(int) log.size() - 3] ^= 0x20;

        StoreException.Corrupt e = assertThrows(StoreException.Corrupt.class, () -> reopenFrom(image));

        assertThat(e.getMessage()).contains(file().toString()).contains("checksum mismatch");
    }

    @Test
    void aZeroedHeaderBeforeARecordIsCorruption() throws Exception {
        DurableLog log = open(LogFiles.DISK, new ArrayList<>());
        log.sync(log.append(record("first")));
        log.sync(log.append(record("second")));
        log.awaitPreallocation();
        byte[] image = crashImage();
        int firstHeader = DurableLog.MAGIC.length;
        Arrays.fill(image, firstHeader, firstHeader + 8, (byte) 0);

        StoreException.Corrupt e = assertThrows(StoreException.Corrupt.class, () -> reopenFrom(image));

        assertThat(e.getMessage()).contains("corrupt at byte " + firstHeader).contains("zeroed record header");
    }

    @Test
    void anEmptyRecordIsRefusedAndNothingIsWritten() throws Exception {
        DurableLog log = open(LogFiles.DISK, new ArrayList<>());
        long before = log.size();

        assertThrows(IllegalArgumentException.class, () -> log.append(new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> log.appendAllAndSync(List.of(record("a"), new byte[0])));

        assertThat(log.size()).isEqualTo(before);
        assertThat(log.lastSeq()).isZero();
    }

    @Test
    void aDiskThatRefusesPreallocationGetsTheSpaceBackAndTheFileGrowsWithItsAppends() throws Exception {
        // a disk that fills up during each preallocation: half its zeros land, then ENOSPC
        DurableLog log = open(new FaultyLogFiles().refusePreallocation(), new ArrayList<>());
        for (int i = 0; i < 20; i++) {
            log.sync(log.append(record("r" + i)));
            log.awaitPreallocation();
        }

        assertThat(log.preallocated()).isZero();
        assertThat((long) crashImage().length).as("the zeros a refused extension wrote were given back")
                .isEqualTo(log.size());
        assertThat(reopenFrom(crashImage())).hasSize(20).startsWith("r0").endsWith("r19");
    }

    @Test
    void manyWritersAcrossManyExtensionsLoseNoSyncedRecord() throws Exception {
        DurableLog log = open(LogFiles.DISK, new ArrayList<>());
        log.preallocate(4096);   // an extension every few records
        int threads = 6;
        int each = 300;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        log.sync(log.append(record("t" + thread + "-" + i + "-" + "p".repeat(i % 97))));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        log.awaitPreallocation();

        List<String> reopened = reopenFrom(crashImage());

        assertThat(reopened).hasSize(threads * each).doesNotHaveDuplicates();
        for (int t = 0; t < threads; t++) {
            String prefix = "t" + t + "-";
            List<Integer> order = reopened.stream().filter(r -> r.startsWith(prefix))
                    .map(r -> Integer.parseInt(r.split("-")[1])).toList();
            assertThat(order).as("thread %d's records, in its order", t).isSorted().hasSize(each);
        }
    }
}
