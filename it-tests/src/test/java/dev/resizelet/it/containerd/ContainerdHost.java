package dev.resizelet.it.containerd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Whether this machine can run the real-containerd suite: root, cgroup v1 cpu and memory
 * controllers, and the binaries that {@code scripts/containerd/install.sh} installs.
 */
final class ContainerdHost {

    static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");
    static final List<String> BINARIES = List.of("containerd", "ctr", "runc", "containerd-shim-runc-v2");
    static final Path BUSYBOX = Path.of("/bin/busybox");

    private ContainerdHost() {
    }

    /** Why the machine cannot run the suite at all (not root, no v1 controllers), if so. */
    static Optional<String> whyNoHost() {
        try {
            Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            if (!Integer.valueOf(0).equals(uid)) {
                return Optional.of("not root (uid " + uid + "): a real containerd and /sys/fs/cgroup writes need root");
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return Optional.of("cannot tell the user id from /proc/self: " + e);
        }
        for (String file : List.of("cpu/cpu.shares", "memory/memory.limit_in_bytes")) {
            Path path = CGROUP_ROOT.resolve(file);
            if (!Files.isWritable(path)) {
                return Optional.of("no writable cgroup v1 controller file " + path
                        + ": the suite needs the v1 cpu and memory controllers");
            }
        }
        return Optional.empty();
    }

    /** The binaries missing for a real containerd run; empty when everything is installed. */
    static List<String> missingBinaries() {
        List<String> missing = new ArrayList<>();
        List<Path> path = pathDirectories();
        for (String binary : BINARIES) {
            if (path.stream().noneMatch(dir -> Files.isExecutable(dir.resolve(binary)))) {
                missing.add(binary);
            }
        }
        if (!Files.isExecutable(BUSYBOX)) {
            missing.add(BUSYBOX + " (busybox-static)");
        }
        return List.copyOf(missing);
    }

    private static List<Path> pathDirectories() {
        String path = System.getenv().getOrDefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        List<Path> dirs = new ArrayList<>();
        for (String dir : path.split(":")) {
            if (!dir.isEmpty()) {
                dirs.add(Path.of(dir));
            }
        }
        return dirs;
    }
}
