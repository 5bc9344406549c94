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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import dev.resizelet.cri.v1.ListContainersRequest;
import dev.resizelet.cri.v1.UpdateContainerResourcesRequest;
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
public final class FakeNode implements SimNode {
    private static final Path SHM = Path.of("/dev/shm");

    private final Path dir;
    private final Path stateDir;
    private final CgroupConfig cgroups;
    private final FakeRuntime runtime;
    private final FakeRuntimeServer server;
    private final Map<CriRpc, LongAdder> counts = new EnumMap<>(CriRpc.class);
    private final Set<String> reads = ConcurrentHashMap.newKeySet();
    private volatile UpdateListener updates;
    private volatile boolean rememberReads;
    private final LongAdder podLists = new LongAdder();

    private FakeNode(Path dir, Path stateDir, CgroupConfig cgroups, FakeRuntime runtime, FakeRuntimeServer server) {
        this.dir = dir;
        this.stateDir = stateDir;
        this.cgroups = cgroups;
        this.runtime = runtime;
        this.server = server;
        for (CriRpc rpc : CriRpc.values()) {
            counts.put(rpc, new LongAdder());
        }
        runtime.addCallListener(call -> {
            counts.get(call.rpc()).increment();
            UpdateListener l = updates;
            if (l != null && call.rpc() == CriRpc.UPDATE_CONTAINER_RESOURCES) {
                var linux = ((UpdateContainerResourcesRequest) call.request()).getLinux();
                l.onUpdate(System.nanoTime(), call.id(), linux.getCpuShares(), linux.getCpuQuota(),
                        linux.getMemoryLimitInBytes());
            } else if (rememberReads && call.rpc() == CriRpc.CONTAINER_STATUS) {
                reads.add(call.id());
            } else if (call.rpc() == CriRpc.LIST_CONTAINERS
                    && !((ListContainersRequest) call.request()).getFilter().getPodSandboxId().isEmpty()) {
                podLists.increment();
            }
        });
    }

    /** Makes the temp dirs (the state dir on disk) and starts serving. */
    public static FakeNode start() {
        return start(false);
    }

    /** Makes the temp dirs and starts serving; {@code stateOnTmpfs} puts the agent's state dir on tmpfs too. */
    public static FakeNode start(boolean stateOnTmpfs) {
        Path[] dirs = tempDirs(stateOnTmpfs);
        Path dir = dirs[0];
        CgroupConfig cgroups = new CgroupConfig(dir.resolve("cgroup"), "kubepods", CgroupVersion.V1,
                CgroupDriver.CGROUPFS);
        FakeRuntime runtime = FakeRuntime.builder().cgroups(new CgroupManager(cgroups, CgroupFs.real())).build();
        FakeRuntimeServer server = FakeRuntimeServer.unixSocket(runtime, dir.resolve("cri.sock"));
        return new FakeNode(dir, dirs[1], cgroups, runtime, server);
    }

    /** The node's dir (on tmpfs when there is one) and the agent's state dir (on disk unless {@code stateOnTmpfs}). */
    static Path[] tempDirs(boolean stateOnTmpfs) {
        try {
            Path dir = Files.isDirectory(SHM) && Files.isWritable(SHM) ? Files.createTempDirectory(SHM, "rzb")
                    : Files.createTempDirectory("rzb");
            Path stateDir = stateOnTmpfs ? Files.createTempDirectory(dir, "state")
                    : Files.createTempDirectory("rzb-state");
            return new Path[] {dir, stateDir};
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the bench temp dirs", e);
        }
    }

    public Path dir() {
        return dir;
    }

    /** An empty directory on disk for the agent's checkpoints and pod store. */
    @Override
    public Path stateDir() {
        return stateDir;
    }

    @Override
    public CgroupConfig cgroups() {
        return cgroups;
    }

    public FakeRuntime runtime() {
        return runtime;
    }

    @Override
    public String endpoint() {
        return server.endpoint();
    }

    public void addCallListener(Consumer<RecordedCall> listener) {
        runtime.addCallListener(listener);
    }

    @Override
    public long podScopedListCalls() {
        return podLists.sum();
    }

    @Override
    public void streamUpdates(boolean on, UpdateListener listener) {
        updates = on ? listener : null;
    }

    @Override
    public void markStatusReads() {
        reads.clear();
        rememberReads = true;
    }

    @Override
    public int statusReadContainers() {
        return reads.size();
    }

    @Override
    public boolean outOfProcess() {
        return false;
    }

    /** Calls received so far, by RPC (including cleared ones). */
    @Override
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
