package dev.resizelet.core.checkpoint;

import static dev.resizelet.core.testing.Pods.res;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.resizelet.core.model.PodResources;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.testing.NoSyncFs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileCheckpointStoreTest {

    @TempDir
    Path dir;

    private static PodResources resources(String uid, long gen, String cpu) {
        return new PodResources(PodUid.of(uid), gen, Map.of("app", res("cpu=" + cpu + ",memory=128Mi", "memory=1Gi"),
                "side", res("cpu=10m", "")));
    }

    @Test
    void restartRestoresExactlyWhatWasAcknowledged() {
        FileCheckpointStore store = new FileCheckpointStore(dir);
        store.save(resources("a", 1, "100m"));
        store.save(resources("b", 1, "1500m"));
        store.save(resources("a", 2, "250m"));
        store.remove(PodUid.of("b"));

        Map<PodUid, PodResources> loaded = new FileCheckpointStore(dir).loadAll();

        assertThat(loaded).containsExactly(Map.entry(PodUid.of("a"), resources("a", 2, "250m")));
        assertThat(loaded.get(PodUid.of("a")).containers().get("app").limit("memory")).hasToString("1Gi");
    }

    @Test
    void anUnchangedSaveIsSkipped() {
        FileCheckpointStore store = new FileCheckpointStore(dir);
        store.save(resources("a", 1, "100m"));
        store.save(resources("a", 1, "0.1"));

        assertThat(store.writes()).isEqualTo(1);
    }

    @Test
    void aTornWriteIsDetectedAtEveryByteOffset() throws IOException {
        FileCheckpointStore store = new FileCheckpointStore(dir);
        store.save(resources("a", 1, "100m"));
        Path file = store.fileOf(PodUid.of("a"));
        byte[] whole = Files.readAllBytes(file);

        for (int len = 0; len < whole.length; len++) {
            Files.write(file, Arrays.copyOf(whole, len));
            CheckpointCorruptException e = assertThrows(CheckpointCorruptException.class,
                    () -> new FileCheckpointStore(dir).loadAll(), "truncated to " + len);
            assertThat(e.file()).isEqualTo(file);
        }
    }

    @Test
    void aFlippedByteIsDetectedAnywhere() throws IOException {
        FileCheckpointStore store = new FileCheckpointStore(dir);
        store.save(resources("a", 1, "100m"));
        Path file = store.fileOf(PodUid.of("a"));
        byte[] whole = Files.readAllBytes(file);

        for (int i = 0; i < whole.length; i++) {
            for (int mask : List.of(0x01, 0x20, 0xff)) {
                byte[] bad = whole.clone();
                bad[i] ^= (byte) mask;
                Files.write(file, bad);
                assertThrows(CheckpointCorruptException.class, () -> new FileCheckpointStore(dir).loadAll(),
                        "byte " + i + " ^ " + mask);
            }
        }
    }

    @Test
    void corruptionMessageNamesTheFileAndTheFix() throws IOException {
        FileCheckpointStore store = new FileCheckpointStore(dir);
        store.save(resources("a", 1, "100m"));
        Path file = store.fileOf(PodUid.of("a"));
        byte[] bad = Files.readAllBytes(file);
        bad[bad.length - 3] ^= 1;
        Files.write(file, bad);

        CheckpointCorruptException e = assertThrows(CheckpointCorruptException.class, () -> store.loadAll());

        assertThat(e.getMessage()).isEqualTo("checkpoint " + file + " is corrupt (checksum mismatch); restore it"
                + " from backup or remove it to let resizelet re-admit from pod specs");
    }

    @Test
    void aFailingFilesystemLeavesDiskAndMemoryAsTheyWere() throws IOException {
        FailingFs fs = new FailingFs();
        FileCheckpointStore store = new FileCheckpointStore(dir, fs);
        store.save(resources("a", 1, "100m"));
        byte[] before = Files.readAllBytes(store.fileOf(PodUid.of("a")));

        for (String op : List.of("write", "move", "sync")) {
            fs.failOn = op;
            assertThrows(CheckpointWriteException.class, () -> store.save(resources("a", 2, "900m")), op);
            fs.failOn = null;
            if (!op.equals("sync")) {
                assertThat(Files.readAllBytes(store.fileOf(PodUid.of("a")))).isEqualTo(before);
            }
            assertThat(Files.list(dir).map(p -> p.getFileName().toString())).containsExactly("a.ckpt");
        }
        // memory kept the acknowledged value, so saving it again is a no-op and saving the new one writes
        long writes = store.writes();
        store.save(resources("a", 1, "100m"));
        assertThat(store.writes()).isEqualTo(writes);
        fs.failOn = null;
        store.save(resources("a", 2, "900m"));
        assertThat(new FileCheckpointStore(dir).loadAll().get(PodUid.of("a"))).isEqualTo(resources("a", 2, "900m"));
    }

    @Test
    void leftoverTempFilesAreDiscardedOnLoad() throws IOException {
        FileCheckpointStore store = new FileCheckpointStore(dir);
        store.save(resources("a", 1, "100m"));
        Files.writeString(dir.resolve(".a.ckpt.tmp"), "half a write");

        assertThat(new FileCheckpointStore(dir).loadAll()).containsOnlyKeys(PodUid.of("a"));
        assertThat(dir.resolve(".a.ckpt.tmp")).doesNotExist();
    }

    @Test
    void aFileHoldingAnotherPodIsCorrupt() throws IOException {
        FileCheckpointStore store = new FileCheckpointStore(dir);
        store.save(resources("a", 1, "100m"));
        Files.move(store.fileOf(PodUid.of("a")), dir.resolve("b.ckpt"));

        assertThrows(CheckpointCorruptException.class, () -> new FileCheckpointStore(dir).loadAll());
    }

    @Test
    void tenThousandPodsRestore() {
        FileCheckpointStore store = new FileCheckpointStore(dir, new NoSyncFs());
        for (int i = 0; i < 10_000; i++) {
            store.save(resources("pod-" + i, 1, (i % 4000 + 1) + "m"));
        }

        Map<PodUid, PodResources> loaded = new FileCheckpointStore(dir).loadAll();

        assertThat(loaded).hasSize(10_000);
        assertThat(loaded.get(PodUid.of("pod-4321"))).isEqualTo(resources("pod-4321", 1, "322m"));
    }

    /** Fails the named operation once set; otherwise the real filesystem. */
    static final class FailingFs implements CheckpointFs {
        private final NioCheckpointFs real = new NioCheckpointFs();
        String failOn;

        @Override
        public byte[] read(Path file) throws IOException {
            return real.read(file);
        }

        @Override
        public void writeDurably(Path file, byte[] data) throws IOException {
            if ("write".equals(failOn)) {
                real.writeDurably(file, Arrays.copyOf(data, data.length / 2));
                throw new IOException("No space left on device");
            }
            real.writeDurably(file, data);
        }

        @Override
        public void atomicMove(Path from, Path to) throws IOException {
            if ("move".equals(failOn)) {
                throw new IOException("Input/output error");
            }
            real.atomicMove(from, to);
        }

        @Override
        public void syncDirectory(Path d) throws IOException {
            if ("sync".equals(failOn)) {
                throw new IOException("Input/output error");
            }
            real.syncDirectory(d);
        }

        @Override
        public void deleteIfExists(Path file) throws IOException {
            real.deleteIfExists(file);
        }

        @Override
        public List<Path> list(Path d) throws IOException {
            return real.list(d);
        }

        @Override
        public void createDirectories(Path d) throws IOException {
            real.createDirectories(d);
        }
    }
}
