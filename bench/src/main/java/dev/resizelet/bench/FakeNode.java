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
 * The simulated node: a temp dir holding a cgroup tree and the agent's state, and the fake runtime served on a
 * real Unix socket in it. Counts every call the runtime receives by RPC; the fake's own call list is cleared
 * as it goes, so a long storm does not grow it without bound.
 */
public final class FakeNode implements AutoCloseable {
    private final Path dir;
    private final CgroupConfig cgroups;
    private final FakeRuntime runtime;
    private final FakeRuntimeServer server;
    private final Map<CriRpc, LongAdder> counts = new EnumMap<>(CriRpc.class);

    private FakeNode(Path dir, CgroupConfig cgroups, FakeRuntime runtime, FakeRuntimeServer server) {
        this.dir = dir;
        this.cgroups = cgroups;
        this.runtime = runtime;
        this.server = server;
        for (CriRpc rpc : CriRpc.values()) {
            counts.put(rpc, new LongAdder());
        }
        runtime.addCallListener(call -> counts.get(call.rpc()).increment());
    }

    /** Makes the temp dir (under {@code parent}, or the system temp dir when null) and starts serving. */
    public static FakeNode start(Path parent) {
        Path dir;
        try {
            dir = parent == null ? Files.createTempDirectory("rzb") : Files.createTempDirectory(parent, "rzb");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the bench temp dir", e);
        }
        CgroupConfig cgroups = new CgroupConfig(dir.resolve("cgroup"), "kubepods", CgroupVersion.V1,
                CgroupDriver.CGROUPFS);
        FakeRuntime runtime = FakeRuntime.builder().cgroups(new CgroupManager(cgroups, CgroupFs.real())).build();
        FakeRuntimeServer server = FakeRuntimeServer.unixSocket(runtime, dir.resolve("cri.sock"));
        return new FakeNode(dir, cgroups, runtime, server);
    }

    public Path dir() {
        return dir;
    }

    public Path stateDir() {
        return dir.resolve("state");
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
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the bench temp dir " + dir, e);
        }
    }
}
