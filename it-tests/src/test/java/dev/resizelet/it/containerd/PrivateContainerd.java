package dev.resizelet.it.containerd;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

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
    private final Path base;
    private final Path dir;
    private boolean closed;

    private PrivateContainerd(Path scripts, Path base) {
        this.scripts = requireNonNull(scripts, "scripts");
        this.base = requireNonNull(base, "base");
        this.dir = base.resolve("c");
    }

    /**
     * Starts a containerd in a new directory under /tmp (short, for the socket path limit) and
     * imports {@link #IMAGE}; returns once the socket answers. {@link #close()} deletes the directory.
     */
    public static PrivateContainerd startInTempDir(Path scripts) {
        Path base;
        try {
            base = Files.createTempDirectory(Path.of("/tmp"), "resizelet-ctd-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for containerd", e);
        }
        PrivateContainerd containerd = new PrivateContainerd(scripts, base);
        try {
            containerd.run("start.sh");
        } catch (RuntimeException e) {
            try {
                containerd.close();
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
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

    /** Stops the daemon, removes every task, shim and mount it left, then deletes its directory. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (Files.isDirectory(dir)) {
            run("stop.sh");
        }
        try (Stream<Path> walk = Files.walk(base)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the containerd directory " + base
                    + " (a mount left under it?)", e);
        }
    }

    private void run(String script, String... args) {
        List<String> command = new ArrayList<>(List.of("bash", scripts.resolve(script).toString(), dir.toString()));
        command.addAll(List.of(args));
        Path output = base.resolve(script + ".out");
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
