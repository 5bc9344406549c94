package dev.resizelet.cgroups;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Creates, writes, reads and removes cgroups under one root, for cgroup v1 (a tree per controller:
 * {@code <root>/cpu/<name>}, {@code <root>/memory/<name>}) or v2 (one tree: {@code <root>/<name>}).
 * Writes are planned as data ({@link #plan}) and then executed in order ({@link #apply}).
 */
public final class CgroupManager {
    static final String CPU = "cpu";
    static final String MEMORY = "memory";

    private final CgroupConfig config;
    private final CgroupFs fs;
    private final List<Consumer<CgroupWrite>> listeners = new CopyOnWriteArrayList<>();

    public CgroupManager(CgroupConfig config, CgroupFs fs) {
        this.config = requireNonNull(config, "config");
        this.fs = requireNonNull(fs, "fs");
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
     * The file writes that set {@code r} on {@code name}: memory first, then CPU (period before quota on
     * v1, so a quota is never checked against a stale period). Null fields are not written.
     */
    public List<CgroupWrite> plan(CgroupName name, CgroupResources r) {
        requireNonNull(r, "resources");
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
                        Long.toString(CpuConversions.sharesToWeightLinear(r.cpuShares()))));
            }
            if (r.cpuQuota() != null || r.cpuPeriod() != null) {
                String quota = r.cpuQuota() == null ? readV2CpuMax(name)[0] : maxOr(r.cpuQuota());
                long period = r.cpuPeriod() == null ? CpuConversions.DEFAULT_PERIOD_US : r.cpuPeriod();
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
                throw new CgroupWriteException(w.file(), w.value(), e);
            }
            for (Consumer<CgroupWrite> l : listeners) {
                l.accept(w);
            }
        }
    }

    public void set(CgroupName name, CgroupResources r) {
        apply(plan(name, r));
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
        String[] cpuMax = readV2CpuMax(name);
        Long memory = readMaxOr(file(null, name, "memory.max"));
        return new CgroupResources(
                weight == null ? null : CpuConversions.weightToSharesLinear(weight),
                cpuMax[0] == null ? null : "max".equals(cpuMax[0]) ? CgroupResources.UNLIMITED : Long.parseLong(cpuMax[0]),
                cpuMax[1] == null ? null : Long.parseLong(cpuMax[1]),
                memory);
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
        Path base = controller == null ? config.root() : config.root().resolve(controller);
        Path dir = base.resolve(name.asPath()).normalize();
        if (!dir.startsWith(base)) {
            throw new InvalidCgroupNameException(name.asPath(), "resolves outside the cgroup root " + base);
        }
        return dir;
    }

    private Path file(String controller, CgroupName name, String fileName) {
        return dir(controller, name).resolve(fileName);
    }

    // v1 reports "unlimited" as a huge page-aligned number (LONG_MAX rounded down to the page size)
    private static Long v1Memory(Long v) {
        if (v == null) {
            return null;
        }
        return v >= 0x7FFFFFFFFFFFF000L || v == CgroupResources.UNLIMITED ? CgroupResources.UNLIMITED : v;
    }

    private String[] readV2CpuMax(CgroupName name) {
        Optional<String> s = readString(file(null, name, "cpu.max"));
        if (s.isEmpty()) {
            return new String[] {"max", null};
        }
        String[] parts = s.get().split("\\s+");
        return new String[] {parts[0], parts.length > 1 ? parts[1] : null};
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
