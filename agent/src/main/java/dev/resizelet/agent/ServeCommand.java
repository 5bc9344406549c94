package dev.resizelet.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.QuantityFormatException;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code resizelet serve}: parse flags and the optional YAML file into an {@link AgentConfig}, run the daemon. */
@Command(name = "serve", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"Run the node agent and its Kubernetes-shaped HTTP API.",
                "With no --cri-endpoint it runs simulated: an embedded fake CRI runtime on a Unix socket and a cgroup "
                        + "tree in a temp dir (no root needed)."},
        sortOptions = false)
public final class ServeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML file with any of these options as keys "
            + "(e.g. 'listen: 127.0.0.1:8080', 'allocatable-cpu: 4'); flags win.")
    Path config;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "HTTP address (default " + AgentConfig.DEFAULT_LISTEN
            + "); port 0 picks a free one.")
    String listen;

    @Option(names = "--cri-endpoint", paramLabel = "URL", description = "CRI runtime, e.g. unix:///run/containerd/containerd.sock. "
            + "Absent: simulated mode.")
    String criEndpoint;

    @Option(names = "--cgroup-root", paramLabel = "DIR", description = "cgroup mount root (default /sys/fs/cgroup; a temp tree when simulated).")
    String cgroupRoot;

    @Option(names = "--cgroup-top", paramLabel = "NAME", description = "Top cgroup of all pods (default kubepods).")
    String cgroupTop;

    @Option(names = "--cgroup-driver", paramLabel = "DRIVER", description = "cgroupfs (default) or systemd.")
    String cgroupDriver;

    @Option(names = "--cgroup-version", paramLabel = "VERSION", description = "auto (default), v1 or v2.")
    String cgroupVersion;

    @Option(names = "--capacity-cpu", paramLabel = "QUANTITY", description = "Node CPU capacity (default: this machine's CPUs).")
    String capacityCpu;

    @Option(names = "--capacity-memory", paramLabel = "QUANTITY", description = "Node memory capacity (default: this machine's memory).")
    String capacityMemory;

    @Option(names = "--reserved-cpu", paramLabel = "QUANTITY", description = "CPU reserved for the system (default 0).")
    String reservedCpu;

    @Option(names = "--reserved-memory", paramLabel = "QUANTITY", description = "Memory reserved for the system (default 0).")
    String reservedMemory;

    @Option(names = "--allocatable-cpu", paramLabel = "QUANTITY", description = "Node allocatable CPU; overrides capacity minus reserved.")
    String allocatableCpu;

    @Option(names = "--allocatable-memory", paramLabel = "QUANTITY", description = "Node allocatable memory; overrides capacity minus reserved.")
    String allocatableMemory;

    @Option(names = "--cpu-manager-policy", paramLabel = "POLICY", description = "none (default) or static.")
    String cpuManagerPolicy;

    @Option(names = "--memory-manager-policy", paramLabel = "POLICY", description = "None (default) or Static.")
    String memoryManagerPolicy;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "Checkpoints and pod store; pods survive restarts. "
            + "Absent: state is kept in memory only.")
    String stateDir;

    @Option(names = "--request-timeout", paramLabel = "DURATION", description = "Deadline of each CRI call, e.g. 10s (default), 500ms.")
    String requestTimeout;

    @Option(names = "--tls-cert-file", paramLabel = "FILE", description = "PEM serving certificate (chain): serve HTTPS. "
            + "Required, with --tls-private-key-file and --client-ca-file, on a non-loopback --listen.")
    String tlsCertFile;

    @Option(names = "--tls-private-key-file", paramLabel = "FILE", description = "PEM key of --tls-cert-file (PKCS#8 or PKCS#1).")
    String tlsPrivateKeyFile;

    @Option(names = "--client-ca-file", paramLabel = "FILE", description = "PEM CA bundle: every request needs a client "
            + "certificate it signed (others get 401).")
    String clientCaFile;

    private static final Set<String> KEYS = new TreeSet<>(Set.of("listen", "cri-endpoint", "cgroup-root", "cgroup-top",
            "cgroup-driver", "cgroup-version", "capacity-cpu", "capacity-memory", "reserved-cpu", "reserved-memory",
            "allocatable-cpu", "allocatable-memory", "cpu-manager-policy", "memory-manager-policy", "state-dir",
            "request-timeout", "tls-cert-file", "tls-private-key-file", "client-ca-file"));

    @Override
    public Integer call() {
        AgentConfig cfg;
        try {
            cfg = toConfig(readConfigFile(config));
        } catch (IllegalArgumentException e) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("resizelet serve: " + e.getMessage());
            err.println("Try 'resizelet serve --help' for the options.");
            err.flush();
            return Main.EXIT_USAGE;
        }
        return Daemon.run(cfg, spec.commandLine().getOut(), spec.commandLine().getErr());
    }

    /** Flags win over the file; the file over defaults. */
    AgentConfig toConfig(Map<String, String> file) {
        String listenValue = pick(listen, file, "listen", AgentConfig.DEFAULT_LISTEN);
        String endpoint = pick(criEndpoint, file, "cri-endpoint", null);
        String root = pick(cgroupRoot, file, "cgroup-root", null);
        long cpuCapacity = millis("--capacity-cpu", pick(capacityCpu, file, "capacity-cpu", null),
                Runtime.getRuntime().availableProcessors() * 1000L);
        long memCapacity = bytes("--capacity-memory", pick(capacityMemory, file, "capacity-memory", null), hostMemoryBytes());
        long cpuReserved = millis("--reserved-cpu", pick(reservedCpu, file, "reserved-cpu", null), 0);
        long memReserved = bytes("--reserved-memory", pick(reservedMemory, file, "reserved-memory", null), 0);
        long cpu = millis("--allocatable-cpu", pick(allocatableCpu, file, "allocatable-cpu", null), cpuCapacity - cpuReserved);
        long mem = bytes("--allocatable-memory", pick(allocatableMemory, file, "allocatable-memory", null), memCapacity - memReserved);
        String state = pick(stateDir, file, "state-dir", null);
        String tlsCert = pick(tlsCertFile, file, "tls-cert-file", null);
        String tlsKey = pick(tlsPrivateKeyFile, file, "tls-private-key-file", null);
        String clientCa = pick(clientCaFile, file, "client-ca-file", null);
        return new AgentConfig(
                AgentConfig.parseListen(listenValue),
                endpoint,
                root == null ? null : Path.of(root),
                pick(cgroupTop, file, "cgroup-top", "kubepods"),
                pick(cgroupDriver, file, "cgroup-driver", "cgroupfs"),
                pick(cgroupVersion, file, "cgroup-version", "auto"),
                cpu, mem,
                pick(cpuManagerPolicy, file, "cpu-manager-policy", "none"),
                pick(memoryManagerPolicy, file, "memory-manager-policy", "None"),
                state == null ? null : Path.of(state),
                duration("--request-timeout", pick(requestTimeout, file, "request-timeout", "10s")),
                tlsCert == null ? null : Path.of(tlsCert),
                tlsKey == null ? null : Path.of(tlsKey),
                clientCa == null ? null : Path.of(clientCa));
    }

    private static String pick(String flag, Map<String, String> file, String key, String fallback) {
        if (flag != null) {
            return flag;
        }
        return file.getOrDefault(key, fallback);
    }

    static Map<String, String> readConfigFile(Path file) {
        Map<String, String> values = new LinkedHashMap<>();
        if (file == null) {
            return values;
        }
        JsonNode root;
        try {
            root = new YAMLMapper().readTree(Files.readAllBytes(file));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("config file " + file + " is not valid YAML: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read config file " + file + ": " + e);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return values;
        }
        if (!root.isObject()) {
            throw new IllegalArgumentException("config file " + file + " must be a YAML mapping of option: value");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!KEYS.contains(e.getKey())) {
                throw new IllegalArgumentException("config file " + file + ": unknown key \"" + e.getKey() + "\" (known: "
                        + String.join(", ", KEYS) + ")");
            }
            if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                throw new IllegalArgumentException("config file " + file + ": \"" + e.getKey() + "\" must be a single value");
            }
            values.put(e.getKey(), e.getValue().asText());
        }
        return values;
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

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m)");

    static Duration duration(String flag, String value) {
        Matcher m = DURATION.matcher(value);
        if (!m.matches()) {
            throw new IllegalArgumentException(flag + " must look like 500ms, 10s or 1m, got \"" + value + "\"");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            default -> Duration.ofMinutes(n);
        };
    }

    private static long hostMemoryBytes() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getTotalMemorySize();
        }
        return Runtime.getRuntime().maxMemory();
    }
}
