package dev.resizelet.it.agent;

import dev.resizelet.cgroups.CgroupConfig;
import dev.resizelet.cgroups.CgroupDriver;
import dev.resizelet.cgroups.CgroupFs;
import dev.resizelet.cgroups.CgroupManager;
import dev.resizelet.cgroups.CgroupVersion;
import dev.resizelet.cri.CriClientOptions;
import dev.resizelet.cri.GrpcRuntimeClient;
import dev.resizelet.fakecri.FakeRuntime;
import dev.resizelet.fakecri.FakeRuntimeServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The fake CRI runtime on a real Unix socket in a temp dir, a temp cgroup v1 tree, a client connected over the
 * socket, and one merged, sequence-numbered log of the agent's cgroup writes and the runtime's calls.
 */
final class RuntimeHarness implements AutoCloseable {
    record Entry(long seq, String what) {
    }

    final Path cgroupRoot;
    final AtomicLong sequence = new AtomicLong();
    final CgroupConfig cgroupConfig;
    final CgroupManager agentCgroups;
    final FakeRuntime fake;
    final FakeRuntimeServer server;
    final GrpcRuntimeClient client;
    private final List<Entry> log = new ArrayList<>();

    RuntimeHarness(Path dir, Consumer<FakeRuntime.Builder> customize) {
        this(dir, new CgroupConfig(dir.resolve("cgroup"), "kubepods", CgroupVersion.V1, CgroupDriver.CGROUPFS),
                customize);
    }

    /** The same over the cgroup tree {@code config} names (a v2 tree, or the real v1 root below a test top). */
    RuntimeHarness(Path dir, CgroupConfig config, Consumer<FakeRuntime.Builder> customize) {
        cgroupRoot = config.root();
        cgroupConfig = config;
        agentCgroups = new CgroupManager(cgroupConfig, CgroupFs.real());
        agentCgroups.addListener(w -> record(sequence.incrementAndGet(),
                "write " + cgroupRoot.relativize(w.file()) + "=" + w.value()));
        FakeRuntime.Builder b = FakeRuntime.builder()
                .cgroups(new CgroupManager(cgroupConfig, CgroupFs.real()))
                .sequence(sequence);
        customize.accept(b);
        fake = b.build();
        fake.addCallListener(c -> record(c.sequence(), c.rpc().methodName() + " " + c.id()));
        server = FakeRuntimeServer.unixSocket(fake, dir.resolve("cri.sock"));
        client = GrpcRuntimeClient.connect(server.endpoint(),
                CriClientOptions.defaults().withRequestTimeout(Duration.ofSeconds(10)));
    }

    /** Logs a cgroup write made outside {@link #agentCgroups} (an agent's own CgroupManager) in the same sequence. */
    void recordWrite(String what) {
        record(sequence.incrementAndGet(), what);
    }

    private synchronized void record(long seq, String what) {
        log.add(new Entry(seq, what));
    }

    /** The merged log in sequence order, without status reads (ContainerStatus, ListContainers, Version). */
    synchronized List<String> actions() {
        return log.stream().sorted(Comparator.comparingLong(Entry::seq)).map(Entry::what)
                .filter(s -> !s.startsWith("ContainerStatus") && !s.startsWith("ListContainers")
                        && !s.startsWith("Version") && !s.startsWith("GetContainerEvents")
                        && !s.contains("memory.usage_in_bytes"))
                .toList();
    }

    synchronized void clearLog() {
        log.clear();
    }

    @Override
    public void close() {
        client.close();
        server.close();
    }
}
