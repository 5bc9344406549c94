package dev.resizelet.cgroups;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;

/**
 * Creates, writes, reads and removes cgroups under one root, for cgroup v1 (a tree per controller:
 * {@code <root>/cpu/<name>}, {@code <root>/memory/<name>}) or v2 (one tree: {@code <root>/<name>}).
 * Writes are planned as data ({@link #plan}) and then executed in order ({@link #apply}).
 */
public final class CgroupManager {
    static final String CPU = "cpu";
    static final String MEMORY = "memory";
    /** The page size the kernel counts memory limits in (4 KiB on x86-64 and on the arm64 kernels we target). */
    static final long PAGE_SIZE = 4096;

    private final CgroupConfig config;
    private final CgroupFs fs;
    private final List<Consumer<CgroupWrite>> listeners = new CopyOnWriteArrayList<>();
    /** The roots of the hierarchies written on every resize (v1 cpu and memory), resolved once. */
    private final Path cpuRoot;
    private final Path memoryRoot;
    private final boolean rootIsNormal;

    public CgroupManager(CgroupConfig config, CgroupFs fs) {
        this.config = requireNonNull(config, "config");
        this.fs = requireNonNull(fs, "fs");
        this.cpuRoot = config.root().resolve(CPU);
        this.memoryRoot = config.root().resolve(MEMORY);
        this.rootIsNormal = config.root().equals(config.root().normalize());
    }

    public CgroupConfig config() {
        return config;
    }

    public CgroupLayout layout() {
        return new CgroupLayout(config);
    }

    /** Observes every write that {@link #apply} executed successfully, in order. */
    public void addListener(Consumer<CgroupWrite> listener) {
        listeners.add(requireNonNull(listener, "listener"));
    }

    public void removeListener(Consumer<CgroupWrite> listener) {
        listeners.remove(listener);
    }

    /** The directories of {@code name}: one per controller on v1, one on v2. */
    public List<Path> dirs(CgroupName name) {
        return config.version() == CgroupVersion.V1
                ? List.of(dir(CPU, name), dir(MEMORY, name))
                : List.of(dir(null, name));
    }

    /** Creates the cgroup and its missing parents in every hierarchy. */
    public void create(CgroupName name) {
        for (Path dir : dirs(name)) {
            try {
                fs.mkdirs(dir);
            } catch (IOException e) {
                throw new CgroupException("cannot create cgroup " + dir + ": " + CgroupWriteException.reason(e), e);
            }
        }
    }

    /** The names of the child cgroups of {@code name} in any of its hierarchies (v1: cpu and memory), sorted. */
    public List<String> children(CgroupName name) {
        java.util.TreeSet<String> names = new java.util.TreeSet<>();
        for (Path dir : dirs(name)) {
            try {
                fs.listDirectories(dir).forEach(p -> names.add(p.getFileName().toString()));
            } catch (IOException e) {
                throw new CgroupException("cannot list cgroup " + dir + ": " + CgroupWriteException.reason(e), e);
            }
        }
        return List.copyOf(names);
    }

    public boolean exists(CgroupName name) {
        return dirs(name).stream().allMatch(fs::exists);
    }

    /** Removes the leaf cgroup in every hierarchy; a missing one is fine. Parents stay. */
    public void remove(CgroupName name) {
        for (Path dir : dirs(name)) {
            try {
                fs.rmdir(dir);
            } catch (IOException e) {
                throw new CgroupException("cannot remove cgroup " + dir + ": " + CgroupWriteException.reason(e), e);
            }
        }
    }

    /**
     * Removes {@code name} and every cgroup below it in every hierarchy, children before parents; a missing one is
     * fine. Processes must have left first (the kernel refuses to remove a populated cgroup with EBUSY).
     */
    public void removeTree(CgroupName name) {
        for (Path dir : dirs(name)) {
            removeTree(dir);
        }
    }

    /**
     * Like {@link #removeTree}, but on v1 in every hierarchy mounted under the root, not only cpu and memory: runc
     * creates a pod's cgroup (its containers' parent) in each of them (cpuacct, cpuset, pids, blkio, devices,
     * freezer, systemd, ...), and nobody else removes it there. On v2 the same as {@link #removeTree}.
     */
    public void removeTreeEverywhere(CgroupName name) {
        if (config.version() == CgroupVersion.V2) {
            removeTree(name);
            return;
        }
        List<Path> hierarchies;
        try {
            hierarchies = fs.listDirectories(config.root());
        } catch (IOException e) {
            throw new CgroupException("cannot list the cgroup hierarchies under " + config.root() + ": "
                    + CgroupWriteException.reason(e), e);
        }
        for (Path hierarchy : hierarchies) {
            removeTree(dir(hierarchy.getFileName().toString(), name));
        }
    }

    private void removeTree(Path dir) {
        try {
            for (Path child : fs.listDirectories(dir)) {
                removeTree(child);
            }
            fs.rmdir(dir);
        } catch (IOException e) {
            throw new CgroupException("cannot remove cgroup " + dir + ": " + CgroupWriteException.reason(e), e);
        }
    }

    /** Moves process {@code pid} (all its threads) into {@code name}, in every hierarchy. */
    public void addProcess(CgroupName name, long pid) {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid must be positive, got " + pid);
        }
        List<CgroupWrite> writes = new ArrayList<>();
        for (Path dir : dirs(name)) {
            writes.add(new CgroupWrite(dir.resolve("cgroup.procs"), Long.toString(pid)));
        }
        apply(writes);
    }

    /**
     * The file writes that set {@code r} on {@code name}: memory first, then CPU (period before quota on
     * v1, so a quota is never checked against a stale period). Null fields are not written. On v2 a quota
     * or period alone keeps the other half of {@code cpu.max} as it is in the file (default period 100000).
     */
    public List<CgroupWrite> plan(CgroupName name, CgroupResources r) {
        requireNonNull(r, "resources");
        requireNonNull(name, "name");
        List<CgroupWrite> plan = new ArrayList<>(4);
        if (config.version() == CgroupVersion.V1) {
            if (r.memoryLimitBytes() != null) {
                plan.add(new CgroupWrite(file(MEMORY, name, "memory.limit_in_bytes"), Long.toString(r.memoryLimitBytes())));
            }
            if (r.cpuShares() != null) {
                plan.add(new CgroupWrite(file(CPU, name, "cpu.shares"), Long.toString(r.cpuShares())));
            }
            if (r.cpuPeriod() != null) {
                plan.add(new CgroupWrite(file(CPU, name, "cpu.cfs_period_us"), Long.toString(r.cpuPeriod())));
            }
            if (r.cpuQuota() != null) {
                plan.add(new CgroupWrite(file(CPU, name, "cpu.cfs_quota_us"), Long.toString(r.cpuQuota())));
            }
        } else {
            if (r.memoryLimitBytes() != null) {
                plan.add(new CgroupWrite(file(null, name, "memory.max"), maxOr(r.memoryLimitBytes())));
            }
            if (r.cpuShares() != null) {
                plan.add(new CgroupWrite(file(null, name, "cpu.weight"),
                        Long.toString(config.weightScale().toWeight(r.cpuShares()))));
            }
            if (r.cpuQuota() != null || r.cpuPeriod() != null) {
                CpuMax existing = (r.cpuQuota() == null || r.cpuPeriod() == null) ? readV2CpuMax(name) : null;
                String quota = r.cpuQuota() != null ? maxOr(r.cpuQuota()) : existing.quota();
                long period = r.cpuPeriod() != null ? r.cpuPeriod()
                        : existing.period() != null ? existing.period() : CpuConversions.DEFAULT_PERIOD_US;
                plan.add(new CgroupWrite(file(null, name, "cpu.max"), quota + " " + period));
            }
        }
        return List.copyOf(plan);
    }

    /**
     * Executes the writes in order; the first failure stops the plan. A v1 memory limit below usage
     * (EBUSY) surfaces as {@link MemoryLimitBelowUsageException}.
     */
    public void apply(List<CgroupWrite> plan) {
        for (CgroupWrite w : plan) {
            try {
                fs.write(w.file(), w.value());
            } catch (IOException e) {
                String fileName = w.file().getFileName().toString();
                if ((fileName.equals("memory.limit_in_bytes") || fileName.equals("memory.max"))
                        && MemoryLimitBelowUsageException.isBusy(e)) {
                    throw new MemoryLimitBelowUsageException(w.file(), w.value(), e);
                }
                CgroupWriteException failed = new CgroupWriteException(w.file(), w.value(), e);
                String above = fileName.equals("cpu.cfs_quota_us") ? childQuotasAbove(w.file().getParent(), w.value())
                        : "";
                if (!above.isEmpty()) {
                    // v1 refuses a parent's quota below a child's (EINVAL): name the child that holds it
                    throw new CgroupWriteException(w.file(), w.value(), failed.getMessage()
                            + " (child cgroups with a larger quota: " + above + ")", e);
                }
                throw failed;
            }
            for (Consumer<CgroupWrite> l : listeners) {
                l.accept(w);
            }
        }
    }

    /**
     * The child cgroups of {@code dir} whose {@code cpu.cfs_quota_us} is larger than {@code quota}, as
     * {@code name=quota, ...}; empty if none, for an unlimited {@code quota}, or if they cannot be read (this only
     * explains a refused write).
     */
    private String childQuotasAbove(Path dir, String quota) {
        try {
            long limit = Long.parseLong(quota.trim());
            List<String> above = new ArrayList<>();
            for (Path child : limit < 0 ? List.<Path>of() : fs.listDirectories(dir)) {
                Optional<String> q = fs.read(child.resolve("cpu.cfs_quota_us"));
                if (q.isPresent() && Long.parseLong(q.get()) > limit) {
                    above.add(child.getFileName() + "=" + q.get());
                }
            }
            return String.join(", ", above);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    public void set(CgroupName name, CgroupResources r) {
        apply(plan(name, r));
    }

    /**
     * Refuses a memory limit that the cgroup's current usage does not fit under (DESIGN §5: read usage before
     * lowering; on v2 the kernel would not refuse but reclaim or OOM-kill). Unlimited always fits.
     */
    public void checkMemoryLimitAboveUsage(CgroupName name, long newLimitBytes) {
        if (newLimitBytes == CgroupResources.UNLIMITED) {
            return;
        }
        long usage = memoryUsage(name);
        if (usage >= newLimitBytes) {
            Path limitFile = config.version() == CgroupVersion.V1
                    ? file(MEMORY, name, "memory.limit_in_bytes")
                    : file(null, name, "memory.max");
            throw new MemoryLimitBelowUsageException(limitFile, Long.toString(newLimitBytes), usage,
                    memoryUsageFile(name));
        }
    }

    /** v1 {@code memory.limit_in_bytes} of an unlimited cgroup: LONG_MAX rounded down to the 4 KiB page. */
    public static final long V1_UNLIMITED_MEMORY = 9223372036854771712L;
    /** The kernel's {@code cpu.shares} (v1) and {@code cpu.weight} (v2) of a new cgroup. */
    public static final long DEFAULT_SHARES = 1024;
    public static final long DEFAULT_WEIGHT = 100;

    /**
     * The control files a kernel gives a new cgroup, with its defaults: v1 {@code cpu.shares} 1024,
     * {@code cpu.cfs_quota_us} -1, {@code cpu.cfs_period_us} 100000, {@code memory.limit_in_bytes}
     * 9223372036854771712, {@code memory.usage_in_bytes} 0; v2 {@code cpu.weight} 100, {@code cpu.max}
     * "max 100000", {@code memory.max} "max", {@code memory.current} 0.
     */
    public List<CgroupWrite> kernelDefaults(CgroupName name) {
        requireNonNull(name, "name");
        if (config.version() == CgroupVersion.V1) {
            return List.of(
                    new CgroupWrite(file(CPU, name, "cpu.shares"), Long.toString(DEFAULT_SHARES)),
                    new CgroupWrite(file(CPU, name, "cpu.cfs_quota_us"), "-1"),
                    new CgroupWrite(file(CPU, name, "cpu.cfs_period_us"), Long.toString(CpuConversions.DEFAULT_PERIOD_US)),
                    new CgroupWrite(file(MEMORY, name, "memory.limit_in_bytes"), Long.toString(V1_UNLIMITED_MEMORY)),
                    new CgroupWrite(file(MEMORY, name, "memory.usage_in_bytes"), "0"));
        }
        return List.of(
                new CgroupWrite(file(null, name, "cpu.weight"), Long.toString(DEFAULT_WEIGHT)),
                new CgroupWrite(file(null, name, "cpu.max"), "max " + CpuConversions.DEFAULT_PERIOD_US),
                new CgroupWrite(file(null, name, "memory.max"), "max"),
                new CgroupWrite(file(null, name, "memory.current"), "0"));
    }

    /**
     * For simulated trees: gives a cgroup made with {@link #create} the files a kernel would have made at mkdir,
     * with the kernel's defaults ({@link #kernelDefaults}). Files already there are kept (on a real cgroupfs all
     * of them are), and nothing is reported to listeners: this is the kernel's doing, not a write.
     */
    public void populateKernelDefaults(CgroupName name) {
        for (CgroupWrite w : kernelDefaults(name)) {
            if (fs.exists(w.file())) {
                continue;
            }
            try {
                fs.write(w.file(), w.value());
            } catch (IOException e) {
                throw new CgroupWriteException(w.file(), w.value(), e);
            }
        }
    }

    /** The current limits; fields whose files are absent are null. */
    public CgroupResources read(CgroupName name) {
        if (config.version() == CgroupVersion.V1) {
            return new CgroupResources(
                    readLong(file(CPU, name, "cpu.shares")),
                    readLong(file(CPU, name, "cpu.cfs_quota_us")),
                    readLong(file(CPU, name, "cpu.cfs_period_us")),
                    v1Memory(readLong(file(MEMORY, name, "memory.limit_in_bytes"))));
        }
        Long weight = readLong(file(null, name, "cpu.weight"));
        CpuMax cpuMax = readV2CpuMax(name);
        Long memory = readMaxOr(file(null, name, "memory.max"));
        return new CgroupResources(
                weight == null ? null : config.weightScale().toShares(weight),
                cpuMax.present() ? cpuMax.quotaValue() : null,
                cpuMax.period(),
                memory);
    }

    /**
     * The memory limit the kernel keeps when {@code bytes} is written: it counts limits in whole pages and rounds
     * down ({@code page_counter_memparse}), on v1 and v2 alike, so 100000000 reads back as 99999744. Unlimited
     * stays unlimited. Compare a limit read from a file with this, not with the value written.
     */
    public static long kernelMemoryLimit(long bytes) {
        if (bytes == CgroupResources.UNLIMITED || bytes <= 0) {
            return bytes;
        }
        return bytes - bytes % PAGE_SIZE;
    }

    /** Memory in use now ({@code memory.usage_in_bytes} on v1, {@code memory.current} on v2); 0 if absent. */
    public long memoryUsage(CgroupName name) {
        Path f = config.version() == CgroupVersion.V1
                ? file(MEMORY, name, "memory.usage_in_bytes")
                : file(null, name, "memory.current");
        Long v = readLong(f);
        return v == null ? 0 : v;
    }

    /** The memory usage file, for tests and simulations that need to set usage. */
    public Path memoryUsageFile(CgroupName name) {
        return config.version() == CgroupVersion.V1
                ? file(MEMORY, name, "memory.usage_in_bytes")
                : file(null, name, "memory.current");
    }

    /** The control file {@code fileName} of {@code name}, in the right hierarchy. */
    public Path file(CgroupName name, String fileName) {
        String controller = config.version() == CgroupVersion.V2 ? null
                : fileName.startsWith("memory.") ? MEMORY : CPU;
        return file(controller, name, fileName);
    }

    private Path dir(String controller, CgroupName name) {
        Path base = base(controller);
        Path dir = base.resolve(name.asPath()).normalize();
        if (!dir.startsWith(base)) {
            throw new InvalidCgroupNameException(name.asPath(), "resolves outside the cgroup root " + base);
        }
        return dir;
    }

    /**
     * A control file, made in one step under a normal root: a name's segments are checked (none empty, {@code .},
     * {@code ..} or with a {@code /}), so the path is as normal as the root and inside it, the same path as the
     * directory's and then the file's.
     */
    private Path file(String controller, CgroupName name, String fileName) {
        return rootIsNormal ? base(controller).resolve(name.asPath() + "/" + fileName)
                : dir(controller, name).resolve(fileName);
    }

    private Path base(String controller) {
        return controller == null ? config.root() : controller.equals(CPU) ? cpuRoot
                : controller.equals(MEMORY) ? memoryRoot : config.root().resolve(controller);
    }


    // v1 reports "unlimited" as a huge page-aligned number (LONG_MAX rounded down to the page size)
    private static Long v1Memory(Long v) {
        if (v == null) {
            return null;
        }
        return v >= 0x7FFFFFFFFFFFF000L || v == CgroupResources.UNLIMITED ? CgroupResources.UNLIMITED : v;
    }

    /** {@code cpu.max} as "<quota|max> <period>"; absent file: quota max, period unknown. */
    private record CpuMax(boolean present, String quota, Long period) {
        Long quotaValue() {
            return "max".equals(quota) ? CgroupResources.UNLIMITED : Long.parseLong(quota);
        }
    }

    private CpuMax readV2CpuMax(CgroupName name) {
        Path f = file(null, name, "cpu.max");
        Optional<String> s = readString(f);
        if (s.isEmpty()) {
            return new CpuMax(false, "max", null);
        }
        String[] parts = s.get().split("\\s+");
        if (parts.length > 2 || !(parts[0].equals("max") || parts[0].matches("[0-9]+"))) {
            throw new CgroupException("unexpected content \"" + s.get() + "\" in " + f
                    + ": expected \"<quota|max> <period>\"", null);
        }
        return new CpuMax(true, parts[0], parts.length > 1 ? parseLong(f, parts[1]) : null);
    }

    private Long readMaxOr(Path f) {
        Optional<String> s = readString(f);
        if (s.isEmpty()) {
            return null;
        }
        return "max".equals(s.get()) ? CgroupResources.UNLIMITED : parseLong(f, s.get());
    }

    private Long readLong(Path f) {
        return readString(f).map(s -> parseLong(f, s)).orElse(null);
    }

    private static Long parseLong(Path f, String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new CgroupException("unexpected content \"" + s + "\" in " + f, e);
        }
    }

    private Optional<String> readString(Path f) {
        try {
            return fs.read(f);
        } catch (IOException e) {
            throw new CgroupException("cannot read " + f + ": " + CgroupWriteException.reason(e), e);
        }
    }

    private static String maxOr(long v) {
        return v == CgroupResources.UNLIMITED ? "max" : Long.toString(v);
    }
}
