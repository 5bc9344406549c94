package dev.resizelet.cgroups;

import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * A memory limit was not written because the cgroup uses more than it: either the kernel refused it
 * (EBUSY on cgroup v1's {@code memory.limit_in_bytes}) or the agent's usage check did. The old limit
 * stays in place.
 */
public final class MemoryLimitBelowUsageException extends CgroupWriteException {
    private static final long serialVersionUID = 1L;
    private final Long usageBytes;

    /** The kernel refused the write with {@code cause} (EBUSY). */
    public MemoryLimitBelowUsageException(Path file, String value, Throwable cause) {
        super(file, value, "memory limit (" + value + ") below current usage: the kernel refused the write to "
                + file + " (" + reason(cause) + ")", cause);
        this.usageBytes = null;
    }

    /** The usage check refused the write before it was attempted. */
    public MemoryLimitBelowUsageException(Path file, String value, long usageBytes, Path usageFile) {
        super(file, value, "memory limit (" + value + ") below current usage (" + usageBytes + " bytes in "
                + usageFile + "): not written to " + file, null);
        this.usageBytes = usageBytes;
    }

    /** The usage that was read, when the agent's check (not the kernel) refused the limit. */
    public OptionalLong usageBytes() {
        return usageBytes == null ? OptionalLong.empty() : OptionalLong.of(usageBytes);
    }

    static boolean isBusy(Throwable cause) {
        String reason = reason(cause);
        return reason != null && reason.contains("Device or resource busy");
    }
}
