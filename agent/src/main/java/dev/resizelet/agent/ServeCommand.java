package dev.resizelet.agent;

import dev.resizelet.agent.authz.AuthorizationMode;
import dev.resizelet.agent.config.ConfigFile;
import dev.resizelet.agent.config.EvictionThreshold;
import dev.resizelet.agent.config.GoDuration;
import dev.resizelet.agent.config.MemoryReservations;
import dev.resizelet.agent.config.ReservedResources;
import dev.resizelet.agent.http.ApiTls;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.QuantityFormatException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code resizelet serve}: parse flags and the optional {@code --config} file (a kubelet KubeletConfiguration or
 * resizelet's flat YAML) into an {@link AgentConfig}, set up logging, run the daemon. Flags are the kubelet's where
 * the kubelet has one ({@code --container-runtime-endpoint}, {@code --runtime-request-timeout=2m0s},
 * {@code --system-reserved=cpu=500m,memory=1Gi}, ...), with the older names kept as aliases.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"Run the node agent and its Kubernetes-shaped HTTP API.",
                "With no --container-runtime-endpoint (and no KubeletConfiguration) it runs simulated: an embedded fake "
                        + "CRI runtime on a Unix socket and a cgroup tree in a temp dir (no root needed).",
                "Flags win over the --config file; the file over the defaults."},
        sortOptions = false)
public final class ServeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "A kubelet KubeletConfiguration "
            + "(kubelet.config.k8s.io/v1beta1, e.g. /var/lib/kubelet/config.yaml), or a YAML map of these options' "
            + "names to values (e.g. 'listen: 127.0.0.1:8080').")
    Path config;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "HTTP address (default " + AgentConfig.DEFAULT_LISTEN
            + "); port 0 picks a free one.")
    String listen;

    @Option(names = "--container-runtime-endpoint", paramLabel = "URL",
            description = "CRI runtime, e.g. unix:///run/containerd/containerd.sock. Absent (and no KubeletConfiguration): "
                    + "simulated mode.")
    String criEndpoint;

    @Option(names = "--runtime-request-timeout", paramLabel = "DURATION",
            description = "Deadline of each CRI call, a Go duration: 2m0s (the kubelet's default), 10s, 500ms.")
    String requestTimeout;

    @Option(names = "--cri-endpoint", paramLabel = "URL", hidden = true, description = "Older name of --container-runtime-endpoint.")
    String criEndpointOld;

    @Option(names = "--request-timeout", paramLabel = "DURATION", hidden = true, description = "Older name of --runtime-request-timeout.")
    String requestTimeoutOld;

    @Option(names = "--cgroup-driver", paramLabel = "DRIVER", description = "cgroupfs (default) or systemd, as the runtime's.")
    String cgroupDriver;

    @Option(names = "--cgroup-root", paramLabel = "CGROUP", description = "The kubelet's: the root cgroup of pods' cgroups; "
            + "\"/\" (default) puts them under /kubepods. (An existing cgroup mount directory given here is still read "
            + "as --cgroup-mount, with a warning.)")
    String cgroupRoot;

    @Option(names = "--cgroup-mount", paramLabel = "DIR", description = "Where cgroupfs is mounted (default /sys/fs/cgroup; "
            + "a temp tree when simulated).")
    String cgroupMount;

    @Option(names = "--cgroup-top", paramLabel = "NAME", description = "Name of the top cgroup of all pods (default kubepods).")
    String cgroupTop;

    @Option(names = "--cgroup-version", paramLabel = "VERSION", description = "auto (default), v1 or v2.")
    String cgroupVersion;

    @Option(names = "--capacity-cpu", paramLabel = "QUANTITY", description = "Node CPU capacity (default: this machine's CPUs).")
    String capacityCpu;

    @Option(names = "--capacity-memory", paramLabel = "QUANTITY", description = "Node memory capacity (default: this machine's memory).")
    String capacityMemory;

    @Option(names = "--system-reserved", paramLabel = "RESOURCES", description = "Reserved for the OS, e.g. cpu=500m,memory=1Gi.")
    String systemReserved;

    @Option(names = "--kube-reserved", paramLabel = "RESOURCES", description = "Reserved for Kubernetes daemons, e.g. cpu=100m,memory=512Mi.")
    String kubeReserved;

    @Option(names = "--eviction-hard", paramLabel = "THRESHOLDS", description = "Hard eviction thresholds; memory.available "
            + "(default 100Mi, or a percentage of capacity) comes off allocatable, e.g. memory.available<500Mi.")
    String evictionHard;

    @Option(names = "--reserved-memory", paramLabel = "NUMA", description = "The memory manager's reservations per NUMA node, "
            + "e.g. 0:memory=1Gi;1:memory=1Gi; with --memory-manager-policy=Static they must add up to the reserved memory. "
            + "(A plain quantity, the older meaning, is system-reserved memory.)")
    String reservedMemory;

    @Option(names = "--reserved-cpu", paramLabel = "QUANTITY", hidden = true, description = "Older name of --system-reserved=cpu=...")
    String reservedCpu;

    @Option(names = "--allocatable-cpu", paramLabel = "QUANTITY", description = "Node allocatable CPU; overrides capacity minus reserved.")
    String allocatableCpu;

    @Option(names = "--allocatable-memory", paramLabel = "QUANTITY", description = "Node allocatable memory; overrides capacity minus "
            + "reserved and eviction threshold.")
    String allocatableMemory;

    @Option(names = "--max-pods", paramLabel = "N", description = "Pods the node admits (default 110, the kubelet's).")
    String maxPods;

    @Option(names = "--extended-resources", paramLabel = "NAME=N,...", description = "Extended resources the node "
            + "advertises, as device plugins would, e.g. example.com/dongle=4; a new pod's requests of them must fit "
            + "beside the admitted pods' (OutOf<name> otherwise).")
    String extendedResources;

    @Option(names = "--cpu-manager-policy", paramLabel = "POLICY", description = "none (default) or static.")
    String cpuManagerPolicy;

    @Option(names = "--memory-manager-policy", paramLabel = "POLICY", description = "None (default) or Static.")
    String memoryManagerPolicy;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "Checkpoints and pod store; pods survive restarts. "
            + "Absent: state is kept in memory only.")
    String stateDir;

    @Option(names = "--logging-format", paramLabel = "FORMAT", description = "text (default: timestamped key=value lines) or "
            + "json (one object per line).")
    String loggingFormat;

    @Option(names = "--tls-cert-file", paramLabel = "FILE", description = "PEM serving certificate (chain): serve HTTPS. "
            + "Required, with --tls-private-key-file and --client-ca-file, on a non-loopback --listen.")
    String tlsCertFile;

    @Option(names = "--tls-private-key-file", paramLabel = "FILE", description = "PEM key of --tls-cert-file (PKCS#8 or PKCS#1).")
    String tlsPrivateKeyFile;

    @Option(names = "--client-ca-file", paramLabel = "FILE", description = "PEM CA bundle: every request needs a client "
            + "certificate it signed (others get 401).")
    String clientCaFile;

    @Option(names = "--authorization-mode", paramLabel = "MODE", description = "AlwaysAllow (default: every request "
            + "that passed authentication may do everything) or ABAC (the apiserver's policy file, "
            + "--authorization-policy-file). Users are client certificates' CN, groups their O fields.")
    String authorizationMode;

    @Option(names = "--authorization-policy-file", paramLabel = "FILE", description = "With --authorization-mode=ABAC: "
            + "the apiserver's ABAC policy file, one abac.authorization.kubernetes.io/v1beta1 Policy (JSON) per line.")
    String authorizationPolicyFile;

    @Option(names = "--relist-period", paramLabel = "DURATION", hidden = true, description = "How often the runtime is "
            + "relisted (the kubelet's PLEG period, 1s); shorter for soak runs.")
    String relistPeriod;

    @Option(names = {"-v", "--v"}, paramLabel = "N", description = "Log verbosity as the kubelet's: 0 (default) info, 4 debug, 6 trace, 8 "
            + "libraries' debug too.")
    String verbosity;

    @Override
    public Integer call() {
        AgentConfig cfg;
        ConfigFile file;
        List<String> warnings = new ArrayList<>();
        try {
            file = ConfigFile.read(config);
            Map<String, String> settings = settings(file);
            Logging logging = new Logging(settings.getOrDefault("logging-format", "text"),
                    integer("-v", settings.getOrDefault("v", "0")));
            logging.apply();
            cfg = toConfig(settings, file.kubeletConfiguration(), warnings);
        } catch (IllegalArgumentException e) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("resizelet serve: " + e.getMessage());
            err.println("Try 'resizelet serve --help' for the options.");
            err.flush();
            return Main.EXIT_USAGE;
        }
        var log = LoggerFactory.getLogger(ServeCommand.class);
        if (!file.ignored().isEmpty()) {
            log.warn("KubeletConfiguration fields ignored (resizelet does not use them) file={} fields={}", file.path(),
                    String.join(",", file.ignored()));
        }
        warnings.forEach(log::warn);
        return Daemon.run(cfg, spec.commandLine().getOut(), spec.commandLine().getErr());
    }

    /** The file's settings with the flags given on top (flags win). */
    Map<String, String> settings(ConfigFile file) {
        Map<String, String> s = new LinkedHashMap<>(file.settings());
        put(s, "listen", listen);
        put(s, "container-runtime-endpoint", criEndpoint != null ? criEndpoint : criEndpointOld);
        put(s, "runtime-request-timeout", requestTimeout != null ? requestTimeout : requestTimeoutOld);
        put(s, "cgroup-driver", cgroupDriver);
        put(s, "cgroup-root", cgroupRoot);
        put(s, "cgroup-mount", cgroupMount);
        put(s, "cgroup-top", cgroupTop);
        put(s, "cgroup-version", cgroupVersion);
        put(s, "capacity-cpu", capacityCpu);
        put(s, "capacity-memory", capacityMemory);
        put(s, "system-reserved", systemReserved);
        put(s, "kube-reserved", kubeReserved);
        put(s, "eviction-hard", evictionHard);
        put(s, "reserved-memory", reservedMemory);
        put(s, "reserved-cpu", reservedCpu);
        put(s, "allocatable-cpu", allocatableCpu);
        put(s, "allocatable-memory", allocatableMemory);
        put(s, "max-pods", maxPods);
        put(s, "extended-resources", extendedResources);
        put(s, "cpu-manager-policy", cpuManagerPolicy);
        put(s, "memory-manager-policy", memoryManagerPolicy);
        put(s, "state-dir", stateDir);
        put(s, "logging-format", loggingFormat);
        put(s, "v", verbosity);
        put(s, "tls-cert-file", tlsCertFile);
        put(s, "tls-private-key-file", tlsPrivateKeyFile);
        put(s, "client-ca-file", clientCaFile);
        put(s, "authorization-mode", authorizationMode);
        put(s, "authorization-policy-file", authorizationPolicyFile);
        put(s, "relist-period", relistPeriod);
        return s;
    }

    private static void put(Map<String, String> s, String key, String flag) {
        if (flag != null) {
            s.put(key, flag);
        }
    }

    /** Settings (flags over file) to the checked config; adds what the operator should hear about to {@code warnings}. */
    static AgentConfig toConfig(Map<String, String> s, boolean kubeletConfiguration, List<String> warnings) {
        Path mount = s.containsKey("cgroup-mount") ? Path.of(s.get("cgroup-mount")) : null;
        String top = s.getOrDefault("cgroup-top", AgentConfig.DEFAULT_CGROUP_TOP);
        String root = s.get("cgroup-root");
        if (root != null && CgroupRoot.isMountPoint(root)) {
            warnings.add("--cgroup-root " + root + " is a cgroup mount point: read as --cgroup-mount " + root
                    + " (--cgroup-root now means the kubelet's root cgroup of pods, e.g. \"/\"); use --cgroup-mount");
            if (mount == null) {
                mount = Path.of(root);
            }
        } else if (root != null) {
            CgroupRoot.check(root);
        }

        long cpuCapacity = millis("--capacity-cpu", s.get("capacity-cpu"), Runtime.getRuntime().availableProcessors() * 1000L);
        long memCapacity = bytes("--capacity-memory", s.get("capacity-memory"), hostMemoryBytes());
        ReservedResources system = ReservedResources.parse("--system-reserved", s.get("system-reserved"));
        if (s.containsKey("reserved-cpu")) {
            system = new ReservedResources(millis("--reserved-cpu", s.get("reserved-cpu"), 0), system.memoryBytes());
            warnings.add("--reserved-cpu is an older name: use --system-reserved=cpu=" + s.get("reserved-cpu"));
        }
        MemoryReservations numa = MemoryReservations.NONE;
        String reservedMem = s.get("reserved-memory");
        if (reservedMem != null && !reservedMem.contains(":")) {
            system = new ReservedResources(system.cpuMillis(), bytes("--reserved-memory", reservedMem, 0));
            warnings.add("--reserved-memory " + reservedMem + " (a plain quantity) is the older name of --system-reserved=memory="
                    + reservedMem + "; --reserved-memory now takes the kubelet's NUMA form, e.g. 0:memory=1Gi");
        } else if (reservedMem != null) {
            numa = MemoryReservations.parse("--reserved-memory", reservedMem);
        }
        ReservedResources kube = ReservedResources.parse("--kube-reserved", s.get("kube-reserved"));
        EvictionThreshold eviction = s.containsKey("eviction-hard")
                ? EvictionThreshold.parse("--eviction-hard", s.get("eviction-hard")) : EvictionThreshold.KUBELET_DEFAULT;
        ReservedResources reserved = system.plus(kube);
        long evictionBytes = eviction.bytesOf(memCapacity);

        String memoryPolicy = s.getOrDefault("memory-manager-policy", "None");
        if (memoryPolicy.equals("Static")) {
            numa.checkStatic(reserved.memoryBytes() + evictionBytes);
        }
        long cpu = millis("--allocatable-cpu", s.get("allocatable-cpu"), cpuCapacity - reserved.cpuMillis());
        long mem = bytes("--allocatable-memory", s.get("allocatable-memory"), memCapacity - reserved.memoryBytes() - evictionBytes);

        String endpoint = s.get("container-runtime-endpoint");
        if (endpoint != null && endpoint.startsWith("/")) {
            endpoint = "unix://" + endpoint; // the kubelet still takes a bare socket path
        }
        String state = s.get("state-dir");
        InetSocketAddress listen = AgentConfig.parseListen(s.getOrDefault("listen", AgentConfig.DEFAULT_LISTEN));
        AuthorizationMode authorization = AuthorizationMode.parse(
                s.getOrDefault("authorization-mode", AuthorizationMode.AlwaysAllow.name()));
        if (authorization == AuthorizationMode.AlwaysAllow && !ApiTls.isLoopback(listen)) {
            warnings.add("--authorization-mode=AlwaysAllow on --listen " + s.get("listen") + ": every client the client CA "
                    + "vouches for may do everything; restrict users with --authorization-mode=ABAC "
                    + "--authorization-policy-file FILE");
        }
        return new AgentConfig(
                listen,
                endpoint,
                mount,
                top,
                s.getOrDefault("cgroup-driver", "cgroupfs"),
                s.getOrDefault("cgroup-version", "auto"),
                cpu, mem,
                integer("--max-pods", s.getOrDefault("max-pods", Integer.toString(AgentConfig.DEFAULT_MAX_PODS))),
                s.getOrDefault("cpu-manager-policy", "none"),
                memoryPolicy,
                state == null ? null : Path.of(state),
                GoDuration.parse("--runtime-request-timeout",
                        s.getOrDefault("runtime-request-timeout", GoDuration.format(AgentConfig.DEFAULT_REQUEST_TIMEOUT))),
                path(s.get("tls-cert-file")), path(s.get("tls-private-key-file")), path(s.get("client-ca-file")),
                extendedResources("--extended-resources", s.get("extended-resources")),
                authorization,
                path(s.get("authorization-policy-file")),
                GoDuration.parse("--relist-period",
                        s.getOrDefault("relist-period", GoDuration.format(AgentConfig.DEFAULT_RELIST_PERIOD))));
    }

    /** {@code example.com/dongle=4,vendor.io/fpga=1}: names the kubelet counts as extended, whole non-negative counts. */
    static Map<String, Long> extendedResources(String flag, String value) {
        if (value == null || value.isBlank()) {
            return Map.of();
        }
        Map<String, Long> out = new java.util.TreeMap<>();
        for (String item : value.split(",")) {
            int eq = item.indexOf('=');
            String name = eq < 0 ? item.trim() : item.substring(0, eq).trim();
            if (eq < 0 || !dev.resizelet.core.model.ResourceNames.isExtended(name)) {
                throw new IllegalArgumentException(flag + ": \"" + item.trim() + "\" is not NAME=N with NAME an extended "
                        + "resource (a domain-prefixed name outside kubernetes.io/, e.g. example.com/dongle=4)");
            }
            long n;
            try {
                n = Long.parseLong(item.substring(eq + 1).trim());
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 0) {
                throw new IllegalArgumentException(flag + ": " + name + " must be a whole non-negative number, got \""
                        + item.substring(eq + 1).trim() + "\"");
            }
            if (out.put(name, n) != null) {
                throw new IllegalArgumentException(flag + ": " + name + " is given twice");
            }
        }
        return out;
    }

    private static Path path(String value) {
        return value == null ? null : Path.of(value);
    }

    static int integer(String flag, String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " must be a whole number, got \"" + value + "\"");
        }
    }

    static long millis(String flag, String value, long fallback) {
        if (value == null) {
            return fallback;
        }
        try {
            return Quantity.parse(value).milliValue();
        } catch (QuantityFormatException e) {
            throw new IllegalArgumentException(flag + ": invalid quantity \"" + value + "\": " + e.getMessage());
        }
    }

    static long bytes(String flag, String value, long fallback) {
        if (value == null) {
            return fallback;
        }
        try {
            return Quantity.parse(value).value();
        } catch (QuantityFormatException e) {
            throw new IllegalArgumentException(flag + ": invalid quantity \"" + value + "\": " + e.getMessage());
        }
    }

    private static long hostMemoryBytes() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getTotalMemorySize();
        }
        return Runtime.getRuntime().maxMemory();
    }

    /** The kubelet's {@code --cgroup-root}, and telling it from the older meaning (the mount point). */
    static final class CgroupRoot {
        private CgroupRoot() {}

        /** A directory that looks like a cgroup mount (v2 root or v1 controller dirs): the older meaning. */
        static boolean isMountPoint(String value) {
            Path p = Path.of(value);
            return !value.equals("/") && Files.isDirectory(p) && (Files.exists(p.resolve("cgroup.controllers"))
                    || Files.isDirectory(p.resolve("cpu")) || Files.isDirectory(p.resolve("memory"))
                    || p.normalize().equals(Path.of("/sys/fs/cgroup")));
        }

        /**
         * The kubelet's default, {@code "/"} (or empty), puts pods under {@code /kubepods}: that is what resizelet
         * manages (the name is --cgroup-top). Pods under a deeper root cgroup are not supported yet: say so.
         */
        static void check(String value) {
            if (!value.isEmpty() && !value.equals("/")) {
                throw new IllegalArgumentException("--cgroup-root \"" + value + "\": resizelet manages pods under the kubelet's "
                        + "default root cgroup \"/\" (pods in /kubepods, named by --cgroup-top); another root cgroup is not "
                        + "supported. For the cgroup mount point use --cgroup-mount.");
            }
        }
    }
}
