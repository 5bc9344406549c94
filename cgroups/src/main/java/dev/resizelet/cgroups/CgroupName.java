package dev.resizelet.cgroups;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;

/**
 * A cgroup path relative to the hierarchy root, as validated segments: {@code kubepods/burstable/pod1234}. A value
 * (equal when the segments are); a final class rather than a record so that it keeps its joined path.
 * No segment may be empty, {@code .}, {@code ..}, or contain {@code /} or NUL, so no name built from
 * input can leave the cgroup root.
 */
public final class CgroupName {
    private static final int MAX_SEGMENT = 255;

    private final List<String> segments;
    /** {@code a/b/c}, made once: every control file's path of the cgroup starts with it. */
    private final String path;

    public CgroupName(List<String> segments) {
        this.segments = List.copyOf(requireNonNull(segments, "segments"));
        if (this.segments.isEmpty()) {
            throw new InvalidCgroupNameException("", "a cgroup name needs at least one segment");
        }
        this.segments.forEach(CgroupName::checkSegment);
        this.path = String.join("/", this.segments);
    }

    public List<String> segments() {
        return segments;
    }

    /** Parses {@code a/b/c}; one leading {@code /} is allowed (CRI cgroup_parent is absolute in the hierarchy). */
    public static CgroupName parse(String path) {
        requireNonNull(path, "path");
        String p = path.startsWith("/") ? path.substring(1) : path;
        if (p.isEmpty()) {
            throw new InvalidCgroupNameException(path, "empty cgroup path");
        }
        List<String> parts = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= p.length(); i++) {
            if (i == p.length() || p.charAt(i) == '/') {
                String seg = p.substring(start, i);
                if (seg.isEmpty()) {
                    throw new InvalidCgroupNameException(path, "empty path segment");
                }
                parts.add(seg);
                start = i + 1;
            }
        }
        return new CgroupName(parts);
    }

    public static CgroupName of(String... segments) {
        return new CgroupName(List.of(segments));
    }

    public CgroupName child(String segment) {
        checkSegment(segment);
        String[] next = segments.toArray(new String[segments.size() + 1]);
        next[segments.size()] = segment;
        return new CgroupName(List.of(next), path + "/" + segment);
    }

    /** From segments checked already (a checked name and one more checked segment). */
    private CgroupName(List<String> checked, String path) {
        this.segments = checked;
        this.path = path;
    }

    public String leaf() {
        return segments.get(segments.size() - 1);
    }

    public String asPath() {
        return path;
    }

    /** Rejects anything that is not a single, harmless directory name. */
    static void checkSegment(String segment) {
        requireNonNull(segment, "segment");
        if (segment.isEmpty()) {
            throw new InvalidCgroupNameException(segment, "empty path segment");
        }
        if (segment.equals(".") || segment.equals("..")) {
            throw new InvalidCgroupNameException(segment, "'" + segment + "' would leave the cgroup root");
        }
        if (segment.length() > MAX_SEGMENT) {
            throw new InvalidCgroupNameException(segment, "segment longer than " + MAX_SEGMENT + " characters");
        }
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c == '/' || c == '\\' || c == 0 || Character.isISOControl(c)) {
                throw new InvalidCgroupNameException(segment, "contains a '/', '\\' or control character");
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CgroupName other && path.equals(other.path);
    }

    @Override
    public int hashCode() {
        return path.hashCode();
    }

    @Override
    public String toString() {
        return path;
    }
}
