package dev.resizelet.cgroups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JDK filesystem seam reads and writes control files as Files.readString/writeString did, in smaller buffers. */
class RealCgroupFsTest {
    private final CgroupFs fs = CgroupFs.real();

    @TempDir
    Path dir;

    @Test
    void aWriteReplacesTheWholeFileAndReadsBackTrimmed() throws Exception {
        Path f = dir.resolve("memory.limit_in_bytes");
        fs.write(f, "9223372036854771712\n");

        fs.write(f, "1024");

        assertThat(Files.readString(f)).isEqualTo("1024");
        assertThat(fs.read(f)).contains("1024");
    }

    @Test
    void aFileLongerThanTheFirstBufferIsReadWhole() throws Exception {
        Path f = dir.resolve("cgroup.procs");
        String pids = "1\n".repeat(300);
        Files.writeString(f, pids);

        assertThat(fs.read(f)).contains(pids.trim());
        assertThat(fs.read(f).orElseThrow()).hasSize(599);
    }

    @Test
    void aMissingFileIsEmptyAndANonAsciiByteIsRefused() throws Exception {
        Path f = dir.resolve("cpu.max");
        Files.write(f, "m\u00e4x".getBytes(StandardCharsets.ISO_8859_1));

        assertThat(fs.read(dir.resolve("absent"))).isEmpty();
        assertThatThrownBy(() -> fs.read(f)).isInstanceOf(MalformedInputException.class);
        assertThatThrownBy(() -> fs.write(f, "m\u00e4x")).isInstanceOf(java.nio.charset.CharacterCodingException.class);
        assertThat(Files.readAllBytes(f)).hasSize(3).as("an unwritable value leaves the file as it was");
    }
}
