package dev.resizelet.cgroups;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;

/**
 * A cgroup path relative to the hierarchy root, as validated segments: {@code kubepods/burstable/pod1234}.
 * No segment may be empty, {@code .}, {@code ..}, or contain {@code /} or NUL, so no name built from
 * input can leave the cgroup root.
 */
public record CgroupName(List<String> segments) {
    private static final int MAX_SEGMENT = 255;

    public CgroupName {
        segments = List.copyOf(requireNonNull(segments, "segments"));
        if (segments.isEmpty()) {
            throw new InvalidCgroupNameException("", "a cgroup name needs at least one segment");
        }
        segments.forEach(CgroupName::checkSegment);
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
        List<String> next = new ArrayList<>(segments.size() + 1);
        next.addAll(segments);
        next.add(segment);
        return new CgroupName(next);
    }

    public String leaf() {
        return segments.get(segments.size() - 1);
    }

    public String asPath() {
        return String.join("/", segments);
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
    public String toString() {
        return asPath();
    }
}
