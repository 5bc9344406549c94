package dev.resizelet.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where a log ends ({@link LogMark}): the mark a log keeps while it is written equals the mark of the same file
 * opened again, after appends, batches and a compaction; an append or a compaction in between moves it, and a cut
 * back after a failed sync leaves it unknown (never equal to a mark read at an open).
 */
class LogMarkTest {
    @TempDir
    Path dir;

    private DurableLog open(LogFiles files) throws IOException {
        return DurableLog.open(files, dir.resolve("test.log"), DurableLog.MAGIC, "pod store", new ArrayList<>());
    }

    private static byte[] r(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The mark of the log as the next start reads it. */
    private LogMark reopened() throws IOException {
        DurableLog again = open(LogFiles.DISK);
        try {
            return again.mark();
        } finally {
            again.close();
        }
    }

    @Test
    void theMarkKeptWhileWritingIsTheMarkReadAtTheNextOpen() throws IOException {
        DurableLog log = open(LogFiles.DISK);
        LogMark empty = log.mark();
        log.append(r("a"));
        log.appendAllAndSync(List.of(r("b"), r("c")));
        LogMark written = log.mark();
        log.close();

        assertThat(written).isNotEqualTo(empty);
        assertThat(reopened()).isEqualTo(written);

        // a compaction to other records: another end, read the same after it
        log = open(LogFiles.DISK);
        log.rewrite(List.of(r("x"), r("yy")));
        LogMark compacted = log.mark();
        log.close();
        assertThat(compacted).isNotEqualTo(written);
        assertThat(reopened()).isEqualTo(compacted);
    }

    @Test
    void theSameSizeWithAnotherLastRecordIsAnotherEnd() throws IOException {
        DurableLog log = open(LogFiles.DISK);
        log.appendAllAndSync(List.of(r("aa"), r("bb")));
        LogMark first = log.mark();
        log.rewrite(List.of(r("aa"), r("cc")));
        LogMark second = log.mark();
        log.close();

        assertThat(second.bytes()).isEqualTo(first.bytes());
        assertThat(second).isNotEqualTo(first);
        assertThat(reopened()).isEqualTo(second);
    }

    @Test
    void aCutBackAfterAFailedSyncLeavesTheMarkUnknownUntilTheNextRecord() throws IOException {
        FaultyLogFiles disk = new FaultyLogFiles();
        DurableLog log = open(disk);
        log.sync(log.append(r("a")));
        long b = log.append(r("b"));
        disk.fail(FaultyLogFiles.Op.FORCE, FaultyLogFiles.Errno.EIO, 1);
        assertThrows(IOException.class, () -> log.sync(b));

        assertThat(log.recover(seq -> { })).as("\"b\" cut off").isTrue();
        assertThat(log.mark().lastRecordCrc()).as("the log ends at \"a\" now, whose CRC it did not keep")
                .isEqualTo(LogMark.UNKNOWN_CRC);
        log.sync(log.append(r("d")));
        LogMark afterRecovery = log.mark();
        log.close();

        assertThat(afterRecovery.lastRecordCrc()).isEqualTo(LogMark.crcOf(r("d")));
        assertThat(reopened()).isEqualTo(afterRecovery);
    }
}
