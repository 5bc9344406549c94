package dev.resizelet.core.checkpoint;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * The framing of every checkpoint file: one ASCII header line
 * {@code resizelet-checkpoint v1 crc32c=<8 lowercase hex> length=<bytes>} then the payload. The
 * length catches a torn (truncated) write at any offset, the CRC32C any flipped byte of the payload,
 * and the strict header syntax any flipped byte of the header.
 */
final class CheckpointCodec {

    static final int VERSION = 1;
    private static final Pattern HEADER = Pattern.compile(
            "resizelet-checkpoint v([0-9]+) crc32c=([0-9a-f]{8}) length=(0|[1-9][0-9]{0,9})");

    private CheckpointCodec() {
    }

    static byte[] encode(byte[] payload) {
        String header = String.format("resizelet-checkpoint v%d crc32c=%08x length=%d\n", VERSION, crc(payload),
                payload.length);
        byte[] h = header.getBytes(StandardCharsets.US_ASCII);
        byte[] out = Arrays.copyOf(h, h.length + payload.length);
        System.arraycopy(payload, 0, out, h.length, payload.length);
        return out;
    }

    /** The payload of a checkpoint file, or {@link CheckpointCorruptException} naming the file. */
    static byte[] decode(Path file, byte[] data) {
        int nl = -1;
        for (int i = 0; i < Math.min(data.length, 128); i++) {
            if (data[i] == '\n') {
                nl = i;
                break;
            }
        }
        if (nl < 0) {
            throw new CheckpointCorruptException(file, data.length == 0 ? "empty file" : "no header line");
        }
        Matcher m = HEADER.matcher(new String(data, 0, nl, StandardCharsets.ISO_8859_1));
        if (!m.matches()) {
            throw new CheckpointCorruptException(file, "malformed header");
        }
        if (Integer.parseInt(m.group(1)) != VERSION) {
            throw new CheckpointCorruptException(file, "unsupported version " + m.group(1) + ", expected "
                    + VERSION);
        }
        long length = Long.parseLong(m.group(3));
        int have = data.length - nl - 1;
        if (have != length) {
            throw new CheckpointCorruptException(file, "payload is " + have + " bytes, header says " + length);
        }
        byte[] payload = Arrays.copyOfRange(data, nl + 1, data.length);
        long expected = Long.parseLong(m.group(2), 16);
        if (crc(payload) != expected) {
            throw new CheckpointCorruptException(file, "checksum mismatch");
        }
        return payload;
    }

    private static long crc(byte[] payload) {
        CRC32C c = new CRC32C();
        c.update(payload);
        return c.getValue();
    }
}
