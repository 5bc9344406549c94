package dev.resizelet.cgroups;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Decides v1, v2 or hybrid from the mount table ({@code /proc/self/mountinfo} or {@code /proc/mounts}
 * format) and the cgroup root, never from the kernel version:
 * <ol>
 * <li>a {@code cgroup2} mount at the root is v2;</li>
 * <li>{@code cgroup} (v1) mounts under the root are v1, or hybrid when a {@code cgroup2} mount also sits
 * under the root (systemd's {@code unified}); v1 needs the {@code cpu} and {@code memory} controllers;</li>
 * <li>no cgroup mount under the root (a temp tree in tests and simulation): {@code cgroup.controllers} at the
 * root is v2, {@code cpu/} and {@code memory/} directories are v1.</li>
 * </ol>
 */
public final class CgroupModeDetector {
    public static final Path PROC_SELF_MOUNTINFO = Path.of("/proc/self/mountinfo");
    public static final Path DEFAULT_ROOT = Path.of("/sys/fs/cgroup");

    private static final Set<String> V1_CONTROLLERS = Set.of("cpu", "cpuacct", "cpuset", "memory", "devices",
            "freezer", "net_cls", "blkio", "perf_event", "net_prio", "hugetlb", "pids", "rdma", "misc");
    private static final List<String> REQUIRED = List.of("cpu", "memory");

    private final Path mountTable;

    public CgroupModeDetector(Path mountTable) {
        this.mountTable = requireNonNull(mountTable, "mountTable");
    }

    /** Detects the host's mode from {@code /proc/self/mountinfo} and {@code /sys/fs/cgroup}. */
    public static DetectedCgroupMode detectHost() {
        return new CgroupModeDetector(PROC_SELF_MOUNTINFO).detect(DEFAULT_ROOT);
    }

    public DetectedCgroupMode detect(Path cgroupRoot) {
        Path root = requireNonNull(cgroupRoot, "cgroupRoot").toAbsolutePath().normalize();
        List<Mount> mounts = readMounts();

        Optional<Path> unifiedAtRoot = mounts.stream()
                .filter(m -> m.fsType().equals("cgroup2") && m.mountPoint().equals(root))
                .map(Mount::mountPoint).findFirst();
        if (unifiedAtRoot.isPresent()) {
            return new DetectedCgroupMode(CgroupMode.V2, root, Map.of(), unifiedAtRoot,
                    "cgroup2 is mounted at " + root + " (" + mountTable + ")" + controllersNote(root));
        }

        Map<String, Path> v1 = new LinkedHashMap<>();
        Optional<Path> unifiedBelow = Optional.empty();
        for (Mount m : mounts) {
            if (!m.mountPoint().startsWith(root) || m.mountPoint().equals(root)) {
                continue;
            }
            if (m.fsType().equals("cgroup")) {
                for (String option : m.options()) {
                    if (V1_CONTROLLERS.contains(option)) {
                        v1.putIfAbsent(option, m.mountPoint());
                    }
                }
            } else if (m.fsType().equals("cgroup2") && unifiedBelow.isEmpty()) {
                unifiedBelow = Optional.of(m.mountPoint());
            }
        }
        if (!v1.isEmpty()) {
            Set<String> missing = new TreeSet<>(REQUIRED);
            missing.removeAll(v1.keySet());
            if (!missing.isEmpty()) {
                throw new CgroupException("cgroup v1 is mounted under " + root + " but the " + String.join(", ", missing)
                        + " controller is not (mounted: " + new TreeSet<>(v1.keySet()) + ", from " + mountTable
                        + "); the agent needs cpu and memory", null);
            }
            if (unifiedBelow.isPresent()) {
                return new DetectedCgroupMode(CgroupMode.HYBRID, root, v1, unifiedBelow,
                        "cgroup v1 controllers " + new TreeSet<>(v1.keySet()) + " are mounted under " + root
                                + " and cgroup2 at " + unifiedBelow.get() + controllersNote(unifiedBelow.get())
                                + " (" + mountTable + "): hybrid, driven as v1");
            }
            return new DetectedCgroupMode(CgroupMode.V1, root, v1, Optional.empty(),
                    "cgroup v1 controllers " + new TreeSet<>(v1.keySet()) + " are mounted under " + root
                            + " (" + mountTable + ")");
        }

        // No cgroup mount under the root: a plain directory tree (tests, simulation). Decide from its files.
        if (Files.isRegularFile(root.resolve("cgroup.controllers"))) {
            return new DetectedCgroupMode(CgroupMode.V2, root, Map.of(), Optional.of(root),
                    "no cgroup mount under " + root + " in " + mountTable + "; " + root.resolve("cgroup.controllers")
                            + " exists: v2 tree");
        }
        if (Files.isDirectory(root.resolve("cpu")) && Files.isDirectory(root.resolve("memory"))) {
            return new DetectedCgroupMode(CgroupMode.V1, root,
                    Map.of("cpu", root.resolve("cpu"), "memory", root.resolve("memory")), Optional.empty(),
                    "no cgroup mount under " + root + " in " + mountTable + "; " + root
                            + " has cpu/ and memory/ directories: v1 tree");
        }
        throw new CgroupException("cannot tell the cgroup mode of " + root + ": no cgroup or cgroup2 mount under it in "
                + mountTable + ", and it has neither cgroup.controllers (v2) nor cpu/ and memory/ directories (v1)",
                null);
    }

    private static String controllersNote(Path dir) {
        Path f = dir.resolve("cgroup.controllers");
        try {
            if (Files.isRegularFile(f)) {
                String c = Files.readString(f, StandardCharsets.US_ASCII).trim();
                return " with controllers [" + c + "]";
            }
        } catch (IOException e) {
            return " (" + f + " unreadable: " + CgroupWriteException.reason(e) + ")";
        }
        return "";
    }

    private List<Mount> readMounts() {
        List<String> lines;
        try {
            lines = Files.readAllLines(mountTable, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CgroupException("cannot read the mount table " + mountTable + ": " + CgroupWriteException.reason(e), e);
        }
        List<Mount> mounts = new ArrayList<>();
        int lineNo = 0;
        for (String line : lines) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            mounts.add(parse(line, lineNo));
        }
        return mounts;
    }

    /** One mount: mountinfo ({@code id parent dev root mountpoint opts [tags] - fstype source superopts}) or fstab style. */
    private Mount parse(String line, int lineNo) {
        String[] f = line.trim().split("\\s+");
        int dash = -1;
        for (int i = 6; i < f.length; i++) {
            if (f[i].equals("-")) {
                dash = i;
                break;
            }
        }
        if (dash > 0 && dash + 3 <= f.length) {
            List<String> options = new ArrayList<>(List.of(f[5].split(",")));
            if (dash + 3 < f.length) {
                options.addAll(List.of(f[dash + 3].split(",")));
            }
            return new Mount(Path.of(unescape(f[4])).normalize(), f[dash + 1], options);
        }
        if (f.length >= 4) {
            return new Mount(Path.of(unescape(f[1])).normalize(), f[2], List.of(f[3].split(",")));
        }
        throw new CgroupException("unexpected line " + lineNo + " in mount table " + mountTable + ": \"" + line + "\"", null);
    }

    /** The kernel escapes space, tab, newline and backslash in mount points as octal ({@code \040}). */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && isOctal(s, i + 1)) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '7') {
                return false;
            }
        }
        return true;
    }

    private record Mount(Path mountPoint, String fsType, List<String> options) {
    }
}
