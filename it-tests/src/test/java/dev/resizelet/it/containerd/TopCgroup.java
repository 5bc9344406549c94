package dev.resizelet.it.containerd;

import static java.util.Objects.requireNonNull;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A test-owned top cgroup ({@code resizelet-it-<random>}) under a cgroup v1 root, in place of the
 * machine's {@code kubepods}: tests put their pods below it and {@link #close()} removes it from
 * every hierarchy (cpu, cpuacct, memory, pids, cpuset, blkio, devices, freezer, systemd, ... —
 * whatever runc created), deepest first, killing any process still inside. Never touches a
 * cgroup outside {@code <root>/<hierarchy>/<name>}.
 */
public final class TopCgroup implements AutoCloseable {

    public static final String CPU = "cpu";
    public static final String MEMORY = "memory";

    private static final Pattern NAME = Pattern.compile("resizelet-it-[0-9a-f]{12}");
    private static final Duration REMOVE_TIMEOUT = Duration.ofSeconds(15);

    private final Path root;
    private final String name;

    private TopCgroup(Path root, String name) {
        this.root = requireNonNull(root, "root");
        this.name = requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("test top cgroup name must match " + NAME + ": " + name);
        }
    }

    /** A fresh unique top name under {@code root} (nothing is created yet). */
    public static TopCgroup create(Path root) {
        byte[] random = new byte[6];
        new SecureRandom().nextBytes(random);
        return new TopCgroup(root, "resizelet-it-" + HexFormat.of().formatHex(random));
    }

    /** The cgroup root, e.g. {@code /sys/fs/cgroup}. */
    public Path root() {
        return root;
    }

    /** The top name, e.g. {@code resizelet-it-0123456789ab}. */
    public String name() {
        return name;
    }

    /** The CRI cgroup_parent of a pod directly under the top (cgroupfs driver): {@code /<top>/pod<uid>}. */
    public String podParent(String podUid) {
        return "/" + name + "/pod" + requireSafe(podUid);
    }

    /** {@code <root>/<controller>/<top>/pod<uid>}. */
    public Path podDir(String controller, String podUid) {
        return hierarchy(controller).resolve(name).resolve("pod" + requireSafe(podUid));
    }

    /** {@code <root>/<controller>/<top>/pod<uid>/<containerId>}. */
    public Path containerDir(String controller, String podUid, String containerId) {
        return podDir(controller, podUid).resolve(requireSafe(containerId));
    }

    /** Creates the pod cgroup in the cpu and memory hierarchies, as the agent does before RunPodSandbox. */
    public void createPod(String podUid) {
        for (String controller : List.of(CPU, MEMORY)) {
            try {
                Files.createDirectories(podDir(controller, podUid));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create pod cgroup " + podDir(controller, podUid), e);
            }
        }
    }

    /** Every directory of this top in every hierarchy, deepest first. */
    public List<Path> directories() {
        List<Path> dirs = new ArrayList<>();
        for (Path hierarchy : hierarchies()) {
            Path top = hierarchy.resolve(name);
            if (Files.isDirectory(top)) {
                try {
                    // the agent may be removing cgroups while we look: a vanished entry is not an error
                    Files.walkFileTree(top, new java.nio.file.SimpleFileVisitor<>() {
                        @Override
                        public java.nio.file.FileVisitResult preVisitDirectory(Path dir,
                                java.nio.file.attribute.BasicFileAttributes attrs) {
                            dirs.add(dir);
                            return java.nio.file.FileVisitResult.CONTINUE;
                        }

                        @Override
                        public java.nio.file.FileVisitResult visitFileFailed(Path file, IOException e)
                                throws IOException {
                            if (e instanceof java.nio.file.NoSuchFileException) {
                                return java.nio.file.FileVisitResult.CONTINUE;
                            }
                            throw e;
                        }
                    });
                } catch (java.nio.file.NoSuchFileException e) {
                    // the whole top went away meanwhile
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot list " + top, e);
                }
            }
        }
        dirs.sort(Comparator.comparingInt(Path::getNameCount).reversed());
        return List.copyOf(dirs);
    }

    /**
     * Removes the top from every hierarchy, deepest first; processes still inside are killed
     * first. Fails, naming what is left, if a directory cannot be removed.
     */
    @Override
    public void close() {
        List<String> failures = new ArrayList<>();
        for (Path dir : directories()) {
            try {
                killProcessesIn(dir);
                await("rmdir " + dir).atMost(REMOVE_TIMEOUT).pollInterval(Duration.ofMillis(50))
                        .ignoreExceptionsInstanceOf(IOException.class)
                        .until(() -> {
                            Files.deleteIfExists(dir); // rmdir(2): a cgroup directory goes with its control files
                            return true;
                        });
            } catch (RuntimeException e) {
                failures.add(dir + ": " + e.getMessage());
            }
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("test cgroups left behind: " + failures);
        }
    }

    private static void killProcessesIn(Path dir) {
        Path procs = dir.resolve("cgroup.procs");
        List<Long> pids = pids(procs);
        pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        if (!pids.isEmpty()) {
            await("processes leave " + dir).atMost(REMOVE_TIMEOUT).pollInterval(Duration.ofMillis(50))
                    .until(() -> pids(procs).isEmpty());
        }
    }

    /** The pids in a cgroup.procs (or tasks) file; empty if the cgroup is gone. */
    public static List<Long> pids(Path procsFile) {
        try {
            return Files.readAllLines(procsFile).stream().map(String::trim).filter(s -> !s.isEmpty())
                    .map(Long::parseLong).toList();
        } catch (NoSuchFileException gone) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + procsFile, e);
        }
    }

    private List<Path> hierarchies() {
        try (Stream<Path> list = Files.list(root)) {
            return list.filter(Files::isDirectory).filter(p -> !Files.isSymbolicLink(p)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list cgroup hierarchies under " + root, e);
        }
    }

    private Path hierarchy(String controller) {
        return root.resolve(requireSafe(controller));
    }

    private static String requireSafe(String part) {
        requireNonNull(part, "cgroup name part");
        if (part.isEmpty() || part.equals(".") || part.equals("..") || part.contains("/") || part.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("not a single cgroup name: '" + part + "'");
        }
        return part;
    }
}
