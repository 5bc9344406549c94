package dev.resizelet.agent;

import static java.util.Objects.requireNonNull;

import dev.resizelet.agent.authz.AuthorizationMode;
import dev.resizelet.agent.http.ApiTls;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * Everything {@code resizelet serve} needs, parsed and checked.
 *
 * @param listen               HTTP address; port 0 picks a free port (printed in the ready line)
 * @param criEndpoint          {@code unix:///run/containerd/containerd.sock} or {@code tcp://host:port}; null runs the
 *                             simulated mode (an embedded fake runtime on a Unix socket in a temp dir)
 * @param cgroupMount          where cgroupfs is mounted; null = {@code /sys/fs/cgroup} on a node, a temp tree when simulated
 * @param cgroupTop            top cgroup of all pods ({@code kubepods}: the kubelet's with its default cgroup root "/")
 * @param cgroupDriver         cgroupfs or systemd
 * @param cgroupVersion        auto, v1 or v2
 * @param allocatableCpuMillis node allocatable CPU (capacity minus reserved), millicores
 * @param allocatableMemoryBytes node allocatable memory, bytes
 * @param maxPods              pods the node admits (the kubelet's --max-pods)
 * @param cpuManagerPolicy     none or static
 * @param memoryManagerPolicy  None or Static
 * @param stateDir             checkpoints and the pod store; null keeps state in memory only
 * @param requestTimeout       deadline of each CRI call
 * @param tlsCertFile          PEM serving certificate (chain); null serves plain HTTP (loopback only)
 * @param tlsPrivateKeyFile    PEM key of {@code tlsCertFile} (PKCS#8, PKCS#1 or SEC1)
 * @param clientCaFile         PEM CA that signs client certificates; every request must carry one
 * @param extendedResources    extended resources the node advertises (as device plugins would), whole units by name
 * @param authorizationMode    how authenticated requests are authorized ({@code --authorization-mode})
 * @param authorizationPolicyFile the ABAC policy file ({@code --authorization-policy-file}); only with ABAC
 * @param relistPeriod         how often the runtime is relisted (the kubelet's PLEG: 1s); shorter for soak runs
 */
public record AgentConfig(InetSocketAddress listen, String criEndpoint, Path cgroupMount, String cgroupTop,
                          String cgroupDriver, String cgroupVersion, long allocatableCpuMillis,
                          long allocatableMemoryBytes, int maxPods, String cpuManagerPolicy, String memoryManagerPolicy,
                          Path stateDir, Duration requestTimeout, Path tlsCertFile, Path tlsPrivateKeyFile,
                          Path clientCaFile, Map<String, Long> extendedResources, AuthorizationMode authorizationMode,
                          Path authorizationPolicyFile, Duration relistPeriod) {

    public static final String DEFAULT_LISTEN = "127.0.0.1:8080";
    public static final String DEFAULT_CGROUP_TOP = "kubepods";
    /** The kubelet's defaults. */
    public static final int DEFAULT_MAX_PODS = 110;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofMinutes(2);
    /** The kubelet's PLEG relist period. */
    public static final Duration DEFAULT_RELIST_PERIOD = Duration.ofSeconds(1);
    public static final Set<String> DRIVERS = Set.of("cgroupfs", "systemd");
    public static final Set<String> VERSIONS = Set.of("auto", "v1", "v2");
    public static final Set<String> CPU_POLICIES = Set.of("none", "static");
    public static final Set<String> MEMORY_POLICIES = Set.of("None", "Static");

    public AgentConfig {
        requireNonNull(listen, "listen");
        requireNonNull(cgroupTop, "cgroupTop");
        requireNonNull(requestTimeout, "requestTimeout");
        oneOf("--cgroup-driver", cgroupDriver, DRIVERS);
        oneOf("--cgroup-version", cgroupVersion, VERSIONS);
        oneOf("--cpu-manager-policy", cpuManagerPolicy, CPU_POLICIES);
        oneOf("--memory-manager-policy", memoryManagerPolicy, MEMORY_POLICIES);
        if (allocatableCpuMillis <= 0) {
            throw new IllegalArgumentException("node allocatable cpu must be positive (capacity minus reserved), got "
                    + allocatableCpuMillis + "m");
        }
        if (allocatableMemoryBytes <= 0) {
            throw new IllegalArgumentException("node allocatable memory must be positive (capacity minus reserved), got "
                    + allocatableMemoryBytes + " bytes");
        }
        if (maxPods <= 0) {
            throw new IllegalArgumentException("--max-pods must be positive, got " + maxPods);
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("--runtime-request-timeout must be positive, got " + requestTimeout);
        }
        if (criEndpoint != null && !criEndpoint.startsWith("unix://") && !criEndpoint.startsWith("tcp://")) {
            throw new IllegalArgumentException("--container-runtime-endpoint must start with unix:// or tcp://, got \""
                    + criEndpoint + "\"");
        }
        ApiTls.checkFlags(listen, tlsCertFile, tlsPrivateKeyFile, clientCaFile);
        extendedResources = Map.copyOf(extendedResources == null ? Map.of() : extendedResources);
        requireNonNull(authorizationMode, "authorizationMode");
        authorizationMode.checkPolicyFile(authorizationPolicyFile);
        requireNonNull(relistPeriod, "relistPeriod");
        if (relistPeriod.isNegative() || relistPeriod.isZero()) {
            throw new IllegalArgumentException("--relist-period must be positive, got " + relistPeriod);
        }
    }

    /** Everyone the TLS listener lets in may do everything; the kubelet's relist period. */
    public AgentConfig(InetSocketAddress listen, String criEndpoint, Path cgroupMount, String cgroupTop,
                       String cgroupDriver, String cgroupVersion, long allocatableCpuMillis,
                       long allocatableMemoryBytes, int maxPods, String cpuManagerPolicy, String memoryManagerPolicy,
                       Path stateDir, Duration requestTimeout, Path tlsCertFile, Path tlsPrivateKeyFile,
                       Path clientCaFile, Map<String, Long> extendedResources) {
        this(listen, criEndpoint, cgroupMount, cgroupTop, cgroupDriver, cgroupVersion, allocatableCpuMillis,
                allocatableMemoryBytes, maxPods, cpuManagerPolicy, memoryManagerPolicy, stateDir, requestTimeout,
                tlsCertFile, tlsPrivateKeyFile, clientCaFile, extendedResources, AuthorizationMode.AlwaysAllow, null,
                DEFAULT_RELIST_PERIOD);
    }

    /** Without extended resources. */
    public AgentConfig(InetSocketAddress listen, String criEndpoint, Path cgroupMount, String cgroupTop,
                       String cgroupDriver, String cgroupVersion, long allocatableCpuMillis,
                       long allocatableMemoryBytes, int maxPods, String cpuManagerPolicy, String memoryManagerPolicy,
                       Path stateDir, Duration requestTimeout, Path tlsCertFile, Path tlsPrivateKeyFile,
                       Path clientCaFile) {
        this(listen, criEndpoint, cgroupMount, cgroupTop, cgroupDriver, cgroupVersion, allocatableCpuMillis,
                allocatableMemoryBytes, maxPods, cpuManagerPolicy, memoryManagerPolicy, stateDir, requestTimeout,
                tlsCertFile, tlsPrivateKeyFile, clientCaFile, Map.of());
    }

    /** Without TLS: plain HTTP, which {@link ApiTls#checkFlags} allows on loopback only. */
    public AgentConfig(InetSocketAddress listen, String criEndpoint, Path cgroupMount, String cgroupTop,
                       String cgroupDriver, String cgroupVersion, long allocatableCpuMillis,
                       long allocatableMemoryBytes, int maxPods, String cpuManagerPolicy, String memoryManagerPolicy,
                       Path stateDir, Duration requestTimeout) {
        this(listen, criEndpoint, cgroupMount, cgroupTop, cgroupDriver, cgroupVersion, allocatableCpuMillis,
                allocatableMemoryBytes, maxPods, cpuManagerPolicy, memoryManagerPolicy, stateDir, requestTimeout, null,
                null, null);
    }

    /** TLS files were given: serve HTTPS. */
    public boolean tls() {
        return tlsCertFile != null;
    }

    /** No CRI endpoint given: run the embedded fake runtime. */
    public boolean simulated() {
        return criEndpoint == null;
    }

    private static void oneOf(String flag, String value, Set<String> allowed) {
        if (!allowed.contains(value)) {
            throw new IllegalArgumentException(flag + " must be one of " + new java.util.TreeSet<>(allowed) + ", got \"" + value + "\"");
        }
    }

    /** {@code host:port}, {@code :port} or {@code [v6]:port}. */
    public static InetSocketAddress parseListen(String value) {
        int colon = value.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("--listen must be host:port, got \"" + value + "\"");
        }
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(value.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--listen port must be a number, got \"" + value + "\"");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--listen port must be 0-65535, got " + port);
        }
        return new InetSocketAddress(host.isEmpty() ? "0.0.0.0" : host, port);
    }
}
