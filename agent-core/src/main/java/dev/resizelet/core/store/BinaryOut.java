package dev.resizelet.core.store;

import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.ResourceRequirements;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A growable byte array with the few primitives the binary record formats need (see {@link BinaryIn}): big-endian
 * ints and longs, strings as a length (−1 for null) and UTF-8 bytes, string maps and lists as a count and their
 * elements, quantities in their canonical Kubernetes text.
 */
final class BinaryOut {
    private byte[] buf;
    private int size;

    BinaryOut(int capacity) {
        buf = new byte[Math.max(16, capacity)];
    }

    BinaryOut writeByte(int b) {
        ensure(1);
        buf[size++] = (byte) b;
        return this;
    }

    BinaryOut writeInt(int v) {
        ensure(4);
        buf[size++] = (byte) (v >>> 24);
        buf[size++] = (byte) (v >>> 16);
        buf[size++] = (byte) (v >>> 8);
        buf[size++] = (byte) v;
        return this;
    }

    BinaryOut writeLong(long v) {
        writeInt((int) (v >>> 32));
        return writeInt((int) v);
    }

    /** A string as UTF-8, or null (length −1). */
    BinaryOut writeString(String s) {
        if (s == null) {
            return writeInt(-1);
        }
        if (isAscii(s)) { // names and quantities, nearly always: written as they are, no byte[] of their own
            int n = s.length();
            writeInt(n);
            ensure(n);
            for (int i = 0; i < n; i++) {
                buf[size++] = (byte) s.charAt(i);
            }
            return this;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        writeInt(b.length);
        ensure(b.length);
        System.arraycopy(b, 0, buf, size, b.length);
        size += b.length;
        return this;
    }

    BinaryOut writeStrings(List<String> list) {
        writeInt(list.size());
        list.forEach(this::writeString);
        return this;
    }

    BinaryOut writeStringMap(Map<String, String> map) {
        writeInt(map.size());
        map.forEach((k, v) -> writeString(k).writeString(v));
        return this;
    }

    /** Requests then limits, each as a count and (name, canonical quantity text) pairs in the map's order. */
    BinaryOut writeResources(ResourceRequirements r) {
        writeQuantities(r.requests());
        writeQuantities(r.limits());
        return this;
    }

    private void writeQuantities(Map<String, Quantity> map) {
        writeInt(map.size());
        map.forEach((k, v) -> writeString(k).writeString(v.toString()));
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }

    private void ensure(int more) {
        if (size + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
        }
    }
}
