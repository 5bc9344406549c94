package dev.resizelet.cgroups;

/** A cgroup name that could escape the cgroup root or is not a valid directory name. Nothing was touched. */
public final class InvalidCgroupNameException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String name;

    public InvalidCgroupNameException(String name, String reason) {
        super("invalid cgroup name " + quote(name) + ": " + reason);
        this.name = name;
    }

    public String name() {
        return name;
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            b.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return b.append('"').toString();
    }
}
