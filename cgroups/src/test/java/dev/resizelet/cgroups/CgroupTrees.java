package dev.resizelet.cgroups;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Temp-dir cgroup trees for tests: a v1 tree (cpu/ and memory/) or a v2 tree (cgroup.controllers at the root). */
final class CgroupTrees {
    private CgroupTrees() {
    }

    static CgroupManager manager(Path root, CgroupVersion version) {
        try {
            if (version == CgroupVersion.V1) {
                Files.createDirectories(root.resolve("cpu"));
                Files.createDirectories(root.resolve("memory"));
            } else {
                Files.createDirectories(root);
                Files.writeString(root.resolve("cgroup.controllers"), "cpuset cpu io memory pids\n");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new CgroupManager(new CgroupConfig(root, "kubepods", version, CgroupDriver.CGROUPFS), CgroupFs.real());
    }

    /** Every path under {@code root} (relative) with its content ("<dir>" for directories). */
    static Map<String, String> snapshot(Path root) {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                out.put(root.relativize(p).toString(),
                        Files.isDirectory(p) ? "<dir>" : Files.readString(p, StandardCharsets.US_ASCII));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
