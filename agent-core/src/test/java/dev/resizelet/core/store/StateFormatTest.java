package dev.resizelet.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import dev.resizelet.core.model.Container;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodResources;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.ResourceRequirements;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The binary record formats of the pod store and the resize journal (docs/state-core.md, "Record formats"): state
 * written by earlier releases (JSON specs, text journal records) is read and rewritten once at start, a rewrite cut
 * short by a crash leaves the old log in use, and damage inside a checksummed binary record stops the start naming
 * the file.
 */
class StateFormatTest {
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-28T12:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    /** The pod spec codec of earlier releases: JSON of the model records, as it wrote them. */
    static final StoreCodec<Pod> JSON = new StoreCodec<>() {
        private final ObjectMapper mapper = new ObjectMapper()
                .registerModule(new SimpleModule().addSerializer(Quantity.class, new ToString<>())
                        .addSerializer(PodUid.class, new ToString<>()))
                .setVisibility(PropertyAccessor.ALL, JsonAutoDetect.Visibility.NONE)
                .setVisibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.ANY)
                .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

        @Override
        public byte[] encode(Pod value) {
            try {
                return mapper.writeValueAsBytes(value);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public Pod decode(byte[] bytes) {
            return new PodSpecCodec().decode(bytes);
        }
    };

    static final class ToString<T> extends JsonSerializer<T> {
        @Override
        public void serialize(T value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
            gen.writeString(value.toString());
        }
    }

    static Pod pod(int i, String cpu) {
        ResourceRequirements r = new ResourceRequirements(
                Map.of("cpu", Quantity.parse(cpu), "memory", Quantity.parse("64Mi")),
                Map.of("cpu", Quantity.parse("200m"), "memory", Quantity.parse("128Mi")));
        return Pod.of("bench", "p" + i, PodUid.of("uid-" + i),
                List.of(Container.of("c0", "busybox", r), Container.of("c1", "busybox", r)));
    }

    private Path podLog() {
        return dir.resolve("pods").resolve("pods.log");
    }

    private void writeJsonStore(int pods) {
        PodStore<Pod, String> old = PodStore.open(dir.resolve("pods"), JSON, CLOCK);
        for (int i = 0; i < pods; i++) {
            old.create(new ObjectKey("bench", "p" + i), "uid-" + i, pod(i, "100m").withGeneration(1), null);
        }
        old.updateSpec(new ObjectKey("bench", "p0"), null, o -> new PodStore.Change<>(pod(0, "150m").withGeneration(2),
                null));
        old.close();
    }

    @Test
    void aPodLogOfJsonSpecsIsReadAndRewrittenInTheBinaryFormatOnce() throws IOException {
        writeJsonStore(3);
        assertThat(Files.readString(podLog(), StandardCharsets.ISO_8859_1)).contains("{\"namespace\":\"bench\"");

        PodStore<Pod, String> upgraded = PodStore.open(dir.resolve("pods"), new PodSpecCodec(), CLOCK);
        List<StoredObject<Pod, String>> seen = upgraded.list(null);
        long rv = upgraded.resourceVersion();
        upgraded.close();
        byte[] rewritten = Files.readAllBytes(podLog());
        PodStore<Pod, String> again = PodStore.open(dir.resolve("pods"), new PodSpecCodec(), CLOCK);

        assertThat(seen).hasSize(3);
        assertThat(seen.get(0).spec().containers().get(0).resources().request("cpu")).isEqualTo(Quantity.parse("150m"));
        assertThat(seen.get(0).generation()).isEqualTo(2);
        assertThat(new String(rewritten, StandardCharsets.ISO_8859_1)).doesNotContain("{\"namespace\"");
        assertThat(again.list(null)).extracting(StoredObject::spec)
                .containsExactlyElementsOf(seen.stream().map(StoredObject::spec).toList());
        assertThat(again.resourceVersion()).isGreaterThanOrEqualTo(rv);
        assertThat(Files.readAllBytes(podLog())).as("a binary log is not rewritten at every start").isEqualTo(rewritten);
        again.close();
    }

    @Test
    void aRewriteCutShortByACrashLeavesTheOldLogInUse() throws IOException {
        writeJsonStore(2);
        byte[] before = Files.readAllBytes(podLog());
        // kill -9 during the rewrite: the temp file is half written, the rename never happened
        Files.write(podLog().resolveSibling("pods.log.tmp"), java.util.Arrays.copyOf(before, before.length / 2));

        PodStore<Pod, String> store = PodStore.open(dir.resolve("pods"), new PodSpecCodec(), CLOCK);

        assertThat(store.list(null)).hasSize(2);
        assertThat(store.get(new ObjectKey("bench", "p0")).orElseThrow().generation()).isEqualTo(2);
        assertThat(Files.exists(podLog().resolveSibling("pods.log.tmp"))).isFalse();
        store.close();
        assertThat(PodStore.open(dir.resolve("pods"), new PodSpecCodec(), CLOCK).list(null)).hasSize(2);
    }

    @Test
    void aDamagedBinarySpecInsideAChecksummedRecordStopsTheStartNamingTheFile() throws IOException {
        PodStore<Pod, String> store = PodStore.open(dir.resolve("pods"), new PodSpecCodec(), CLOCK);
        store.create(new ObjectKey("bench", "p0"), "uid-0", pod(0, "100m"), null);
        store.close();
        // a record whose checksum is right but whose spec is cut (a bug, or a newer writer): not a torn tail
        byte[] spec = new PodSpecCodec().encode(pod(1, "100m"));
        byte[] cut = java.util.Arrays.copyOf(spec, spec.length - 5);
        byte[] record = DurableLog.bytes(out -> {
            out.writeByte(1);
            out.writeUTF("bench");
            out.writeUTF("p1");
            out.writeUTF("uid-1");
            out.writeLong(1);
            out.writeLong(99);
            out.writeLong(0);
            out.writeInt(cut.length);
            out.write(cut);
        });
        try (DurableLog log = DurableLog.open(podLog(), new ArrayList<>())) {
            log.sync(log.append(record));
        }

        assertThatThrownBy(() -> PodStore.open(dir.resolve("pods"), new PodSpecCodec(), CLOCK))
                .isInstanceOf(StoreException.Corrupt.class)
                .hasMessageContaining(podLog().toString())
                .hasMessageContaining("restore it from a backup");
    }

    private Path journalFile() {
        return dir.resolve("resize").resolve("resize.log");
    }

    private void writeTextJournal(List<byte[]> payloads) throws IOException {
        try (DurableLog log = DurableLog.open(LogFiles.DISK, journalFile(), "RZSTAT01".getBytes(StandardCharsets.US_ASCII),
                "resize state log", new ArrayList<>())) {
            log.appendAllAndSync(payloads);
        }
    }

    private static byte[] tagged(int tag, byte[] body) {
        byte[] out = new byte[body.length + 1];
        out[0] = (byte) tag;
        System.arraycopy(body, 0, out, 1, body.length);
        return out;
    }

    @Test
    void aJournalOfTextRecordsIsReadAndRewrittenInTheBinaryFormatOnce() throws IOException {
        PodResources a1 = pod(1, "100m").withGeneration(1).resources();
        PodResources a2 = pod(1, "300m").withGeneration(2).resources();
        PodResources b = pod(2, "100m").withGeneration(1).resources();
        writeTextJournal(List.of(tagged(1, PodResourcesCodec.write(a1)), tagged(2, PodResourcesCodec.write(a1)),
                tagged(1, PodResourcesCodec.write(b)), tagged(1, PodResourcesCodec.write(a2)),
                tagged(3, "uid-9".getBytes(StandardCharsets.UTF_8))));

        ResizeJournal upgraded = ResizeJournal.open(dir.resolve("resize"));
        ResizeJournal.State state = upgraded.opened();
        upgraded.close();
        byte[] rewritten = Files.readAllBytes(journalFile());
        ResizeJournal again = ResizeJournal.open(dir.resolve("resize"));

        assertThat(state.allocated()).containsEntry(PodUid.of("uid-1"), a2).containsEntry(PodUid.of("uid-2"), b);
        assertThat(state.actuated()).containsOnly(Map.entry(PodUid.of("uid-1"), a1));
        assertThat(new String(rewritten, StandardCharsets.ISO_8859_1)).doesNotContain("generation ");
        assertThat(again.opened()).isEqualTo(state);
        assertThat(Files.readAllBytes(journalFile())).isEqualTo(rewritten);
        again.close();
    }

    @Test
    void aDamagedBinaryJournalRecordStopsTheStartNamingTheFile() throws IOException {
        ResizeJournal journal = ResizeJournal.open(dir.resolve("resize"));
        journal.commit(List.of(new ResizeJournal.Allocated(pod(1, "100m").resources())));
        journal.close();
        List<byte[]> records = new ArrayList<>();
        byte[] good;
        // a record whose checksum is right but whose payload is cut: damage, not a torn tail
        try (DurableLog log = DurableLog.open(LogFiles.DISK, journalFile(), "RZSTAT01".getBytes(StandardCharsets.US_ASCII),
                "resize state log", records)) {
            good = records.get(0);
            log.appendAllAndSync(List.of(java.util.Arrays.copyOf(good, good.length - 2)));
        }

        assertThat(good[0]).as("binary allocated record").isEqualTo((byte) 4);
        assertThatThrownBy(() -> ResizeJournal.open(dir.resolve("resize")))
                .isInstanceOf(StoreException.Corrupt.class)
                .hasMessageContaining(journalFile().toString())
                .hasMessageContaining("restore it from a backup");
    }

    @Test
    void equalResourcesDecodeToOneSharedInstance() {
        PodSpecCodec codec = new PodSpecCodec();

        Pod a = codec.decode(codec.encode(pod(1, "100m")));
        Pod b = codec.decode(codec.encode(pod(2, "100m")));

        assertThat(a.containers().get(0).resources()).isSameAs(b.containers().get(1).resources());
        assertThat(codec.decode(codec.encode(pod(3, "250m"))).containers().get(0).resources().request("cpu"))
                .isEqualTo(Quantity.parse("250m"));
    }
}
