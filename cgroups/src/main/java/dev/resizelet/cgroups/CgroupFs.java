package dev.resizelet.cgroups;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.Set;

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

        private static final Set<StandardOpenOption> WRITE = Set.of(StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        /** Control files hold a number or two: read into this much first (Files.readString starts at 8 KiB). */
        private static final int FIRST_READ = 64;

        @Override
        public void write(Path file, String value) throws IOException {
            if (!isAscii(value)) {
                Files.writeString(file, value, StandardCharsets.US_ASCII, WRITE.toArray(new StandardOpenOption[0]));
                return; // it throws, as it always did for a value US-ASCII cannot encode
            }
            try (SeekableByteChannel out = Files.newByteChannel(file, WRITE)) {
                ByteBuffer bytes = ByteBuffer.wrap(value.getBytes(StandardCharsets.US_ASCII));
                while (bytes.hasRemaining()) {
                    out.write(bytes);
                }
            }
        }

        @Override
        public Optional<String> read(Path file) throws IOException {
            try (SeekableByteChannel in = Files.newByteChannel(file)) {
                ByteBuffer buffer = ByteBuffer.allocate(FIRST_READ);
                while (in.read(buffer) >= 0) {
                    if (!buffer.hasRemaining()) {
                        buffer = ByteBuffer.allocate(buffer.capacity() * 2).put(buffer.flip());
                    }
                }
                for (int i = 0; i < buffer.position(); i++) {
                    if (buffer.get(i) < 0) {
                        throw new MalformedInputException(1); // as Files.readString reports a byte US-ASCII lacks
                    }
                }
                return Optional.of(new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).trim());
            } catch (NoSuchFileException e) {
                return Optional.empty();
            }
        }

        private static boolean isAscii(String s) {
            for (int i = 0; i < s.length(); i++) {
                if (s.charAt(i) > 0x7F) {
                    return false;
                }
            }
            return true;
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
