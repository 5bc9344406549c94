package dev.resizelet.cgroups;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;

/** The filesystem seam of the cgroups module: the real kernel files, or a temp tree, or a failing fake in tests. */
public interface CgroupFs {
    void write(Path file, String value) throws IOException;

    /** The trimmed content of {@code file}, or empty if it does not exist. */
    Optional<String> read(Path file) throws IOException;

    void mkdirs(Path dir) throws IOException;

    /** Removes an empty directory (a cgroup); a missing one is fine. */
    void rmdir(Path dir) throws IOException;

    boolean exists(Path path);

    /** The sub-directories (child cgroups) of {@code dir}; empty if it does not exist. */
    default List<Path> listDirectories(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var entries = Files.list(dir)) {
            return entries.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).sorted().toList();
        }
    }

    static CgroupFs real() {
        return RealCgroupFs.INSTANCE;
    }

    /** The JDK filesystem. On cgroupfs, files exist already; on a temp tree, writes create them. */
    enum RealCgroupFs implements CgroupFs {
        INSTANCE;

        @Override
        public void write(Path file, String value) throws IOException {
            Files.writeString(file, value, StandardCharsets.US_ASCII,
                    StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        }

        @Override
        public Optional<String> read(Path file) throws IOException {
            try {
                return Optional.of(Files.readString(file, StandardCharsets.US_ASCII).trim());
            } catch (NoSuchFileException e) {
                return Optional.empty();
            }
        }

        @Override
        public void mkdirs(Path dir) throws IOException {
            Files.createDirectories(dir);
        }

        @Override
        public void rmdir(Path dir) throws IOException {
            if (!Files.isDirectory(dir)) {
                return;
            }
            try {
                Files.delete(dir);
            } catch (NoSuchFileException e) {
                // already gone
            } catch (DirectoryNotEmptyException e) {
                // a temp tree holds regular files the kernel would not have: remove them, then the dir
                try (var files = Files.list(dir)) {
                    for (Path f : (Iterable<Path>) files::iterator) {
                        if (Files.isDirectory(f)) {
                            throw e;
                        }
                        Files.delete(f);
                    }
                }
                Files.delete(dir);
            }
        }

        @Override
        public boolean exists(Path path) {
            return Files.exists(path);
        }
    }
}
