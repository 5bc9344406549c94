package dev.resizelet.it.containerd;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A containerd of the test's own, driven by {@code scripts/containerd/{start,stop}.sh}: its root,
 * state, socket, config and runc root all live under {@link #dir()}, so it never touches a system
 * containerd. {@link #close()} stops it and everything it ran (tasks, shims, mounts).
 */
public final class PrivateContainerd implements AutoCloseable {

    /** The image that start.sh builds and imports; also the sandbox image. */
    public static final String IMAGE = "docker.io/resizelet/busybox:1";

    private static final long SCRIPT_TIMEOUT_SECONDS = 120;

    private final Path scripts;
    private final Path dir;
    private boolean closed;

    private PrivateContainerd(Path scripts, Path dir) {
        this.scripts = requireNonNull(scripts, "scripts");
        this.dir = requireNonNull(dir, "dir");
    }

    /** Starts a containerd under {@code dir} and imports {@link #IMAGE}; returns once the socket answers. */
    public static PrivateContainerd start(Path scripts, Path dir) {
        PrivateContainerd containerd = new PrivateContainerd(scripts, dir);
        try {
            containerd.run("start.sh");
        } catch (RuntimeException e) {
            containerd.close();
            throw e;
        }
        return containerd;
    }

    /** The directory that holds everything of this containerd. */
    public Path dir() {
        return dir;
    }

    /** The CRI (and containerd) gRPC socket. */
    public Path socket() {
        return dir.resolve("containerd.sock");
    }

    /** The socket as a CRI endpoint, {@code unix:///...}. */
    public String endpoint() {
        return "unix://" + socket();
    }

    /** The daemon's pid, as start.sh recorded it. */
    public long pid() {
        try {
            return Long.parseLong(Files.readString(dir.resolve("containerd.pid")).trim());
        } catch (IOException e) {
            throw new UncheckedIOException("no pid file for the containerd under " + dir, e);
        }
    }

    /** Stops only the daemon: containers and their shims keep running, as in a containerd restart. */
    public void stopDaemon() {
        run("stop.sh", "--daemon-only");
    }

    /** Starts the daemon again on the same root and state (after {@link #stopDaemon()}). */
    public void startDaemon() {
        run("start.sh");
    }

    /** The daemon's log, for failure messages. */
    public String log() {
        try {
            return Files.readString(dir.resolve("containerd.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Stops the daemon and removes every task, shim and mount it left. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            run("stop.sh");
        }
    }

    private void run(String script, String... args) {
        List<String> command = new ArrayList<>(List.of("bash", scripts.resolve(script).toString(), dir.toString()));
        command.addAll(List.of(args));
        Path output = dir.resolveSibling(dir.getFileName() + "-" + script + ".out");
        try {
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .start();
            if (!process.waitFor(SCRIPT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish in "
                        + SCRIPT_TIMEOUT_SECONDS + "s; output:\n" + read(output));
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed with exit code "
                        + process.exitValue() + "; output:\n" + read(output));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", command), e);
        } finally {
            try {
                Files.deleteIfExists(output);
            } catch (IOException ignored) {
                // a leftover output file in the temp dir is harmless
            }
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
