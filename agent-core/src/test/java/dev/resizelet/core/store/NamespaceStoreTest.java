package dev.resizelet.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NamespaceStoreTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path dir;

    private static NamespaceStore.Namespace ns(String name) {
        return new NamespaceStore.Namespace(name, "uid-" + name, T0, Map.of("team", "a"), Map.of("note", "x".repeat(70_000)), null);
    }

    @Test
    void whatWasAcknowledgedIsThereAfterAReopen() {
        try (NamespaceStore store = NamespaceStore.open(dir)) {
            store.put(ns("demo"));
            store.put(ns("gone"));
            store.put(ns("ending").terminatingAt(T0.plusSeconds(5)));
            store.remove("gone");
        }

        try (NamespaceStore reopened = NamespaceStore.open(dir)) {
            assertThat(reopened.list()).extracting(NamespaceStore.Namespace::name).containsExactly("demo", "ending");
            assertThat(reopened.get("demo")).contains(ns("demo"));
            assertThat(reopened.get("ending").orElseThrow().deletionTimestamp()).isEqualTo(T0.plusSeconds(5));
            assertThat(reopened.get("demo").orElseThrow().annotations().get("note")).hasSize(70_000);
        }
    }

    @Test
    void aLogOfManyChangesIsCompacted() throws Exception {
        Path one = dir.resolve("one");
        try (NamespaceStore store = NamespaceStore.open(one)) {
            store.put(small("ns-00"));
        }
        long recordBytes = Files.size(one.resolve("namespaces.log")) - 8;
        Path many = dir.resolve("many");
        try (NamespaceStore store = NamespaceStore.open(many)) {
            store.put(small("kept"));
            for (int i = 10; i < 110; i++) {
                store.put(small("ns-" + i));
                store.remove("ns-" + i);
            }
        }

        try (NamespaceStore reopened = NamespaceStore.open(many)) {
            assertThat(reopened.list()).extracting(NamespaceStore.Namespace::name).containsExactly("kept");
        }
        assertThat(Files.size(many.resolve("namespaces.log"))).as("201 records were written; at most 64 are kept")
                .isLessThan(8 + 64 * (recordBytes + 8));
    }

    private static NamespaceStore.Namespace small(String name) {
        return new NamespaceStore.Namespace(name, "uid", T0, Map.of(), Map.of(), null);
    }

    @Test
    void aDamagedLogStopsTheOpenWithThePathAndTheFix() throws Exception {
        try (NamespaceStore store = NamespaceStore.open(dir)) {
            store.put(ns("a"));
            store.put(ns("b"));
        }
        Path file = dir.resolve("namespaces.log");
        byte[] log = Files.readAllBytes(file);
        log[8 + 8 + 2] ^= 0x5a; // inside the first record's payload, with a valid record after it
        Files.write(file, log);

        StoreException.Corrupt e = assertThrows(StoreException.Corrupt.class, () -> NamespaceStore.open(dir));

        assertThat(e.getMessage()).contains("namespace store " + file + " is corrupt at byte 8")
                .contains("move it away to start with the namespaces the stored pods are in");
    }

    @Test
    void inMemoryKeepsNothingOnDisk() {
        NamespaceStore store = NamespaceStore.inMemory();
        store.put(ns("demo"));
        assertThat(store.get("demo")).isPresent();
        store.remove("demo");
        assertThat(store.list()).isEmpty();
    }
}
