package dev.resizelet.core.store;

import java.util.zip.CRC32C;

/**
 * Where a durable log ends: the bytes of its records and the CRC32C of its last record ({@link #UNKNOWN_CRC} when a
 * failed write cut the log back to an earlier record). Two marks of one log are equal only if it ended the same way:
 * a run that wrote the log between them (an append, a compaction) leaves another size or another last record.
 */
public record LogMark(long bytes, long lastRecordCrc) {
    /** No record's CRC (those are unsigned 32-bit values): a mark with it equals no mark read at an open. */
    public static final long UNKNOWN_CRC = -1;
    /** A log that holds nothing (one in memory). */
    public static final LogMark EMPTY = new LogMark(0, 0);

    static long crcOf(byte[] payload) {
        CRC32C crc = new CRC32C();
        crc.update(payload);
        return crc.getValue();
    }
}
