package dev.resizelet.bench;

import dev.resizelet.cgroups.CgroupConfig;
import dev.resizelet.cgroups.CgroupDriver;
import dev.resizelet.cgroups.CgroupVersion;
import dev.resizelet.fakecri.CriRpc;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fake runtime served from a child JVM ({@link FakeRuntimeMain}) on a Unix socket: the harness's JVM then holds
 * the agent and nothing of the runtime, so heap per pod is the agent's. Same temp-dir layout as {@link FakeNode}
 * (cgroup tree and socket on tmpfs, state dir on disk or tmpfs). Call counts and update calls come over the child's
 * stdout.
 */
final class ChildFakeNode implements SimNode {
    private static final Logger log = LoggerFactory.getLogger(ChildFakeNode.class);

    private final Path dir;
    private final Path stateDir;
    private final Process process;
    private final Writer commands;
    private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
    private final String endpoint;
    private volatile UpdateListener listener;
    private volatile long podLists;

    private ChildFakeNode(Path dir, Path stateDir, Process process) {
        this.dir = dir;
        this.stateDir = stateDir;
        this.process = process;
        this.commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(this::readLoop, "bench-fake-cri-stdout");
        reader.setDaemon(true);
        reader.start();
        String ready = take("READY");
        this.endpoint = ready.substring("READY ".length());
    }

    /** Starts the child JVM ({@code childHeap} e.g. {@code 2g}) and waits until it serves. */
    static ChildFakeNode start(boolean stateOnTmpfs, String childHeap) {
        Path[] dirs = FakeNode.tempDirs(stateOnTmpfs);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx" + childHeap));
        String extra = System.getenv("BENCH_FAKE_JAVA_OPTS"); // e.g. a flight recording of the runtime's side
        if (extra != null && !extra.isBlank()) {
            cmd.addAll(List.of(extra.trim().split("\\s+")));
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), FakeRuntimeMain.class.getName(),
                dirs[0].toString()));
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            return new ChildFakeNode(dirs[0], dirs[1], p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the fake runtime JVM: " + cmd, e);
        }
    }

    private void readLoop() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("U ")) {
                    UpdateListener l = listener;
                    if (l != null) {
                        String[] f = line.split(" ");
                        l.onUpdate(Long.parseLong(f[1]), f[2], Long.parseLong(f[3]), Long.parseLong(f[4]),
                                Long.parseLong(f[5]));
                    }
                } else if (line.startsWith("[")) {
                    log.info("bench fake runtime: {}", line); // the JVM's own messages (-Xlog, a flight recording)
                } else {
                    answers.add(line);
                }
            }
        } catch (IOException | RuntimeException e) {
            log.warn("bench fake runtime output ended error={}", e.toString());
        }
    }

    private String take(String prefix) {
        try {
            String a = answers.poll(60, TimeUnit.SECONDS);
            if (a == null || !a.startsWith(prefix)) {
                throw new IllegalStateException("the fake runtime JVM answered " + a + " (expected " + prefix + ")");
            }
            return a;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for the fake runtime JVM", e);
        }
    }

    private synchronized String ask(String command, String prefix) {
        try {
            commands.write(command + "\n");
            commands.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("the fake runtime JVM is gone", e);
        }
        return take(prefix);
    }

    @Override
    public String endpoint() {
        return endpoint;
    }

    @Override
    public CgroupConfig cgroups() {
        return new CgroupConfig(dir.resolve("cgroup"), "kubepods", CgroupVersion.V1, CgroupDriver.CGROUPFS);
    }

    @Override
    public Path stateDir() {
        return stateDir;
    }

    @Override
    public Map<CriRpc, Long> callCounts() {
        String a = ask("COUNTS", "COUNTS");
        Map<CriRpc, Long> m = new EnumMap<>(CriRpc.class);
        for (String kv : a.substring("COUNTS".length()).trim().split(" ")) {
            int eq = kv.indexOf('=');
            if (kv.startsWith("POD_LISTS=")) {
                podLists = Long.parseLong(kv.substring(eq + 1));
                continue;
            }
            m.put(CriRpc.valueOf(kv.substring(0, eq)), Long.parseLong(kv.substring(eq + 1)));
        }
        return m;
    }

    @Override
    public long podScopedListCalls() {
        callCounts();
        return podLists;
    }

    @Override
    public void streamUpdates(boolean on, UpdateListener l) {
        if (on) {
            listener = l;
        }
        ask("UPDATES " + (on ? "on" : "off"), "OK");
        if (!on) {
            listener = null;
        }
    }

    @Override
    public void markStatusReads() {
        ask("MARK", "OK");
    }

    @Override
    public int statusReadContainers() {
        return Integer.parseInt(ask("READS", "READS").substring("READS ".length()));
    }

    @Override
    public boolean outOfProcess() {
        return true;
    }

    @Override
    public void close() {
        try {
            commands.close();
        } catch (IOException e) {
            log.debug("bench fake runtime stdin already closed", e);
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        FakeNode.deleteTree(dir);
        if (Files.exists(stateDir)) {
            FakeNode.deleteTree(stateDir);
        }
    }
}
