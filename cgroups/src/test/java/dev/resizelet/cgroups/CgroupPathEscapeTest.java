package dev.resizelet.cgroups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Names from input (pod UID, container id, cgroup parent) never steer a file operation outside the root: they
 * are rejected before any file is touched. Percent-encoding is never decoded, so {@code %2e%2e} is a literal,
 * harmless directory name inside the root.
 */
class CgroupPathEscapeTest {
    private static final CgroupResources RESOURCES = new CgroupResources(1024L, 100_000L, 100_000L, 64L << 20);

    @TempDir
    Path tmp;
    private Path root;
    private CgroupManager m;
    private Map<String, String> before;

    @BeforeEach
    void tree() throws Exception {
        root = tmp.resolve("cgroup");
        m = CgroupTrees.manager(root, CgroupVersion.V1);
        m.create(m.layout().tier(QosTier.BURSTABLE));
        Files.writeString(tmp.resolve("outside"), "do not touch");
        before = CgroupTrees.snapshot(tmp);
    }

    @ParameterizedTest(name = "pod uid \"{0}\"")
    @ValueSource(strings = {"..", "../", "../../etc", "/etc", "a/../../..", "a/b", ".", "", "a\\b", "..\\..", "a\0b",
            "a\nb", "\0"})
    void hostilePodUidsAreRejectedBeforeAnyFileIsTouched(String uid) {
        assertRejected(() -> m.set(m.layout().pod(QosTier.BURSTABLE, uid), RESOURCES));
    }

    @ParameterizedTest(name = "container id \"{0}\"")
    @ValueSource(strings = {"..", "../", "../../../etc/passwd", "/etc", "x/..", ".", "", "c\\d", "c\0d"})
    void hostileContainerIdsAreRejectedBeforeAnyFileIsTouched(String id) {
        CgroupName pod = m.layout().pod(QosTier.BURSTABLE, "uid-1");
        assertRejected(() -> m.create(m.layout().container(pod, id)));
    }

    @ParameterizedTest(name = "cgroup parent \"{0}\"")
    @ValueSource(strings = {"kubepods/../../etc", "../etc", "/..", "kubepods//burstable", "//etc", "/", "", "kubepods/",
            "kubepods/\0/x", "kubepods\\..\\..\\etc"})
    void hostileCgroupParentsAreRejectedBeforeAnyFileIsTouched(String parent) {
        assertRejected(() -> m.set(CgroupName.parse(parent), RESOURCES));
    }

    @ParameterizedTest(name = "segment \"{0}\"")
    @ValueSource(strings = {"..", ".", "", "a/b", "a\\b", "a\0b"})
    void hostileSegmentsAreRejectedEverywhereANameIsBuilt(String segment) {
        assertRejected(() -> m.create(CgroupName.of("kubepods", segment)));
        assertRejected(() -> m.create(m.layout().top().child(segment)));
        assertRejected(() -> new CgroupConfig(root, segment, CgroupVersion.V1, CgroupDriver.CGROUPFS));
        assertRejected(() -> new CgroupLayout(segment, CgroupDriver.SYSTEMD));
    }

    @Test
    void aLongSegmentIsRejected() {
        assertRejected(() -> m.create(m.layout().pod(QosTier.BURSTABLE, "x".repeat(256))));
    }

    @Test
    void theErrorQuotesTheNameAndSaysWhy() {
        assertThatThrownBy(() -> m.layout().pod(QosTier.BURSTABLE, "../../etc"))
                .isInstanceOfSatisfying(InvalidCgroupNameException.class,
                        e -> assertThat(e.name()).isEqualTo("../../etc"))
                .hasMessage("invalid cgroup name \"../../etc\": contains a '/', '\\' or control character");
        assertThatThrownBy(() -> m.layout().pod(QosTier.BURSTABLE, ".."))
                .hasMessage("invalid cgroup name \"..\": '..' would leave the cgroup root");
        assertThatThrownBy(() -> CgroupName.parse("kubepods//x"))
                .hasMessage("invalid cgroup name \"kubepods//x\": empty path segment");
        assertThatThrownBy(() -> m.layout().pod(QosTier.BURSTABLE, "a\0b"))
                .hasMessage("invalid cgroup name \"a\\u0000b\": contains a '/', '\\' or control character");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(CgroupVersion.class)
    void percentEncodingIsALiteralNameInsideTheRoot(CgroupVersion version) {
        Path vroot = tmp.resolve("v-" + version);
        CgroupManager mv = CgroupTrees.manager(vroot, version);
        CgroupName pod = mv.layout().pod(QosTier.BURSTABLE, "%2e%2e");
        CgroupName container = mv.layout().container(pod, "%2E%2E%2Fetc");

        mv.create(container);
        mv.set(container, RESOURCES);

        Path base = version == CgroupVersion.V1 ? vroot.resolve("cpu") : vroot;
        Path dir = base.resolve("kubepods/burstable/pod%2e%2e/%2E%2E%2Fetc");
        assertThat(dir).isDirectory();
        assertThat(mv.dirs(container)).allSatisfy(d -> assertThat(d.normalize()).startsWith(vroot));
        Map<String, String> after = CgroupTrees.snapshot(tmp);
        assertThat(after).as("nothing that existed changed").containsAllEntriesOf(before);
        assertThat(after.keySet()).as("everything new is inside the v%s root", version)
                .filteredOn(p -> !before.containsKey(p))
                .allSatisfy(p -> assertThat(p).startsWith("v-" + version));
    }

    @Test
    void anAbsoluteCgroupParentIsRelativeToTheRoot() {
        // CRI's cgroup_parent is absolute in the hierarchy: "/etc" is <root>/cpu/etc, never the host's /etc
        CgroupName name = CgroupName.parse("/etc");

        assertThat(m.dirs(name)).containsExactly(root.resolve("cpu/etc"), root.resolve("memory/etc"));
    }

    private void assertRejected(Executable action) {
        assertThatThrownBy(action::execute).isInstanceOf(InvalidCgroupNameException.class);
        assertThat(CgroupTrees.snapshot(tmp)).as("the tree is unchanged").isEqualTo(before);
    }
}
