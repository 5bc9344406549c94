package dev.resizelet.it.daemon;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code resizelet serve} as a separate JVM (this test's classpath), in simulated mode on 127.0.0.1:0 unless {@code --listen} is given. */
public final class DaemonProcess implements AutoCloseable {
    private static final Pattern READY = Pattern.compile("resizelet ready: (https?://127\\.0\\.0\\.1:\\d+)");

    private final Process process;
    private final AtomicReference<String> url = new AtomicReference<>();
    private final StringBuilder output = new StringBuilder();

    private DaemonProcess(Process process) {
        this.process = process;
    }

    public static DaemonProcess start(Path stateDir, String... extraArgs) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.resizelet.agent.Main", "serve",
                "--state-dir", stateDir.toString()));
        if (!List.of(extraArgs).contains("--listen")) {
            cmd.addAll(List.of("--listen", "127.0.0.1:0"));
        }
        cmd.addAll(List.of(extraArgs));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        DaemonProcess d = new DaemonProcess(p);
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    synchronized (d.output) {
                        d.output.append(line).append('\n');
                    }
                    Matcher m = READY.matcher(line);
                    if (m.find()) {
                        d.url.set(m.group(1));
                    }
                }
            } catch (IOException ignored) {
                // process ended
            }
        }, "daemon-output");
        reader.setDaemon(true);
        reader.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> d.url.get() != null || !p.isAlive());
        if (d.url.get() == null) {
            throw new IllegalStateException("daemon did not start:\n" + d.output());
        }
        return d;
    }

    public String url() {
        return url.get();
    }

    public String output() {
        synchronized (output) {
            return output.toString();
        }
    }

    public long pid() {
        return process.pid();
    }

    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(15, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    public static Path emptyKubeconfig(Path dir) throws IOException {
        Path f = dir.resolve("kubeconfig");
        Files.writeString(f, "");
        return f;
    }
}
