package dev.resizelet.bench;

import dev.resizelet.cgroups.CgroupConfig;
import dev.resizelet.cgroups.CgroupDriver;
import dev.resizelet.cgroups.CgroupFs;
import dev.resizelet.cgroups.CgroupManager;
import dev.resizelet.cgroups.CgroupVersion;
import dev.resizelet.cri.v1.ListContainersRequest;
import dev.resizelet.cri.v1.UpdateContainerResourcesRequest;
import dev.resizelet.fakecri.CriRpc;
import dev.resizelet.fakecri.FakeRuntime;
import dev.resizelet.fakecri.FakeRuntimeServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.BufferedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * The fake runtime in a JVM of its own, for the harness's child process ({@link ChildFakeNode}): serves
 * {@code DIR/cri.sock} with its cgroup tree in {@code DIR/cgroup}, prints {@code READY <endpoint>}, then answers
 * one command per stdin line on stdout: {@code COUNTS} (calls by RPC), {@code UPDATES on|off} (stream each
 * UpdateContainerResources as {@code U <nanoTime> <id> <shares> <quota> <memory>}), {@code MARK} / {@code READS}
 * (distinct containers read with ContainerStatus since the mark). Exits when stdin closes.
 */
public final class FakeRuntimeMain {
    private FakeRuntimeMain() {
    }

    /** One UpdateContainerResources the runtime answered, as the harness's actuation clock sees it. */
    private record UpdateLine(long nanoTime, String id, long shares, long quota, long memory) {
    }

    /**
     * Prints queued update lines, everything queued (up to 64 KiB) in one write and one flush, looking again a
     * millisecond after the queue ran dry (the lines carry the call's own time, so the delay costs the figures nothing, and the call's
     * thread never wakes this one).
     */
    private static void writeUpdates(ConcurrentLinkedQueue<UpdateLine> updates, PrintStream out) {
        StringBuilder sb = new StringBuilder();
        while (true) {
            UpdateLine u = updates.poll();
            if (u == null || sb.length() >= 1 << 16) {
                if (sb.length() > 0) {
                    synchronized (out) {
                        out.append(sb);
                        out.flush();
                    }
                    sb.setLength(0);
                }
                if (u == null) {
                    LockSupport.parkNanos(1_000_000L);
                    continue;
                }
            }
            sb.append("U ").append(u.nanoTime()).append(' ').append(u.id()).append(' ').append(u.shares()).append(' ')
                    .append(u.quota()).append(' ').append(u.memory()).append('\n');
        }
    }

    private static Thread daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        return t;
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        Path dir = Path.of(args[0]);
        PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16),
                false, StandardCharsets.UTF_8);
        CgroupConfig cgroups = new CgroupConfig(dir.resolve("cgroup"), "kubepods", CgroupVersion.V1,
                CgroupDriver.CGROUPFS);
        FakeRuntime runtime = FakeRuntime.builder().cgroups(new CgroupManager(cgroups, CgroupFs.real())).build();
        Map<CriRpc, LongAdder> counts = new EnumMap<>(CriRpc.class);
        for (CriRpc rpc : CriRpc.values()) {
            counts.put(rpc, new LongAdder());
        }
        Set<String> reads = ConcurrentHashMap.newKeySet();
        LongAdder podLists = new LongAdder();
        AtomicBoolean streamUpdates = new AtomicBoolean();
        AtomicBoolean rememberReads = new AtomicBoolean();
        ConcurrentLinkedQueue<UpdateLine> updates = new ConcurrentLinkedQueue<>();
        Thread writer = daemon("fake-cri-update-lines", () -> writeUpdates(updates, out));
        runtime.addCallListener(call -> {
            counts.get(call.rpc()).increment();
            if (call.rpc() == CriRpc.UPDATE_CONTAINER_RESOURCES && streamUpdates.get()) {
                // queued, not written: the call's thread answers the agent; a writer thread prints the lines in batches
                var linux = ((UpdateContainerResourcesRequest) call.request()).getLinux();
                updates.add(new UpdateLine(System.nanoTime(), call.id(), linux.getCpuShares(), linux.getCpuQuota(),
                        linux.getMemoryLimitInBytes()));
            } else if (call.rpc() == CriRpc.CONTAINER_STATUS && rememberReads.get()) {
                reads.add(call.id());
            } else if (call.rpc() == CriRpc.LIST_CONTAINERS
                    && !((ListContainersRequest) call.request()).getFilter().getPodSandboxId().isEmpty()) {
                podLists.increment();
            }
        });
        // the fake keeps every call in a copy-on-write list: drop it often, or creating 10,000 pods is quadratic
        daemon("fake-cri-clear-calls", () -> {
            while (true) {
                runtime.clearCalls();
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }).start();
        writer.start();
        // calls answered on the socket's thread: no executor hop per call (nothing here delays a call)
        FakeRuntimeServer server = FakeRuntimeServer.unixSocket(runtime, dir.resolve("cri.sock"), true);
        synchronized (out) {
            out.println("READY " + server.endpoint());
            out.flush();
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String cmd = line.trim();
            String answer;
            if (cmd.equals("COUNTS")) {
                StringBuilder sb = new StringBuilder("COUNTS");
                counts.forEach((rpc, n) -> sb.append(' ').append(rpc.name()).append('=').append(n.sum()));
                sb.append(" POD_LISTS=").append(podLists.sum());
                answer = sb.toString();
            } else if (cmd.equals("UPDATES on") || cmd.equals("UPDATES off")) {
                streamUpdates.set(cmd.endsWith("on"));
                answer = "OK";
            } else if (cmd.equals("MARK")) {
                reads.clear();
                rememberReads.set(true);
                answer = "OK";
            } else if (cmd.equals("READS")) {
                answer = "READS " + reads.size();
            } else {
                answer = "ERR unknown command " + cmd;
            }
            synchronized (out) {
                out.println(answer);
                out.flush();
            }
        }
        server.close();
    }
}
