package dev.resizelet.core.store;

import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.ResourceRequirements;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads what {@link BinaryOut} wrote, from one record's bytes. Every read checks the bounds: a short or damaged
 * record throws {@link IllegalArgumentException}, which the stores turn into a corrupt-file error naming the file.
 */
final class BinaryIn {
    private final byte[] buf;
    private int pos;

    BinaryIn(byte[] buf, int offset) {
        this.buf = buf;
        this.pos = offset;
    }

    int readByte() {
        need(1);
        return buf[pos++] & 0xff;
    }

    int readInt() {
        need(4);
        int v = ((buf[pos] & 0xff) << 24) | ((buf[pos + 1] & 0xff) << 16) | ((buf[pos + 2] & 0xff) << 8)
                | (buf[pos + 3] & 0xff);
        pos += 4;
        return v;
    }

    long readLong() {
        return ((long) readInt() << 32) | (readInt() & 0xffffffffL);
    }

    String readString() {
        int len = readInt();
        if (len == -1) {
            return null;
        }
        if (len < 0) {
            throw new IllegalArgumentException("negative string length " + len + " at byte " + (pos - 4));
        }
        need(len);
        String s = new String(buf, pos, len, StandardCharsets.UTF_8);
        pos += len;
        return s;
    }

    /** A string that may not be null. */
    String readText() {
        String s = readString();
        if (s == null) {
            throw new IllegalArgumentException("missing string at byte " + (pos - 4));
        }
        return s;
    }

    List<String> readStrings() {
        int n = count();
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(readText());
        }
        return out;
    }

    Map<String, String> readStringMap() {
        int n = count();
        Map<String, String> out = new HashMap<>(n * 2);
        for (int i = 0; i < n; i++) {
            out.put(readText(), readText());
        }
        return out;
    }

    /**
     * Requests and limits. A node's pods share a few shapes, so equal encodings decode to one shared (immutable)
     * instance: a restart of 10,000 pods then parses and sorts each shape once, and the pods hold one copy of it.
     */
    ResourceRequirements readResources() {
        int start = pos;
        skipQuantities();
        skipQuantities();
        Slice key = new Slice(buf, start, pos);
        ResourceRequirements shared = SHARED.get(key);
        if (shared != null) {
            return shared;
        }
        pos = start;
        Map<String, Quantity> requests = readQuantities();
        Map<String, Quantity> limits = readQuantities();
        ResourceRequirements r = requests.isEmpty() && limits.isEmpty() ? ResourceRequirements.NONE
                : new ResourceRequirements(requests, limits);
        if (SHARED.size() < SHARED_MAX) {
            SHARED.putIfAbsent(key.copy(), r);
        }
        return r;
    }

    private void skipQuantities() {
        int n = count();
        for (int i = 0; i < 2 * n; i++) {
            int len = readInt();
            if (len < 0) {
                throw new IllegalArgumentException("negative string length " + len + " at byte " + (pos - 4));
            }
            need(len);
            pos += len;
        }
    }

    private static final int SHARED_MAX = 4096;
    private static final java.util.concurrent.ConcurrentHashMap<Slice, ResourceRequirements> SHARED =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** A range of bytes compared by content (the key of a shared decoded value). */
    private static final class Slice {
        private final byte[] bytes;
        private final int from;
        private final int to;
        private final int hash;

        Slice(byte[] bytes, int from, int to) {
            this.bytes = bytes;
            this.from = from;
            this.to = to;
            int h = 1;
            for (int i = from; i < to; i++) {
                h = 31 * h + bytes[i];
            }
            this.hash = h;
        }

        Slice copy() {
            return new Slice(java.util.Arrays.copyOfRange(bytes, from, to), 0, to - from);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Slice s && hash == s.hash
                    && java.util.Arrays.equals(bytes, from, to, s.bytes, s.from, s.to);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    private Map<String, Quantity> readQuantities() {
        int n = count();
        if (n == 0) {
            return Map.of();
        }
        Map<String, Quantity> out = new HashMap<>(n * 2);
        for (int i = 0; i < n; i++) {
            out.put(readText(), Quantity.parse(readText()));
        }
        return out;
    }

    /** A count of elements, each at least one byte long: a count larger than what is left is damage. */
    int count() {
        int n = readInt();
        if (n < 0 || n > buf.length - pos) {
            throw new IllegalArgumentException("impossible count " + n + " at byte " + (pos - 4));
        }
        return n;
    }

    /** Whether every byte was read (a record with bytes left over is damaged or from a newer writer). */
    boolean atEnd() {
        return pos == buf.length;
    }

    private void need(int n) {
        if (n > buf.length - pos) {
            throw new IllegalArgumentException("record ends at byte " + buf.length + ", " + n + " more bytes needed at "
                    + pos);
        }
    }
}
