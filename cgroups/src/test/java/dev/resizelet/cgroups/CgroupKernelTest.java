package dev.resizelet.cgroups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Against the real kernel: a test-owned hierarchy {@code resizelet-test-<random>} under the host's cgroup v1
 * {@code cpu} and {@code memory} mounts, removed after every test (children first), also after a failure.
 * Runs as root on a v1 or hybrid host; skipped elsewhere with the reason.
 */
class CgroupKernelTest {
    private static final Path ROOT = CgroupModeDetector.DEFAULT_ROOT;
    private static final long MIB = 1024 * 1024;
    private static final int HOG_MIB = 50;

    private CgroupManager m;
    private CgroupName pod;
    private CgroupName container;
    private Process child;

    @BeforeAll
    static void requireRootOnCgroupV1() throws IOException {
        assumeTrue(System.getProperty("os.name").startsWith("Linux"), "cgroups exist on Linux only");
        assumeTrue(isRoot(), "needs root to create cgroups under " + ROOT + " (running as uid " + uid() + ")");
        DetectedCgroupMode mode;
        try {
            mode = CgroupModeDetector.detectHost();
        } catch (CgroupException e) {
            assumeTrue(false, "no usable cgroup hierarchy: " + e.getMessage());
            return;
        }
        assumeTrue(mode.version() == CgroupVersion.V1,
                "needs cgroup v1 cpu and memory mounts under " + ROOT + "; this host is " + mode.mode() + ": "
                        + mode.evidence());
        assumeTrue(Files.isWritable(ROOT.resolve("cpu")) && Files.isWritable(ROOT.resolve("memory")),
                ROOT + "/cpu and " + ROOT + "/memory are not writable");
    }

    @BeforeEach
    void ownHierarchy() {
        String top = "resizelet-test-" + UUID.randomUUID().toString().substring(0, 8);
        m = new CgroupManager(new CgroupConfig(ROOT, top, CgroupVersion.V1, CgroupDriver.CGROUPFS), CgroupFs.real());
        pod = m.layout().pod(QosTier.BURSTABLE, UUID.randomUUID().toString());
        container = m.layout().container(pod, "c1");
    }

    @AfterEach
    void removeEverythingTheTestCreated() throws InterruptedException {
        try {
            if (child != null) {
                child.destroyForcibly();
                assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("child exited").isTrue();
            }
        } finally {
            m.removeTree(m.layout().top());
            assertThat(m.exists(m.layout().top())).as("test hierarchy removed").isFalse();
            assertThat(ROOT.resolve("cpu").resolve(m.config().topName())).doesNotExist();
            assertThat(ROOT.resolve("memory").resolve(m.config().topName())).doesNotExist();
        }
    }

    @Test
    void theHostsModeComesFromItsMountTable() {
        DetectedCgroupMode mode = CgroupModeDetector.detectHost();

        assertThat(mode.mode()).isIn(CgroupMode.V1, CgroupMode.HYBRID);
        assertThat(mode.v1Controllers()).containsKeys("cpu", "memory");
        assertThat(mode.evidence()).contains("/proc/self/mountinfo");
    }

    /**
     * v1 refuses a pod quota below a child's (EINVAL): the error names the child that holds the larger quota (a
     * container's cgroup the runtime has not removed), so a resize stuck on it says why.
     */
    @Test
    void aPodQuotaBelowAChildsIsRefusedNamingTheChild() throws IOException {
        m.create(container);
        m.set(pod, new CgroupResources(null, 50_000L, 100_000L, null));
        m.set(container, new CgroupResources(null, 50_000L, 100_000L, null));

        assertThatThrownBy(() -> m.set(pod, new CgroupResources(null, 30_000L, 100_000L, null)))
                .isInstanceOf(CgroupWriteException.class)
                .hasMessageContaining("cpu.cfs_quota_us failed: Invalid argument")
                .hasMessageContaining("child cgroups with a larger quota: c1=50000");
        assertThat(m.read(pod).cpuQuota()).as("the old quota kept").isEqualTo(50_000L);
    }

    @Test
    void writesAndReadsBackSharesQuotaAndMemoryLimit() throws IOException {
        m.create(container);

        m.set(pod, new CgroupResources(512L, 50_000L, 100_000L, 128 * MIB));

        Path cpu = ROOT.resolve("cpu").resolve(pod.asPath());
        Path memory = ROOT.resolve("memory").resolve(pod.asPath());
        assertThat(Files.readString(cpu.resolve("cpu.shares")).trim()).isEqualTo("512");
        assertThat(Files.readString(cpu.resolve("cpu.cfs_quota_us")).trim()).isEqualTo("50000");
        assertThat(Files.readString(memory.resolve("memory.limit_in_bytes")).trim()).isEqualTo(Long.toString(128 * MIB));
        assertThat(m.read(pod)).isEqualTo(new CgroupResources(512L, 50_000L, 100_000L, 128 * MIB));

        m.set(pod, new CgroupResources(2L, CgroupResources.UNLIMITED, null, CgroupResources.UNLIMITED));

        assertThat(Files.readString(cpu.resolve("cpu.cfs_quota_us")).trim()).isEqualTo("-1");
        // the kernel reports "unlimited" as LONG_MAX rounded down to the page size
        assertThat(Long.parseLong(Files.readString(memory.resolve("memory.limit_in_bytes")).trim()))
                .isGreaterThan(1L << 62);
        assertThat(m.read(pod)).isEqualTo(new CgroupResources(2L, CgroupResources.UNLIMITED, 100_000L,
                CgroupResources.UNLIMITED));
    }

    @Test
    void loweringTheMemoryLimitBelowUsageFailsWithEbusyAndKeepsTheOldLimit() throws Exception {
        m.create(container);
        m.set(container, new CgroupResources(null, null, null, 512 * MIB));
        child = startHog();
        m.addProcess(container, child.pid());
        assertThat(Files.readString(ROOT.resolve("memory").resolve(container.asPath()).resolve("cgroup.procs")))
                .contains(Long.toString(child.pid()));

        OutputStream stdin = child.getOutputStream();
        stdin.write("go\n".getBytes(StandardCharsets.US_ASCII));
        stdin.flush();
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII));
        assertThat(out.readLine()).startsWith("ready");
        await().atMost(Duration.ofSeconds(30)).until(() -> m.memoryUsage(container) >= HOG_MIB * MIB);

        Path limitFile = ROOT.resolve("memory").resolve(container.asPath()).resolve("memory.limit_in_bytes");
        assertThatThrownBy(() -> m.set(container, new CgroupResources(null, null, null, 16 * MIB)))
                .isInstanceOfSatisfying(MemoryLimitBelowUsageException.class, e -> {
                    assertThat(e.file()).isEqualTo(limitFile);
                    assertThat(e.value()).isEqualTo(Long.toString(16 * MIB));
                })
                .hasMessage("memory limit (16777216) below current usage: the kernel refused the write to "
                        + limitFile + " (Device or resource busy)");
        assertThat(m.read(container).memoryLimitBytes()).as("old limit in place").isEqualTo(512 * MIB);
        assertThat(child.isAlive()).as("nothing was killed").isTrue();

        // the agent's own check refuses the same value before writing, with the usage it read
        assertThatThrownBy(() -> m.checkMemoryLimitAboveUsage(container, 16 * MIB))
                .isInstanceOfSatisfying(MemoryLimitBelowUsageException.class,
                        e -> assertThat(e.usageBytes().getAsLong()).isGreaterThanOrEqualTo(HOG_MIB * MIB));

        // a limit above usage is accepted
        m.set(container, new CgroupResources(null, null, null, 256 * MIB));
        assertThat(m.read(container).memoryLimitBytes()).isEqualTo(256 * MIB);
    }

    private static Process startHog() throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        String classes = Path.of(MemoryHog.class.getProtectionDomain().getCodeSource().getLocation().getPath()).toString();
        return new ProcessBuilder(java.toString(), "-Xmx256m", "-XX:+UseSerialGC", "-cp", classes,
                MemoryHog.class.getName(), Integer.toString(HOG_MIB))
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
    }

    private static boolean isRoot() throws IOException {
        return "0".equals(uid());
    }

    private static String uid() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            return "unknown";
        }
        return Files.readAllLines(status).stream().filter(l -> l.startsWith("Uid:"))
                .map(l -> l.split("\\s+")[1]).findFirst().orElse("unknown");
    }
}
