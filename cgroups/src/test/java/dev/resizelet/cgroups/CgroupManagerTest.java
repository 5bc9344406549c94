package dev.resizelet.cgroups;

import static dev.resizelet.cgroups.CgroupTrees.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CgroupManagerTest {
    private static final long MIB = 1024 * 1024;

    @TempDir
    Path root;

    private CgroupName pod(CgroupManager m) {
        return m.layout().pod(QosTier.BURSTABLE, "uid-1");
    }

    @ParameterizedTest
    @EnumSource(CgroupVersion.class)
    void setWritesKubeletValuesInTheVersionsFiles(CgroupVersion version) {
        CgroupManager m = CgroupTrees.manager(root, version);
        CgroupName pod = pod(m);
        m.create(pod);

        m.set(pod, new CgroupResources(CpuConversions.milliCpuToShares(1000),
                CpuConversions.milliCpuToQuota(1500, 100_000), 100_000L, 256 * MIB));

        if (version == CgroupVersion.V1) {
            Path cpu = root.resolve("cpu/kubepods/burstable/poduid-1");
            Path memory = root.resolve("memory/kubepods/burstable/poduid-1");
            assertThat(read(cpu.resolve("cpu.shares"))).isEqualTo("1024");
            assertThat(read(cpu.resolve("cpu.cfs_period_us"))).isEqualTo("100000");
            assertThat(read(cpu.resolve("cpu.cfs_quota_us"))).isEqualTo("150000");
            assertThat(read(memory.resolve("memory.limit_in_bytes"))).isEqualTo("268435456");
            assertThat(m.read(pod)).isEqualTo(new CgroupResources(1024L, 150_000L, 100_000L, 256 * MIB));
        } else {
            Path dir = root.resolve("kubepods/burstable/poduid-1");
            assertThat(read(dir.resolve("cpu.weight"))).isEqualTo("39");
            assertThat(read(dir.resolve("cpu.max"))).isEqualTo("150000 100000");
            assertThat(read(dir.resolve("memory.max"))).isEqualTo("268435456");
            CgroupResources back = m.read(pod);
            // weight 39 stands for shares 999..1024; the smallest is read back, and it maps to the same weight
            assertThat(back.cpuShares()).isEqualTo(999L);
            assertThat(CpuConversions.weightMatchesShares(39, 1024)).isTrue();
            assertThat(back.withMemoryLimit(null)).isEqualTo(new CgroupResources(999L, 150_000L, 100_000L, null));
            assertThat(back.memoryLimitBytes()).isEqualTo(256 * MIB);
        }
    }

    @ParameterizedTest
    @EnumSource(CgroupVersion.class)
    void unlimitedIsMinusOneOnV1AndMaxOnV2(CgroupVersion version) {
        CgroupManager m = CgroupTrees.manager(root, version);
        CgroupName pod = pod(m);
        m.create(pod);

        m.set(pod, new CgroupResources(2L, CgroupResources.UNLIMITED, 100_000L, CgroupResources.UNLIMITED));

        if (version == CgroupVersion.V1) {
            assertThat(read(root.resolve("cpu/kubepods/burstable/poduid-1/cpu.cfs_quota_us"))).isEqualTo("-1");
            assertThat(read(root.resolve("memory/kubepods/burstable/poduid-1/memory.limit_in_bytes"))).isEqualTo("-1");
        } else {
            assertThat(read(root.resolve("kubepods/burstable/poduid-1/cpu.max"))).isEqualTo("max 100000");
            assertThat(read(root.resolve("kubepods/burstable/poduid-1/memory.max"))).isEqualTo("max");
            assertThat(read(root.resolve("kubepods/burstable/poduid-1/cpu.weight"))).isEqualTo("1");
        }
        CgroupResources back = m.read(pod);
        assertThat(back.cpuQuota()).isEqualTo(CgroupResources.UNLIMITED);
        assertThat(back.memoryLimitBytes()).isEqualTo(CgroupResources.UNLIMITED);
    }

    @Test
    void v1ReadsTheKernelsUnlimitedMemoryAsUnlimited() throws IOException {
        CgroupManager m = CgroupTrees.manager(root, CgroupVersion.V1);
        CgroupName pod = pod(m);
        m.create(pod);
        Files.writeString(root.resolve("memory/kubepods/burstable/poduid-1/memory.limit_in_bytes"), "9223372036854771712\n");

        assertThat(m.read(pod).memoryLimitBytes()).isEqualTo(CgroupResources.UNLIMITED);
    }

    @Test
    void v2CpuMaxKeepsThePeriodInTheFileWhenOnlyTheQuotaChanges() throws IOException {
        CgroupManager m = CgroupTrees.manager(root, CgroupVersion.V2);
        CgroupName pod = pod(m);
        m.create(pod);
        Path cpuMax = root.resolve("kubepods/burstable/poduid-1/cpu.max");

        // no file yet: the default period
        assertThat(m.plan(pod, new CgroupResources(null, 25_000L, null, null)))
                .containsExactly(new CgroupWrite(cpuMax, "25000 100000"));

        Files.writeString(cpuMax, "max 50000\n");
        assertThat(m.plan(pod, new CgroupResources(null, 25_000L, null, null)))
                .containsExactly(new CgroupWrite(cpuMax, "25000 50000"));
        // only the period: the quota in the file stays
        assertThat(m.plan(pod, new CgroupResources(null, null, 20_000L, null)))
                .containsExactly(new CgroupWrite(cpuMax, "max 20000"));
        assertThat(m.plan(pod, new CgroupResources(null, CgroupResources.UNLIMITED, 100_000L, null)))
                .containsExactly(new CgroupWrite(cpuMax, "max 100000"));
    }

    @Test
    void v2GarbledCpuMaxIsAnErrorNamingTheFileAndContent() throws IOException {
        CgroupManager m = CgroupTrees.manager(root, CgroupVersion.V2);
        CgroupName pod = pod(m);
        m.create(pod);
        Files.writeString(root.resolve("kubepods/burstable/poduid-1/cpu.max"), "lots 100000\n");

        assertThatThrownBy(() -> m.read(pod)).isInstanceOf(CgroupException.class)
                .hasMessageContaining("unexpected content \"lots 100000\" in " + root.resolve("kubepods/burstable/poduid-1/cpu.max"));
    }

    @Test
    void v2WeightFollowsTheConfiguredScale() {
        CgroupManager linear = CgroupTrees.manager(root, CgroupVersion.V2);
        CgroupManager log = new CgroupManager(linear.config().withWeightScale(CpuWeightScale.LOG), CgroupFs.real());
        CgroupName pod = pod(linear);

        assertThat(linear.plan(pod, new CgroupResources(1024L, null, null, null)).get(0).value()).isEqualTo("39");
        assertThat(log.plan(pod, new CgroupResources(1024L, null, null, null)).get(0).value()).isEqualTo("100");
    }

    @Test
    void aFailedWriteNamesFileValueAndReasonAndStopsThePlan() {
        CgroupManager m = CgroupTrees.manager(root, CgroupVersion.V1);
        CgroupName pod = pod(m); // never created: the directory is missing
        List<CgroupWrite> done = new ArrayList<>();
        m.addListener(done::add);

        Path limit = root.resolve("memory/kubepods/burstable/poduid-1/memory.limit_in_bytes");
        assertThatThrownBy(() -> m.set(pod, res(1024, 100_000, 512)))
                .isInstanceOfSatisfying(CgroupWriteException.class, e -> {
                    assertThat(e.file()).isEqualTo(limit);
                    assertThat(e.value()).isEqualTo("536870912");
                })
                .hasMessage("write of \"536870912\" to " + limit + " failed: " + limit);
        assertThat(done).isEmpty();
    }

    @Test
    void ebusyOnAMemoryLimitIsMemoryLimitBelowUsageAndLaterWritesDoNotRun() {
        List<CgroupWrite> attempted = new ArrayList<>();
        CgroupFs busyMemory = new FakeFs(w -> {
            attempted.add(w);
            if (w.file().getFileName().toString().startsWith("memory.")) {
                throw new FileSystemException(w.file().toString(), null, "Device or resource busy");
            }
        });
        CgroupManager m = new CgroupManager(
                new CgroupConfig(root, "kubepods", CgroupVersion.V1, CgroupDriver.CGROUPFS), busyMemory);
        CgroupName pod = pod(m);
        Path limit = root.resolve("memory/kubepods/burstable/poduid-1/memory.limit_in_bytes");

        assertThatThrownBy(() -> m.set(pod, res(1024, 100_000, 16)))
                .isInstanceOfSatisfying(MemoryLimitBelowUsageException.class, e -> {
                    assertThat(e.file()).isEqualTo(limit);
                    assertThat(e.value()).isEqualTo("16777216");
                    assertThat(e.usageBytes()).isEmpty();
                })
                .hasMessage("memory limit (16777216) below current usage: the kernel refused the write to " + limit
                        + " (Device or resource busy)");
        assertThat(attempted).hasSize(1);
    }

    @Test
    void ebusyOnACpuFileIsAPlainWriteError() {
        CgroupFs busy = new FakeFs(w -> {
            throw new FileSystemException(w.file().toString(), null, "Device or resource busy");
        });
        CgroupManager m = new CgroupManager(
                new CgroupConfig(root, "kubepods", CgroupVersion.V1, CgroupDriver.CGROUPFS), busy);

        assertThatThrownBy(() -> m.set(pod(m), new CgroupResources(1024L, null, null, null)))
                .isExactlyInstanceOf(CgroupWriteException.class)
                .hasMessageEndingWith("cpu.shares failed: Device or resource busy");
    }

    @ParameterizedTest
    @EnumSource(CgroupVersion.class)
    void theUsageCheckRefusesALimitAtOrBelowUsage(CgroupVersion version) throws IOException {
        CgroupManager m = CgroupTrees.manager(root, version);
        CgroupName pod = pod(m);
        m.create(pod);
        Files.writeString(m.memoryUsageFile(pod), Long.toString(100 * MIB));

        assertThatThrownBy(() -> m.checkMemoryLimitAboveUsage(pod, 100 * MIB))
                .isInstanceOfSatisfying(MemoryLimitBelowUsageException.class,
                        e -> assertThat(e.usageBytes()).hasValue(100 * MIB))
                .hasMessageStartingWith("memory limit (104857600) below current usage (104857600 bytes in "
                        + m.memoryUsageFile(pod) + ")");
        m.checkMemoryLimitAboveUsage(pod, 100 * MIB + 1);
        m.checkMemoryLimitAboveUsage(pod, CgroupResources.UNLIMITED);
        assertThat(m.memoryUsage(pod)).isEqualTo(100 * MIB);
    }

    @ParameterizedTest
    @EnumSource(CgroupVersion.class)
    void addProcessWritesThePidIntoEveryHierarchy(CgroupVersion version) {
        CgroupManager m = CgroupTrees.manager(root, version);
        CgroupName pod = pod(m);
        m.create(pod);

        m.addProcess(pod, 4242);

        for (Path dir : m.dirs(pod)) {
            assertThat(read(dir.resolve("cgroup.procs"))).isEqualTo("4242");
        }
        assertThat(m.dirs(pod)).hasSize(version == CgroupVersion.V1 ? 2 : 1);
        assertThatThrownBy(() -> m.addProcess(pod, 0)).hasMessage("pid must be positive, got 0");
    }

    @ParameterizedTest
    @EnumSource(CgroupVersion.class)
    void removeTreeRemovesChildrenThenTheCgroupAndKeepsParents(CgroupVersion version) {
        CgroupManager m = CgroupTrees.manager(root, version);
        CgroupName pod = pod(m);
        CgroupName a = m.layout().container(pod, "a");
        m.create(a);
        m.set(a, res(1024, 100_000, 64));
        m.set(pod, res(1024, 100_000, 64));

        m.removeTree(pod);

        assertThat(m.exists(pod)).isFalse();
        assertThat(m.exists(m.layout().tier(QosTier.BURSTABLE))).isTrue();
        m.removeTree(pod); // a missing cgroup is fine
    }

    @Test
    void removeTreeEverywhereRemovesThePodFromEveryV1HierarchyRuncCreatedItIn() throws IOException {
        // given a pod cgroup in cpu and memory (the agent's) and, with a container below, in pids and freezer (runc's)
        CgroupManager m = CgroupTrees.manager(root, CgroupVersion.V1);
        CgroupName pod = pod(m);
        m.create(m.layout().container(pod, "c1"));
        for (String hierarchy : List.of("pids", "freezer")) {
            Files.createDirectories(root.resolve(hierarchy).resolve("kubepods/burstable/poduid-1/c1"));
        }
        Path otherPod = Files.createDirectories(root.resolve("pids/kubepods/burstable/poduid-2"));

        m.removeTreeEverywhere(pod);

        for (String hierarchy : List.of("cpu", "memory", "pids", "freezer")) {
            assertThat(root.resolve(hierarchy).resolve("kubepods/burstable/poduid-1")).as(hierarchy).doesNotExist();
            assertThat(root.resolve(hierarchy).resolve("kubepods/burstable")).as(hierarchy + " parent").isDirectory();
        }
        assertThat(otherPod).isDirectory();
        m.removeTreeEverywhere(pod); // a missing cgroup is fine
    }

    @ParameterizedTest(name = "{0} is kept as {1}")
    @org.junit.jupiter.params.provider.CsvSource({
            "100000000, 99999744",   // measured on this machine's v1 memory.limit_in_bytes
            "134217728, 134217728",  // 128Mi: whole pages
            "4097, 4096",
            "-1, -1"})               // unlimited
    void kernelKeepsMemoryLimitsInWholePages(long written, long kept) {
        assertThat(CgroupManager.kernelMemoryLimit(written)).isEqualTo(kept);
    }

    @Test
    void garbledNumbersAreErrorsNamingTheFile() throws IOException {
        CgroupManager m = CgroupTrees.manager(root, CgroupVersion.V1);
        CgroupName pod = pod(m);
        m.create(pod);
        Path shares = root.resolve("cpu/kubepods/burstable/poduid-1/cpu.shares");
        Files.writeString(shares, "lots\n");

        assertThatThrownBy(() -> m.read(pod)).isInstanceOf(CgroupException.class)
                .hasMessage("unexpected content \"lots\" in " + shares);
    }

    private static CgroupResources res(long shares, long quota, long memoryMib) {
        return new CgroupResources(shares, quota, 100_000L, memoryMib * MIB);
    }

    /** "<cgroup leaf> <what>" per write, so orders read the same on v1 and v2. */

    @FunctionalInterface
    interface Writer {
        void write(CgroupWrite w) throws IOException;
    }

    /** A filesystem whose writes go to {@code writer}; reads find nothing. */
    record FakeFs(Writer writer) implements CgroupFs {
        @Override
        public void write(Path file, String value) throws IOException {
            writer.write(new CgroupWrite(file, value));
        }

        @Override
        public Optional<String> read(Path file) {
            return Optional.empty();
        }

        @Override
        public void mkdirs(Path dir) {
        }

        @Override
        public void rmdir(Path dir) {
        }

        @Override
        public boolean exists(Path path) {
            return false;
        }
    }

    @ParameterizedTest
    @EnumSource(CgroupVersion.class)
    void kernelDefaultsFillANewCgroupReadAsUnlimitedAndKeepWhatIsThere(CgroupVersion version) {
        CgroupManager m = CgroupTrees.manager(root, version);
        CgroupName pod = pod(m);
        m.create(pod);
        m.set(pod, new CgroupResources(512L, null, null, null));
        List<CgroupWrite> told = new java.util.ArrayList<>();
        m.addListener(told::add);

        m.populateKernelDefaults(pod);

        CgroupResources r = m.read(pod);
        assertThat(r).isEqualTo(new CgroupResources(version == CgroupVersion.V1 ? 512L : m.config().weightScale().toShares(
                m.config().weightScale().toWeight(512)), CgroupResources.UNLIMITED, 100_000L, CgroupResources.UNLIMITED));
        assertThat(m.memoryUsage(pod)).isZero();
        assertThat(told).as("the kernel's files are not writes").isEmpty();
        if (version == CgroupVersion.V1) {
            assertThat(read(root.resolve("memory/kubepods/burstable/poduid-1/memory.limit_in_bytes"))).isEqualTo("9223372036854771712");
            assertThat(read(root.resolve("cpu/kubepods/burstable/poduid-1/cpu.cfs_quota_us"))).isEqualTo("-1");
        } else {
            assertThat(read(root.resolve("kubepods/burstable/poduid-1/cpu.max"))).isEqualTo("max 100000");
            assertThat(read(root.resolve("kubepods/burstable/poduid-1/memory.max"))).isEqualTo("max");
        }
    }
}
