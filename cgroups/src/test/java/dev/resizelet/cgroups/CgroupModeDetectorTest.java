package dev.resizelet.cgroups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CgroupModeDetectorTest {
    private static final Path SYS_FS_CGROUP = Path.of("/sys/fs/cgroup");

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0} -> {1} ({2})")
    @CsvSource({
            "v1.mountinfo, V1, V1",
            "v2.mountinfo, V2, V2",
            "hybrid-systemd.mountinfo, HYBRID, V1",
            "hybrid-this-machine.mountinfo, HYBRID, V1",
            "hybrid.mounts, HYBRID, V1",  // /proc/mounts format
    })
    void detectsTheModeFromTheMountTable(String fixture, CgroupMode mode, CgroupVersion version) throws Exception {
        DetectedCgroupMode detected = new CgroupModeDetector(fixture(fixture)).detect(SYS_FS_CGROUP);

        assertThat(detected.mode()).isEqualTo(mode);
        assertThat(detected.version()).isEqualTo(version);
        assertThat(detected.root()).isEqualTo(SYS_FS_CGROUP);
        assertThat(detected.evidence()).contains(fixture);
    }

    @Test
    void v1ReportsWhereEachControllerIsMounted() throws Exception {
        DetectedCgroupMode detected = new CgroupModeDetector(fixture("v1.mountinfo")).detect(SYS_FS_CGROUP);

        assertThat(detected.v1Controllers()).containsEntry("cpu", Path.of("/sys/fs/cgroup/cpu,cpuacct"))
                .containsEntry("cpuacct", Path.of("/sys/fs/cgroup/cpu,cpuacct"))
                .containsEntry("memory", Path.of("/sys/fs/cgroup/memory"))
                .containsEntry("pids", Path.of("/sys/fs/cgroup/pids"))
                .doesNotContainKey("name=systemd");
        assertThat(detected.unifiedMount()).isEmpty();
    }

    @Test
    void hybridNamesItsUnifiedMount() throws Exception {
        DetectedCgroupMode detected = new CgroupModeDetector(fixture("hybrid-systemd.mountinfo")).detect(SYS_FS_CGROUP);

        assertThat(detected.unifiedMount()).contains(Path.of("/sys/fs/cgroup/unified"));
        assertThat(detected.evidence()).contains("hybrid, driven as v1");
    }

    @Test
    void v1WithoutTheMemoryControllerIsAnErrorNamingIt() throws Exception {
        Path table = fixture("v1-no-memory.mountinfo");

        assertThatThrownBy(() -> new CgroupModeDetector(table).detect(SYS_FS_CGROUP))
                .isInstanceOf(CgroupException.class)
                .hasMessageContaining("the memory controller is not")
                .hasMessageContaining(table.toString());
    }

    @Test
    void mountPointsWithOctalEscapesAreDecoded() throws Exception {
        DetectedCgroupMode detected = new CgroupModeDetector(fixture("v2-escaped.mountinfo"))
                .detect(Path.of("/tmp/my cgroups"));

        assertThat(detected.mode()).isEqualTo(CgroupMode.V2);
        assertThat(CgroupModeDetector.unescape("a\\040b\\134c\\011")).isEqualTo("a b\\c\t");
        assertThat(CgroupModeDetector.unescape("no\\escape\\09")).isEqualTo("no\\escape\\09");
    }

    @Test
    void mountsUnderAnotherRootAreIgnored() throws Exception {
        // the v2 fixture mounts cgroup2 at /sys/fs/cgroup, which is not the tree asked about
        Files.writeString(tmp.resolve("cgroup.controllers"), "cpu memory\n");

        DetectedCgroupMode detected = new CgroupModeDetector(fixture("v1.mountinfo")).detect(tmp);

        assertThat(detected.mode()).isEqualTo(CgroupMode.V2);
        assertThat(detected.evidence()).contains("cgroup.controllers").contains("v2 tree");
    }

    @Test
    void aPlainTreeWithCpuAndMemoryDirectoriesIsV1() throws Exception {
        Files.createDirectories(tmp.resolve("cpu"));
        Files.createDirectories(tmp.resolve("memory"));

        DetectedCgroupMode detected = new CgroupModeDetector(fixture("none.mountinfo")).detect(tmp);

        assertThat(detected.mode()).isEqualTo(CgroupMode.V1);
        assertThat(detected.v1Controllers()).isEqualTo(Map.of("cpu", tmp.resolve("cpu"), "memory", tmp.resolve("memory")));
    }

    @Test
    void aTreeWithNeitherMarkerIsAnErrorSayingWhatWasLookedFor() throws Exception {
        Files.createDirectories(tmp.resolve("cpu"));

        assertThatThrownBy(() -> new CgroupModeDetector(fixture("none.mountinfo")).detect(tmp))
                .isInstanceOf(CgroupException.class)
                .hasMessageContaining("cannot tell the cgroup mode of " + tmp)
                .hasMessageContaining("neither cgroup.controllers (v2) nor cpu/ and memory/ directories (v1)");
    }

    @Test
    void anUnreadableMountTableIsAnErrorNamingIt() {
        Path missing = tmp.resolve("no-such-mountinfo");

        assertThatThrownBy(() -> new CgroupModeDetector(missing).detect(SYS_FS_CGROUP))
                .isInstanceOf(CgroupException.class)
                .hasMessageContaining("cannot read the mount table " + missing);
    }

    @Test
    void aGarbledLineIsAnErrorWithItsNumber() throws IOException {
        Path table = tmp.resolve("mountinfo");
        Files.writeString(table, "22 27 0:20 / /sys rw - sysfs sysfs rw\ngarbage\n");

        assertThatThrownBy(() -> new CgroupModeDetector(table).detect(SYS_FS_CGROUP))
                .isInstanceOf(CgroupException.class)
                .hasMessageContaining("unexpected line 2 in mount table " + table);
    }

    @Test
    void configFollowsTheDetectedVersion() throws Exception {
        DetectedCgroupMode hybrid = new CgroupModeDetector(fixture("hybrid-systemd.mountinfo")).detect(SYS_FS_CGROUP);

        CgroupConfig config = CgroupConfig.of(hybrid, "kubepods", CgroupDriver.CGROUPFS);

        assertThat(config.version()).isEqualTo(CgroupVersion.V1);
        assertThat(config.root()).isEqualTo(SYS_FS_CGROUP);
        assertThat(config.weightScale()).isEqualTo(CpuWeightScale.LINEAR);
    }

    private static Path fixture(String name) throws URISyntaxException {
        return Path.of(CgroupModeDetectorTest.class.getResource("/mountinfo/" + name).toURI());
    }
}
