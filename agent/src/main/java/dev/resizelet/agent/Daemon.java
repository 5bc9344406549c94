package dev.resizelet.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.resizelet.agent.authz.Authorizer;
import dev.resizelet.agent.http.ApiServer;
import dev.resizelet.agent.http.ApiTls;
import dev.resizelet.agent.http.PodService;
import dev.resizelet.cgroups.CgroupConfig;
import dev.resizelet.cgroups.CgroupDriver;
import dev.resizelet.cgroups.CgroupManager;
import dev.resizelet.cgroups.CgroupFs;
import dev.resizelet.cgroups.CgroupModeDetector;
import dev.resizelet.cgroups.CgroupVersion;
import dev.resizelet.core.NodeAgent;
import dev.resizelet.core.api.AgentMetrics;
import dev.resizelet.core.admission.NodeConfig.CpuManagerPolicy;
import dev.resizelet.core.admission.NodeConfig.MemoryManagerPolicy;
import dev.resizelet.core.store.NamespaceStore;
import dev.resizelet.core.store.StoreException;
import dev.resizelet.cri.CriClientOptions;
import dev.resizelet.cri.CriException;
import dev.resizelet.cri.GrpcRuntimeClient;
import dev.resizelet.fakecri.FakeRuntime;
import dev.resizelet.fakecri.FakeRuntimeServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the parts of a running agent by constructor: the runtime (a real CRI endpoint, or the embedded fake one on a
 * Unix socket with a temp cgroup tree), the {@link NodeAgent} (state in --state-dir, or a temp dir when simulated),
 * metrics and the HTTP API. Closing stops them in reverse
 * order: the API first (no new writes), then the agent (in-flight checkpoint writes finish), then the runtime.
 */
public final class Daemon implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Daemon.class);

    /** Starts everything or throws {@link StartException} with the reason, leaving nothing running. */
    public static Daemon start(AgentConfig config, Clock clock) {
        List<AutoCloseable> started = new ArrayList<>();
        try {
            // first: a policy file that cannot be read stops the start before anything runs
            Authorizer authorizer = config.authorizationMode().authorizer(config.authorizationPolicyFile());
            Path simDir = null;
            String endpoint = config.criEndpoint();
            CgroupConfig cgroups;
            if (config.simulated()) {
                simDir = Files.createTempDirectory("resizelet-sim-");
                Path tempDir = simDir;
                started.add(() -> deleteTree(tempDir));
                Path root = config.cgroupMount() != null ? config.cgroupMount() : simDir.resolve("cgroup");
                for (String controller : new String[] {"cpu", "memory", "cpuset", "pids"}) {
                    Files.createDirectories(root.resolve(controller).resolve(config.cgroupTop()));
                }
                cgroups = new CgroupConfig(root, config.cgroupTop(), CgroupVersion.V1, driver(config));
                FakeRuntime runtime = FakeRuntime.builder().cgroups(new CgroupManager(cgroups, CgroupFs.real())).clock(clock).build();
                FakeRuntimeServer server = FakeRuntimeServer.unixSocket(runtime, simDir.resolve("cri.sock"));
                started.add(server);
                endpoint = server.endpoint();
            } else {
                Path root = config.cgroupMount() != null ? config.cgroupMount() : CgroupModeDetector.DEFAULT_ROOT;
                cgroups = cgroupConfig(config, root);
                if (endpoint.startsWith("unix://") && !Files.exists(Path.of(endpoint.substring("unix://".length())))) {
                    throw new StartException("CRI socket " + endpoint.substring("unix://".length())
                            + " does not exist: is the runtime (containerd, CRI-O) running? (--cri-endpoint " + endpoint + ")");
                }
            }
            Path stateDir = config.stateDir() != null ? config.stateDir() : simDir == null ? null : simDir.resolve("state");
            // metrics first: every CRI call the agent makes is recorded (the pods and counters are read at scrape time)
            AtomicReference<NodeAgent> agentRef = new AtomicReference<>();
            AtomicReference<PodService> podsRef = new AtomicReference<>();
            Metrics metrics = new Metrics(() -> podsRef.get() == null ? List.of() : podsRef.get().list(null).items(),
                    () -> agentRef.get() == null ? new AgentMetrics(0, 0, 0, 0) : agentRef.get().metrics(), clock);
            GrpcRuntimeClient client = GrpcRuntimeClient.connect(endpoint,
                    CriClientOptions.defaults().withRequestTimeout(config.requestTimeout()));
            started.add(client);
            NodeAgent agent = NodeAgent.builder()
                    .runtime(new InstrumentedRuntime(client, metrics.runtime()))
                    .cgroups(cgroups)
                    .allocatable(config.allocatableCpuMillis(), config.allocatableMemoryBytes(), config.maxPods(),
                            config.extendedResources())
                    .cpuManagerPolicy(config.cpuManagerPolicy().equals("static") ? CpuManagerPolicy.STATIC : CpuManagerPolicy.NONE)
                    .memoryManagerPolicy(config.memoryManagerPolicy().equals("Static") ? MemoryManagerPolicy.STATIC
                            : MemoryManagerPolicy.NONE)
                    .stateDir(stateDir)
                    .requestTimeout(config.requestTimeout())
                    .relistInterval(config.relistPeriod())
                    .clock(clock)
                    .build();
            started.add(agent);
            agentRef.set(agent);
            ObjectMapper json = new ObjectMapper();
            PodService pods = new AgentPods(agent, new PodJson(json), new EventJson(json, hostName()), clock);
            podsRef.set(pods);
            started.add(pods.watch(null, 0, metrics::observe));
            NamespaceStore namespaceStore = stateDir == null ? NamespaceStore.inMemory()
                    : NamespaceStore.open(stateDir.resolve("namespaces"));
            started.add(namespaceStore);
            ApiServer api;
            try {
                ApiTls tls = config.tls()
                        ? ApiTls.load(config.tlsCertFile(), config.tlsPrivateKeyFile(), config.clientCaFile()) : null;
                api = new ApiServer(config.listen(), tls, authorizer, pods, namespaceStore, metrics, clock,
                        Main.agentVersion());
            } catch (BindException e) {
                throw new StartException("cannot listen on " + describe(config.listen()) + ": " + e.getMessage()
                        + " (is another resizelet or program using the port? choose one with --listen)");
            }
            api.start();
            started.add(api);
            return new Daemon(config, started, api, pods, endpoint, cgroups, stateDir);
        } catch (StartException e) {
            closeAll(started);
            throw e;
        } catch (IOException e) {
            closeAll(started);
            throw new StartException("cannot start: " + e, e);
        } catch (StoreException.Corrupt e) {
            closeAll(started);
            throw new StartException(e.getMessage(), e); // names the file and the fix
        } catch (CriException e) {
            closeAll(started);
            throw new StartException("the CRI runtime at " + (config.simulated() ? "the simulated endpoint" : config.criEndpoint())
                    + " did not answer: " + e.getMessage() + " (is it running? check --cri-endpoint)", e);
        } catch (RuntimeException e) {
            closeAll(started);
            throw new StartException(e.getMessage() == null ? e.toString() : e.getMessage(), e);
        }
    }

    private static CgroupDriver driver(AgentConfig config) {
        return config.cgroupDriver().equals("systemd") ? CgroupDriver.SYSTEMD : CgroupDriver.CGROUPFS;
    }

    private static CgroupConfig cgroupConfig(AgentConfig config, Path root) {
        return switch (config.cgroupVersion()) {
            case "v1" -> new CgroupConfig(root, config.cgroupTop(), CgroupVersion.V1, driver(config));
            case "v2" -> new CgroupConfig(root, config.cgroupTop(), CgroupVersion.V2, driver(config));
            default -> CgroupConfig.of(root.equals(CgroupModeDetector.DEFAULT_ROOT) ? CgroupModeDetector.detectHost()
                    : new CgroupModeDetector(CgroupModeDetector.PROC_SELF_MOUNTINFO).detect(root), config.cgroupTop(), driver(config));
        };
    }

    /** The daemon's main: start, print the ready line, block until SIGTERM/SIGINT, stop. Returns the exit code. */
    static int run(AgentConfig config, PrintWriter out, PrintWriter err) {
        Daemon daemon;
        try {
            daemon = start(config, Clock.systemUTC());
        } catch (StartException e) {
            err.println("resizelet: cannot start: " + e.getMessage());
            err.flush();
            return Main.EXIT_CANNOT_START;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            log.info("shutting down");
            daemon.close();
            stopped.countDown();
        }, "shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println(daemon.readyLine());
        out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Main.EXIT_OK;
    }

    private final AgentConfig config;
    private final List<AutoCloseable> parts;
    private final ApiServer api;
    private final PodService pods;
    private final String endpoint;
    private final CgroupConfig cgroups;
    private final Path stateDir;

    private Daemon(AgentConfig config, List<AutoCloseable> parts, ApiServer api, PodService pods, String endpoint,
                   CgroupConfig cgroups, Path stateDir) {
        this.config = config;
        this.parts = parts;
        this.api = api;
        this.pods = pods;
        this.endpoint = endpoint;
        this.cgroups = cgroups;
        this.stateDir = stateDir;
    }

    public InetSocketAddress address() {
        return api.address();
    }

    public PodService pods() {
        return pods;
    }

    /** One line, parsed by tests: {@code resizelet ready: http://127.0.0.1:PORT ...} ({@code https} with TLS). */
    public String readyLine() {
        InetSocketAddress a = address();
        String host = a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getAddress().getHostAddress();
        return "resizelet ready: " + api.scheme() + "://" + host + ":" + a.getPort() + " (" + (config.simulated() ? "simulated runtime " : "runtime ")
                + endpoint + ", cgroups " + cgroups.root() + " " + cgroups.version().name().toLowerCase() + ", state "
                + (stateDir == null ? "in memory" : stateDir + (config.stateDir() == null ? " (temporary)" : "")) + ")";
    }

    @Override
    public synchronized void close() {
        if (parts.isEmpty()) {
            return;
        }
        closeAll(parts);
        parts.clear();
        log.info("stopped");
    }

    private static void closeAll(List<AutoCloseable> parts) {
        for (int i = parts.size() - 1; i >= 0; i--) {
            try {
                parts.get(i).close();
            } catch (Exception e) {
                log.warn("stop failed part={}", parts.get(i).getClass().getSimpleName(), e);
            }
        }
    }

    private static String describe(InetSocketAddress a) {
        return (a.getHostString() == null ? "*" : a.getHostString()) + ":" + a.getPort();
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** The agent could not start; the message says why and what to do. */
    public static final class StartException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public StartException(String message) {
            super(message);
        }

        public StartException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
