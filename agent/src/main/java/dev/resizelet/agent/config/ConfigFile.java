package dev.resizelet.agent.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The file of {@code --config}, read into the same settings the flags give (option name without {@code --} to its
 * value in flag format), so that one code path applies both and flags win. Two kinds of file:
 * <ul>
 *   <li>a kubelet {@code KubeletConfiguration} ({@code apiVersion: kubelet.config.k8s.io/v1beta1}), as kubeadm writes
 *       {@code /var/lib/kubelet/config.yaml}: the fields resizelet honours are mapped to the kubelet flags they stand
 *       for, zero values mean the kubelet's defaults, every other field is listed in {@link #ignored()};</li>
 *   <li>resizelet's own flat YAML ({@code listen: 127.0.0.1:8080}), whose keys are option names.</li>
 * </ul>
 *
 * @param settings option name to value, in flag format
 * @param ignored  KubeletConfiguration fields resizelet does not use (for one warning)
 * @param kubeletConfiguration whether the file is a KubeletConfiguration (a node, not the simulation)
 */
public record ConfigFile(Path path, Map<String, String> settings, List<String> ignored, boolean kubeletConfiguration) {
    public static final String KUBELET_API_VERSION = "kubelet.config.k8s.io/v1beta1";
    /** The kubelet's default containerRuntimeEndpoint on Linux. */
    public static final String KUBELET_DEFAULT_ENDPOINT = "unix:///run/containerd/containerd.sock";

    /** Keys of the flat file: the option names of {@code resizelet serve}, today's and the older aliases. */
    public static final Set<String> FLAT_KEYS = new TreeSet<>(Set.of("listen", "container-runtime-endpoint",
            "cri-endpoint", "runtime-request-timeout", "request-timeout", "cgroup-driver", "cgroup-root", "cgroup-mount",
            "cgroup-top", "cgroup-version", "capacity-cpu", "capacity-memory", "system-reserved", "kube-reserved",
            "eviction-hard", "reserved-cpu", "reserved-memory", "allocatable-cpu", "allocatable-memory", "max-pods",
            "cpu-manager-policy", "memory-manager-policy", "state-dir", "logging-format", "v", "tls-cert-file",
            "tls-private-key-file", "client-ca-file", "authorization-mode", "authorization-policy-file", "relist-period"));

    private static final Map<String, String> ALIASES = Map.of("cri-endpoint", "container-runtime-endpoint",
            "request-timeout", "runtime-request-timeout");

    public ConfigFile {
        settings = Map.copyOf(settings);
        ignored = List.copyOf(ignored);
    }

    public static ConfigFile none() {
        return new ConfigFile(null, Map.of(), List.of(), false);
    }

    public static ConfigFile read(Path file) {
        if (file == null) {
            return none();
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
            return new ConfigFile(file, Map.of(), List.of(), false);
        }
        if (!root.isObject()) {
            throw new IllegalArgumentException("config file " + file + " must be a YAML mapping");
        }
        if ("KubeletConfiguration".equals(root.path("kind").asText(null)) || root.has("apiVersion")) {
            return kubelet(file, root);
        }
        return flat(file, root);
    }

    private static ConfigFile flat(Path file, JsonNode root) {
        Map<String, String> values = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            if (!FLAT_KEYS.contains(e.getKey())) {
                throw new IllegalArgumentException("config file " + file + ": unknown key \"" + e.getKey() + "\" (known: "
                        + String.join(", ", FLAT_KEYS) + "; or a KubeletConfiguration with apiVersion " + KUBELET_API_VERSION + ")");
            }
            if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                throw new IllegalArgumentException("config file " + file + ": \"" + e.getKey() + "\" must be a single value");
            }
            values.put(ALIASES.getOrDefault(e.getKey(), e.getKey()), e.getValue().asText());
        }
        return new ConfigFile(file, values, List.of(), false);
    }

    private static ConfigFile kubelet(Path file, JsonNode root) {
        String apiVersion = root.path("apiVersion").asText("");
        String kind = root.path("kind").asText("");
        if (!apiVersion.equals(KUBELET_API_VERSION) || !kind.equals("KubeletConfiguration")) {
            throw new IllegalArgumentException("config file " + file + ": expected kind KubeletConfiguration, apiVersion "
                    + KUBELET_API_VERSION + ", got kind \"" + kind + "\", apiVersion \"" + apiVersion + "\"");
        }
        String where = "config file " + file + ": ";
        Map<String, String> values = new LinkedHashMap<>();
        List<String> ignored = new ArrayList<>();
        // a KubeletConfiguration is a node's: the runtime is the kubelet's default one unless it names another
        values.put("container-runtime-endpoint", KUBELET_DEFAULT_ENDPOINT);
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            JsonNode v = e.getValue();
            switch (e.getKey()) {
                case "apiVersion", "kind" -> { }
                case "containerRuntimeEndpoint" -> putText(values, "container-runtime-endpoint", v);
                case "runtimeRequestTimeout" -> {
                    // 0s (kubeadm writes it) means the kubelet's default
                    if (!text(v).isEmpty() && !GoDuration.parse(where + "runtimeRequestTimeout", text(v)).isZero()) {
                        values.put("runtime-request-timeout", text(v));
                    }
                }
                case "cgroupDriver" -> putText(values, "cgroup-driver", v);
                case "cgroupRoot" -> putText(values, "cgroup-root", v);
                case "systemReserved" -> values.put("system-reserved",
                        ReservedResources.of(where + "systemReserved", map(where + "systemReserved", v)).toString());
                case "kubeReserved" -> values.put("kube-reserved",
                        ReservedResources.of(where + "kubeReserved", map(where + "kubeReserved", v)).toString());
                case "evictionHard" -> {
                    Map<String, String> signals = map(where + "evictionHard", v);
                    if (signals.containsKey(EvictionThreshold.MEMORY_AVAILABLE)) {
                        values.put("eviction-hard", EvictionThreshold.of(where + "evictionHard", signals).toString());
                    }
                }
                case "maxPods" -> {
                    if (v.asInt(0) != 0) {
                        values.put("max-pods", Integer.toString(v.asInt()));
                    }
                }
                case "cpuManagerPolicy" -> putText(values, "cpu-manager-policy", v);
                case "memoryManagerPolicy" -> putText(values, "memory-manager-policy", v);
                case "reservedMemory" -> values.put("reserved-memory", reservedMemory(where, v).toString());
                case "logging" -> logging(v, values, ignored);
                case "authorization" -> authorization(v, values, ignored);
                default -> ignored.add(e.getKey());
            }
        }
        return new ConfigFile(file, values, ignored, true);
    }

    /**
     * {@code authorization.mode}: AlwaysAllow is honoured (flags win); the kubelet's Webhook (SubjectAccessReviews to an
     * apiserver) is not something resizelet can do, so the whole section is listed as ignored, as before.
     */
    private static void authorization(JsonNode authorization, Map<String, String> values, List<String> ignored) {
        String mode = authorization.path("mode").asText("");
        if (!mode.equals("AlwaysAllow")) {
            ignored.add("authorization");
            return;
        }
        values.put("authorization-mode", mode);
        for (Map.Entry<String, JsonNode> e : authorization.properties()) {
            if (!e.getKey().equals("mode")) {
                ignored.add("authorization." + e.getKey());
            }
        }
    }

    private static void logging(JsonNode logging, Map<String, String> values, List<String> ignored) {
        for (Map.Entry<String, JsonNode> e : logging.properties()) {
            switch (e.getKey()) {
                case "format" -> putText(values, "logging-format", e.getValue());
                case "verbosity" -> values.put("v", Integer.toString(e.getValue().asInt(0)));
                default -> ignored.add("logging." + e.getKey());
            }
        }
    }

    private static MemoryReservations reservedMemory(String where, JsonNode list) {
        if (!list.isArray()) {
            throw new IllegalArgumentException(where + "reservedMemory must be a list of {numaNode, limits}");
        }
        StringBuilder flag = new StringBuilder();
        for (JsonNode r : list) {
            if (flag.length() > 0) {
                flag.append(';');
            }
            flag.append(r.path("numaNode").asInt(0)).append(':');
            Map<String, String> limits = map(where + "reservedMemory.limits", r.path("limits"));
            flag.append(String.join(",", limits.entrySet().stream().map(x -> x.getKey() + "=" + x.getValue()).toList()));
        }
        return MemoryReservations.parse(where + "reservedMemory", flag.toString());
    }

    private static void putText(Map<String, String> values, String key, JsonNode v) {
        if (!text(v).isEmpty()) {
            values.put(key, text(v));
        }
    }

    private static String text(JsonNode v) {
        return v == null || v.isNull() || !v.isValueNode() ? "" : v.asText("").trim();
    }

    private static Map<String, String> map(String what, JsonNode v) {
        Map<String, String> m = new LinkedHashMap<>();
        if (v == null || v.isNull() || v.isMissingNode()) {
            return m;
        }
        if (!v.isObject()) {
            throw new IllegalArgumentException(what + " must be a map, e.g. {cpu: 500m, memory: 1Gi}");
        }
        for (Map.Entry<String, JsonNode> e : v.properties()) {
            m.put(e.getKey(), e.getValue().asText());
        }
        return m;
    }
}
