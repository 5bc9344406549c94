package dev.resizelet.bench;

import dev.resizelet.cgroups.CgroupConfig;
import dev.resizelet.cgroups.CgroupDriver;
import dev.resizelet.cgroups.CgroupFs;
import dev.resizelet.cgroups.CgroupManager;
import dev.resizelet.cgroups.CgroupVersion;
import dev.resizelet.fakecri.CriRpc;
import dev.resizelet.fakecri.FakeRuntime;
import dev.resizelet.fakecri.FakeRuntimeServer;
import dev.resizelet.fakecri.RecordedCall;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The simulated node: a temp dir on tmpfs ({@code /dev/shm} when there is one) holding the cgroup tree and the
 * runtime's Unix socket, as the kernel's cgroupfs lives in memory too, and a temp dir on disk for the agent's state
 * (checkpoints are fsync'ed to a disk on a real node). On ext4, rewriting a small file by truncation flushes it
 * (auto_da_alloc), about 25 ms a write here: a cgroup tree on disk would measure the disk, not the agent. Counts every call the runtime receives by RPC; the fake's own call list is cleared
 * as it goes, so a long storm does not grow it without bound.
 */
public final class FakeNode implements AutoCloseable {
    private static final Path SHM = Path.of("/dev/shm");

    private final Path dir;
    private final Path stateDir;
    private final CgroupConfig cgroups;
    private final FakeRuntime runtime;
    private final FakeRuntimeServer server;
    private final Map<CriRpc, LongAdder> counts = new EnumMap<>(CriRpc.class);

    private FakeNode(Path dir, Path stateDir, CgroupConfig cgroups, FakeRuntime runtime, FakeRuntimeServer server) {
        this.dir = dir;
        this.stateDir = stateDir;
        this.cgroups = cgroups;
        this.runtime = runtime;
        this.server = server;
        for (CriRpc rpc : CriRpc.values()) {
            counts.put(rpc, new LongAdder());
        }
        runtime.addCallListener(call -> counts.get(call.rpc()).increment());
    }

    /** Makes the temp dirs (the state dir on disk) and starts serving. */
    public static FakeNode start() {
        return start(false);
    }

    /** Makes the temp dirs and starts serving; {@code stateOnTmpfs} puts the agent's state dir on tmpfs too. */
    public static FakeNode start(boolean stateOnTmpfs) {
        Path dir;
        Path stateDir;
        try {
            dir = Files.isDirectory(SHM) && Files.isWritable(SHM) ? Files.createTempDirectory(SHM, "rzb")
                    : Files.createTempDirectory("rzb");
            stateDir = stateOnTmpfs ? Files.createTempDirectory(dir, "state") : Files.createTempDirectory("rzb-state");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the bench temp dirs", e);
        }
        CgroupConfig cgroups = new CgroupConfig(dir.resolve("cgroup"), "kubepods", CgroupVersion.V1,
                CgroupDriver.CGROUPFS);
        FakeRuntime runtime = FakeRuntime.builder().cgroups(new CgroupManager(cgroups, CgroupFs.real())).build();
        FakeRuntimeServer server = FakeRuntimeServer.unixSocket(runtime, dir.resolve("cri.sock"));
        return new FakeNode(dir, stateDir, cgroups, runtime, server);
    }

    public Path dir() {
        return dir;
    }

    /** An empty directory on disk for the agent's checkpoints and pod store. */
    public Path stateDir() {
        return stateDir;
    }

    public CgroupConfig cgroups() {
        return cgroups;
    }

    public FakeRuntime runtime() {
        return runtime;
    }

    public String endpoint() {
        return server.endpoint();
    }

    public void addCallListener(Consumer<RecordedCall> listener) {
        runtime.addCallListener(listener);
    }

    /** Calls received so far, by RPC (including cleared ones). */
    public Map<CriRpc, Long> callCounts() {
        Map<CriRpc, Long> m = new EnumMap<>(CriRpc.class);
        counts.forEach((rpc, n) -> m.put(rpc, n.sum()));
        return m;
    }

    /** Drops the fake's recorded-call list (the counts here are kept). */
    public void clearRecordedCalls() {
        runtime.clearCalls();
    }

    @Override
    public void close() {
        server.close();
        deleteTree(dir);
        if (Files.exists(stateDir)) {
            deleteTree(stateDir);
        }
    }

    static void deleteTree(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the bench temp dir " + root, e);
        }
    }
}
