package dev.resizelet.core.model;

/** Resource names the agent treats specially. Others (ephemeral-storage, extended) are carried as-is. */
public final class ResourceNames {

    public static final String CPU = "cpu";
    public static final String MEMORY = "memory";

    /**
     * The resources {@code spec.resources} may set here (the apiserver's {@code supportedPodLevelResources} before
     * 1.34 added {@code hugepages-<size>}, which this agent does not model).
     */
    public static final java.util.List<String> POD_LEVEL = java.util.List.of(CPU, MEMORY);

    private ResourceNames() {
    }

    private static final java.util.regex.Pattern QUALIFIED_NAME = java.util.regex.Pattern.compile(
            "[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
    private static final java.util.regex.Pattern DNS_SUBDOMAIN = java.util.regex.Pattern.compile(
            "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    /**
     * The apimachinery helper {@code IsExtendedResourceName}: a domain-prefixed name outside {@code kubernetes.io/}
     * (native resources have no domain or that one), not starting with {@code requests.}, that is a qualified name
     * once {@code requests.} is put in front of it (what quota does with it).
     */
    public static boolean isExtended(String name) {
        int slash = name.indexOf('/');
        if (slash < 0 || name.contains("kubernetes.io/") || name.startsWith("requests.")) {
            return false;
        }
        String prefix = "requests." + name.substring(0, slash);
        String last = name.substring(slash + 1);
        return name.indexOf('/', slash + 1) < 0 && prefix.length() <= 253 && DNS_SUBDOMAIN.matcher(prefix).matches()
                && QUALIFIED_NAME.matcher(last).matches();
    }

    /** Only cpu and memory may be resized in place. */
    public static boolean isResizable(String name) {
        return CPU.equals(name) || MEMORY.equals(name);
    }
}
