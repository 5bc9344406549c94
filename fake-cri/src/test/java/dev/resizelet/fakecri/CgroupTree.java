package dev.resizelet.fakecri;

import dev.resizelet.cgroups.CgroupConfig;
import dev.resizelet.cgroups.CgroupDriver;
import dev.resizelet.cgroups.CgroupFs;
import dev.resizelet.cgroups.CgroupManager;
import dev.resizelet.cgroups.CgroupVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** A temporary cgroup tree and helpers to read it. */
final class CgroupTree {
    final Path root;
    final CgroupManager manager;

    CgroupTree(Path root, CgroupVersion version) {
        this.root = root;
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.manager = new CgroupManager(new CgroupConfig(root, "kubepods", version, CgroupDriver.CGROUPFS),
                CgroupFs.real());
    }

    /** The file's trimmed content; null if absent. */
    String read(String relative) {
        Path f = root.resolve(relative);
        try {
            return Files.exists(f) ? Files.readString(f).trim() : null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    boolean exists(String relative) {
        return Files.exists(root.resolve(relative));
    }

    /** Every directory and file in the tree with its content, to show that nothing changed. */
    Map<String, String> snapshot() {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(root)) {
            paths.forEach(p -> {
                String key = root.relativize(p).toString();
                try {
                    out.put(key, Files.isDirectory(p) ? "<dir>" : Files.readString(p));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
