package dev.resizelet.it.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resizelet.core.model.Quantity;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The upstream e2e resize helpers, transcribed: kubernetes/kubernetes
 * {@code test/e2e/common/node/framework/podresize/resize.go} (formerly {@code test/e2e/framework/pod/resize.go}) and
 * {@code test/e2e/common/node/framework/cgroups/cgroups.go} + {@code cgroups_linux.go}. A pod is described as upstream
 * describes it ({@link Ctr}: name, resources, resize policies, expected restart count, init/sidecar), the pod object and
 * the resize patch are made as upstream makes them ({@code MakePodWithResizableContainers}, {@code MakeResizePatch}:
 * a two-way strategic merge patch), and the checks say what upstream's verifiers say ({@code VerifyPodResources},
 * {@code VerifyPodResizePolicy}, {@code VerifyPodStatusResources}, {@code verifyPodRestarts},
 * {@code VerifyContainerCgroupValues}), as lists of mismatches (empty: as expected).
 */
public final class PodResizeE2E {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** The extended resource upstream's Guaranteed cases request ({@code fakeExtendedResource}). */
    public static final String FAKE_EXTENDED_RESOURCE = "dummy.com/dummy";
    /** What every upstream resize container runs ({@code makeResizableContainer}). */
    public static final String COMMAND = "grep Cpus_allowed_list /proc/self/status | cut -f2 && sleep 1d";
    public static final String NOT_REQUIRED = "NotRequired";
    public static final String RESTART_CONTAINER = "RestartContainer";
    private static final long QUOTA_PERIOD = 100_000;

    private PodResizeE2E() {
    }

    /** {@code cgroups.ContainerResources}; an empty string is "not set". */
    public record Res(String cpuReq, String cpuLim, String memReq, String memLim, String ephReq, String ephLim,
                      String extReq, String extLim) {
        public Res {
            cpuReq = Objects.requireNonNullElse(cpuReq, "");
            cpuLim = Objects.requireNonNullElse(cpuLim, "");
            memReq = Objects.requireNonNullElse(memReq, "");
            memLim = Objects.requireNonNullElse(memLim, "");
            ephReq = Objects.requireNonNullElse(ephReq, "");
            ephLim = Objects.requireNonNullElse(ephLim, "");
            extReq = Objects.requireNonNullElse(extReq, "");
            extLim = Objects.requireNonNullElse(extLim, "");
        }

        public static Res of(String cpuReq, String cpuLim, String memReq, String memLim) {
            return new Res(cpuReq, cpuLim, memReq, memLim, "", "", "", "");
        }

        public static Res none() {
            return of("", "", "", "");
        }

        public Res withEphemeralRequest(String q) {
            return new Res(cpuReq, cpuLim, memReq, memLim, q, ephLim, extReq, extLim);
        }

        public Res withExtended(String req, String lim) {
            return new Res(cpuReq, cpuLim, memReq, memLim, ephReq, ephLim, req, lim);
        }

        /** {@code ResourceRequirements()}: {@code {"limits":{...},"requests":{...}}}, empty maps left out. */
        public ObjectNode requirements() {
            ObjectNode out = NODES.objectNode();
            ObjectNode limits = NODES.objectNode();
            put(limits, "cpu", cpuLim);
            put(limits, "memory", memLim);
            put(limits, "ephemeral-storage", ephLim);
            put(limits, FAKE_EXTENDED_RESOURCE, extLim);
            ObjectNode requests = NODES.objectNode();
            put(requests, "cpu", cpuReq);
            put(requests, "memory", memReq);
            put(requests, "ephemeral-storage", ephReq);
            put(requests, FAKE_EXTENDED_RESOURCE, extReq);
            if (!limits.isEmpty()) {
                out.set("limits", limits);
            }
            if (!requests.isEmpty()) {
                out.set("requests", requests);
            }
            return out;
        }

        private static void put(ObjectNode map, String name, String value) {
            if (!value.isEmpty()) {
                map.put(name, value);
            }
        }
    }

    /** {@code podresize.ResizableContainerInfo}: a null policy is "not set". */
    public record Ctr(String name, Res resources, String cpuPolicy, String memPolicy, int restartCount,
                      String restartPolicy, boolean init) {
        public Ctr {
            Objects.requireNonNull(name, "name");
            resources = Objects.requireNonNullElse(resources, Res.none());
        }

        public static Ctr of(String name, Res resources) {
            return new Ctr(name, resources, null, null, 0, null, false);
        }

        public static Ctr of(String name, Res resources, String cpuPolicy, String memPolicy) {
            return new Ctr(name, resources, cpuPolicy, memPolicy, 0, null, false);
        }

        /** A sidecar: an init container with {@code restartPolicy: Always}. */
        public static Ctr sidecar(String name, Res resources, String cpuPolicy, String memPolicy) {
            return new Ctr(name, resources, cpuPolicy, memPolicy, 0, "Always", true);
        }

        public Ctr withResources(Res r) {
            return new Ctr(name, r, cpuPolicy, memPolicy, restartCount, restartPolicy, init);
        }

        public Ctr withRestartCount(int n) {
            return new Ctr(name, resources, cpuPolicy, memPolicy, n, restartPolicy, init);
        }

        public Ctr withoutPolicies() {
            return new Ctr(name, resources, null, null, restartCount, restartPolicy, init);
        }

        /** {@code makeResizableContainer}. */
        ObjectNode container(String image) {
            ObjectNode c = NODES.objectNode();
            c.put("name", name);
            c.put("image", image);
            c.putArray("command").add("/bin/sh");
            c.putArray("args").add("-c").add(COMMAND);
            c.set("resources", resources.requirements());
            ArrayNode policies = NODES.arrayNode();
            if (cpuPolicy != null) {
                policies.addObject().put("resourceName", "cpu").put("restartPolicy", cpuPolicy);
            }
            if (memPolicy != null) {
                policies.addObject().put("resourceName", "memory").put("restartPolicy", memPolicy);
            }
            if (!policies.isEmpty()) {
                c.set("resizePolicy", policies);
            }
            if (restartPolicy != null) {
                c.put("restartPolicy", restartPolicy);
            }
            return c;
        }
    }

    /** {@code offsetCPU}: the value plus {@code 2*index} millicores. */
    public static String offsetCpu(int index, String value) {
        if (value.isEmpty()) {
            return "";
        }
        return Quantity.ofMillis(Quantity.parse(value).milliValue() + 2L * index).toString();
    }

    /** {@code offsetMemory}: the value plus {@code 2*index} Mi. */
    public static String offsetMemory(int index, String value) {
        if (value.isEmpty()) {
            return "";
        }
        long bytes = Quantity.parse(value).value() + 2L * index * 1024 * 1024;
        return Quantity.parse(bytes % (1024 * 1024) == 0 ? (bytes / (1024 * 1024)) + "Mi" : Long.toString(bytes)).toString();
    }

    /** {@code MakePodWithResizableContainers}: OnFailure, grace period 0, a {@code time} label. */
    public static ObjectNode pod(String name, String timeStamp, List<Ctr> containers, String image) {
        ObjectNode pod = NODES.objectNode();
        pod.put("apiVersion", "v1").put("kind", "Pod");
        ObjectNode meta = pod.putObject("metadata");
        meta.put("name", name);
        meta.putObject("labels").put("time", timeStamp);
        ObjectNode spec = pod.putObject("spec");
        spec.putObject("os").put("name", "linux");
        ArrayNode inits = NODES.arrayNode();
        ArrayNode apps = NODES.arrayNode();
        for (Ctr c : containers) {
            (c.init() ? inits : apps).add(c.container(image));
        }
        if (!inits.isEmpty()) {
            spec.set("initContainers", inits);
        }
        spec.set("containers", apps);
        spec.put("restartPolicy", "OnFailure");
        spec.put("terminationGracePeriodSeconds", 0);
        return pod;
    }

    /**
     * {@code MakeResizePatch}: {@code strategicpatch.CreateTwoWayMergePatch(original, desired, v1.Pod{})} of the two
     * pods' specs. Maps: changed keys, removed keys as null. {@code containers}/{@code initContainers} (merge key
     * {@code name}): the changed elements by name, new ones whole, removed ones as {@code $patch: delete}, and
     * {@code $setElementOrder/<list>} with the desired order whenever the list changed.
     */
    public static ObjectNode resizePatch(List<Ctr> original, List<Ctr> desired) {
        ObjectNode from = (ObjectNode) pod("", "", original, "image").get("spec");
        ObjectNode to = (ObjectNode) pod("", "", desired, "image").get("spec");
        ObjectNode spec = NODES.objectNode();
        for (String list : List.of("containers", "initContainers")) {
            diffMergeList(list, from.path(list), to.path(list), spec);
        }
        ObjectNode patch = NODES.objectNode();
        if (!spec.isEmpty()) {
            patch.set("spec", spec);
        }
        return patch;
    }

    private static void diffMergeList(String list, JsonNode from, JsonNode to, ObjectNode into) {
        Map<String, JsonNode> before = byName(from);
        Map<String, JsonNode> after = byName(to);
        ArrayNode elements = NODES.arrayNode();
        for (Map.Entry<String, JsonNode> e : after.entrySet()) {
            JsonNode old = before.get(e.getKey());
            if (old == null) {
                elements.add(e.getValue().deepCopy());
                continue;
            }
            ObjectNode d = diffMaps(old, e.getValue());
            if (!d.isEmpty()) {
                ObjectNode element = NODES.objectNode().put("name", e.getKey());
                element.setAll(d);
                elements.add(element);
            }
        }
        for (String name : before.keySet()) {
            if (!after.containsKey(name)) {
                elements.addObject().put("name", name).put("$patch", "delete");
            }
        }
        boolean reordered = !new ArrayList<>(before.keySet()).equals(new ArrayList<>(after.keySet()));
        if (elements.isEmpty() && !reordered) {
            return;
        }
        ArrayNode order = into.putArray("$setElementOrder/" + list);
        after.keySet().forEach(n -> order.addObject().put("name", n));
        if (!elements.isEmpty()) {
            into.set(list, elements);
        }
    }

    private static Map<String, JsonNode> byName(JsonNode list) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        list.forEach(e -> out.put(e.path("name").asText(), e));
        return out;
    }

    private static ObjectNode diffMaps(JsonNode from, JsonNode to) {
        ObjectNode out = NODES.objectNode();
        for (Iterator<String> it = from.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!to.has(k)) {
                out.putNull(k);
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = to.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode old = from.get(e.getKey());
            if (old == null) {
                out.set(e.getKey(), e.getValue().deepCopy());
            } else if (old.isObject() && e.getValue().isObject()) {
                ObjectNode d = diffMaps(old, e.getValue());
                if (!d.isEmpty()) {
                    out.set(e.getKey(), d);
                }
            } else if (!old.equals(e.getValue())) {
                out.set(e.getKey(), e.getValue().deepCopy());
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- verifiers

    /** {@code VerifyPodResources}: the spec's requests and limits of every container (init ones too) are the wanted ones. */
    public static List<String> verifyPodResources(JsonNode pod, List<Ctr> want) {
        List<String> errors = new ArrayList<>();
        Map<String, JsonNode> got = specContainers(pod);
        if (got.size() != want.size()) {
            errors.add("number of containers in pod spec should match: got " + got.keySet() + ", want " + want.size());
        }
        for (Ctr c : want) {
            JsonNode g = got.get(c.name());
            if (g != null && !sameRequirements(g.path("resources"), c.resources().requirements())) {
                errors.add("spec " + c.name() + " resources " + g.path("resources") + ", want " + c.resources().requirements());
            }
        }
        return errors;
    }

    /** {@code VerifyPodResizePolicy}: the spec's resizePolicy is exactly the one the test set (none if unset). */
    public static List<String> verifyResizePolicy(JsonNode pod, List<Ctr> want) {
        List<String> errors = new ArrayList<>();
        Map<String, JsonNode> got = specContainers(pod);
        for (Ctr c : want) {
            JsonNode g = got.get(c.name());
            JsonNode wanted = c.container("x").path("resizePolicy");
            if (g != null && !g.path("resizePolicy").equals(wanted)) {
                errors.add("spec " + c.name() + " resizePolicy " + g.path("resizePolicy") + ", want " + wanted);
            }
        }
        return errors;
    }

    /**
     * {@code VerifyPodStatusResources}: {@code status.initContainerStatuses} and {@code status.containerStatuses}, in
     * spec order, name the wanted containers and show their requests and limits in {@code resources}.
     */
    public static List<String> verifyStatusResources(JsonNode pod, List<Ctr> want) {
        List<String> errors = new ArrayList<>();
        verifyStatuses(pod.at("/status/initContainerStatuses"), want.stream().filter(Ctr::init).toList(), errors);
        verifyStatuses(pod.at("/status/containerStatuses"), want.stream().filter(c -> !c.init()).toList(), errors);
        return errors;
    }

    private static void verifyStatuses(JsonNode statuses, List<Ctr> want, List<String> errors) {
        if (statuses.size() != want.size()) {
            errors.add("expectation length mismatch: got " + statuses.size() + " statuses, want " + want.size());
            return;
        }
        for (int i = 0; i < want.size(); i++) {
            JsonNode s = statuses.get(i);
            Ctr c = want.get(i);
            if (!s.path("name").asText().equals(c.name())) {
                errors.add("container status " + i + " name " + s.path("name") + " != expected name " + c.name());
            } else if (!sameRequirements(s.path("resources"), c.resources().requirements())) {
                errors.add("container[" + c.name() + "] status resources mismatch: " + s.path("resources") + ", want "
                        + c.resources().requirements());
            }
        }
    }

    /** {@code verifyPodRestarts}: the restart count of every container is the expected one. */
    public static List<String> verifyRestarts(JsonNode pod, List<Ctr> want) {
        List<String> errors = new ArrayList<>();
        Map<String, Integer> got = restartCounts(pod);
        for (Ctr c : want) {
            Integer n = got.get(c.name());
            if (n == null || n != c.restartCount()) {
                errors.add("unexpected number of restarts for container " + c.name() + ": got " + n + ", want "
                        + c.restartCount());
            }
        }
        return errors;
    }

    /**
     * {@code UpdateExpectedContainerRestarts}: the expected increments (0 or 1) added to the counts the pod shows
     * right before the resize. Upstream reads only {@code containerStatuses}; sidecars restart too, so their
     * {@code initContainerStatuses} counts are read the same way here.
     */
    public static List<Ctr> withCurrentRestarts(JsonNode pod, List<Ctr> expected) {
        Map<String, Integer> now = restartCounts(pod);
        return expected.stream().map(c -> c.withRestartCount(c.restartCount() + now.getOrDefault(c.name(), 0))).toList();
    }

    private static Map<String, Integer> restartCounts(JsonNode pod) {
        Map<String, Integer> out = new TreeMap<>();
        for (String list : List.of("initContainerStatuses", "containerStatuses")) {
            pod.path("status").path(list).forEach(s -> out.put(s.path("name").asText(), s.path("restartCount").asInt()));
        }
        return out;
    }

    /**
     * {@code WaitForPodResizeActuation}'s matcher: not Infeasible (terminal: the error says so), the status shows the
     * expected resources, no PodResizePending/PodResizeInProgress condition, and the pod is Ready. Empty when done.
     */
    public static List<String> actuationPending(JsonNode pod, List<Ctr> expected) {
        List<String> why = new ArrayList<>();
        Optional<JsonNode> pending = condition(pod, "PodResizePending");
        if (pending.isPresent() && pending.get().path("reason").asText().equals("Infeasible")) {
            throw new AssertionError("resize is infeasible: " + pending.get());
        }
        why.addAll(verifyStatusResources(pod, expected));
        for (String type : List.of("PodResizePending", "PodResizeInProgress")) {
            condition(pod, type).ifPresent(c -> why.add("resize status " + c + " is still present in the pod status"));
        }
        if (!condition(pod, "Ready").map(c -> c.path("status").asText().equals("True")).orElse(false)) {
            why.add("pod is not ready");
        }
        return why;
    }

    public static Optional<JsonNode> condition(JsonNode pod, String type) {
        for (JsonNode c : pod.path("status").path("conditions")) {
            if (c.path("type").asText().equals(type)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    /** {@code helpers.IsPodResizeDeferred}: PodResizePending with reason Deferred. */
    public static boolean deferred(JsonNode pod) {
        return condition(pod, "PodResizePending").map(c -> c.path("reason").asText().equals("Deferred")).orElse(false);
    }

    private static Map<String, JsonNode> specContainers(JsonNode pod) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        pod.at("/spec/containers").forEach(c -> out.put(c.path("name").asText(), c));
        pod.at("/spec/initContainers").forEach(c -> out.put(c.path("name").asText(), c));
        return out;
    }

    /** Requests and limits compared as quantities (the apiserver's semantic equality): "1000m" equals "1". */
    static boolean sameRequirements(JsonNode got, JsonNode want) {
        return quantities(got.path("requests")).equals(quantities(want.path("requests")))
                && quantities(got.path("limits")).equals(quantities(want.path("limits")));
    }

    private static Map<String, BigDecimal> quantities(JsonNode list) {
        Map<String, BigDecimal> out = new TreeMap<>();
        list.fields().forEachRemaining(e -> out.put(e.getKey(), Quantity.parse(e.getValue().asText()).amount().stripTrailingZeros()));
        return out;
    }

    // ---------------------------------------------------------------- cgroups (v1, as this machine has)

    /** {@code kubecm.MilliCPUToShares}: 2 for 0, milli*1024/1000 clamped to [2, 262144]. */
    static long shares(long milli) {
        if (milli == 0) {
            return 2;
        }
        return Math.max(2, Math.min(262_144, milli * 1024 / 1000));
    }

    /** {@code kubecm.MilliCPUToQuota} with the 100 ms period: at least 1000 µs; 0 for 0. */
    static long quota(long milli) {
        if (milli == 0) {
            return 0;
        }
        return Math.max(1000, milli * QUOTA_PERIOD / 1000);
    }

    /** {@code getExpectedCPUShares} (v1): shares of the request, or of the limit when there is no request. */
    public static List<String> expectedShares(Res r) {
        long req = milli(r.cpuReq());
        long lim = milli(r.cpuLim());
        return List.of(Long.toString(req == 0 && lim != 0 ? shares(lim) : shares(req)));
    }

    /**
     * {@code getCPULimitCgroupExpectations} (v1): the quota of the limit, -1 without one; for a limit that is not a
     * multiple of 10m also the quota of the limit rounded up to one (runc issue 4622).
     */
    public static List<String> expectedQuota(Res r) {
        long lim = milli(r.cpuLim());
        if (lim == 0) {
            return List.of("-1");
        }
        List<String> out = new ArrayList<>(List.of(Long.toString(quota(lim))));
        if (lim % 10 != 0) {
            out.add(Long.toString(quota((lim / 10 + 1) * 10)));
        }
        return out;
    }

    /** {@code getExpectedMemLimitString} (v1): the limit in bytes; empty when there is none (upstream skips the check). */
    public static Optional<String> expectedMemoryLimit(Res r) {
        return r.memLim().isEmpty() ? Optional.empty() : Optional.of(Long.toString(Quantity.parse(r.memLim()).value()));
    }

    static long milli(String q) {
        return q.isEmpty() ? 0 : Quantity.parse(q).milliValue();
    }

    /** Reads one cgroup v1 file of a container: (podUid, containerId, controller, file) to its first line. */
    @FunctionalInterface
    public interface CgroupReader {
        String read(String podUid, String containerId, String controller, String file) throws Exception;
    }

    /**
     * {@code VerifyPodContainersCgroupValues} (v1): each container's {@code memory.limit_in_bytes},
     * {@code cpu.cfs_quota_us} and {@code cpu.shares} are what the kubelet sets for the wanted resources.
     */
    public static List<String> verifyContainerCgroups(JsonNode pod, List<Ctr> want, CgroupReader cgroups) throws Exception {
        List<String> errors = new ArrayList<>();
        String uid = pod.at("/metadata/uid").asText();
        Map<String, String> ids = containerIds(pod);
        for (Ctr c : want) {
            String id = ids.get(c.name());
            if (id == null) {
                errors.add("no container id for " + c.name());
                continue;
            }
            Optional<String> mem = expectedMemoryLimit(c.resources());
            if (mem.isPresent()) {
                check(errors, c.name(), "memory.limit_in_bytes", cgroups.read(uid, id, "memory", "memory.limit_in_bytes"),
                        List.of(mem.get()));
            }
            check(errors, c.name(), "cpu.cfs_quota_us", cgroups.read(uid, id, "cpu", "cpu.cfs_quota_us"),
                    expectedQuota(c.resources()));
            check(errors, c.name(), "cpu.shares", cgroups.read(uid, id, "cpu", "cpu.shares"), expectedShares(c.resources()));
        }
        return errors;
    }

    /**
     * The pod cgroup as the kubelet's {@code ResourceConfigForPod} sets it (v1): shares from the sum of the cpu requests
     * (limits where a container has no request), quota from the sum of the limits only if every container has a cpu
     * limit (-1 otherwise), memory limit likewise (unlimited otherwise). The pod is given as its containers, all running
     * at once (apps and sidecars).
     */
    public static List<String> verifyPodCgroup(JsonNode pod, List<Ctr> want, String podCpuShares, String podCpuQuota,
                                               String podMemoryLimit) {
        long cpuReq = 0;
        long cpuLim = 0;
        long memLim = 0;
        boolean allCpuLimits = true;
        boolean allMemoryLimits = true;
        for (Ctr c : want) {
            long req = milli(c.resources().cpuReq());
            long lim = milli(c.resources().cpuLim());
            cpuReq += req == 0 ? lim : req;
            cpuLim += lim;
            allCpuLimits &= lim > 0;
            allMemoryLimits &= !c.resources().memLim().isEmpty();
            memLim += c.resources().memLim().isEmpty() ? 0 : Quantity.parse(c.resources().memLim()).value();
        }
        List<String> errors = new ArrayList<>();
        check(errors, "pod", "cpu.shares", podCpuShares, List.of(Long.toString(shares(cpuReq))));
        check(errors, "pod", "cpu.cfs_quota_us", podCpuQuota, List.of(allCpuLimits ? Long.toString(quota(cpuLim)) : "-1"));
        if (allMemoryLimits) {
            check(errors, "pod", "memory.limit_in_bytes", podMemoryLimit, List.of(Long.toString(memLim)));
        }
        return errors;
    }

    private static void check(List<String> errors, String who, String file, String got, List<String> expected) {
        String value = got == null ? null : got.strip();
        if (value == null || !expected.contains(value)) {
            errors.add("value of cgroup " + file + " for container " + who + " was " + value + "; expected one of " + expected);
        }
    }

    /** Container name to runtime container id (without the {@code scheme://}) from the statuses. */
    public static Map<String, String> containerIds(JsonNode pod) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String list : List.of("initContainerStatuses", "containerStatuses")) {
            for (JsonNode s : pod.path("status").path(list)) {
                String id = s.path("containerID").asText("");
                if (!id.isEmpty()) {
                    out.put(s.path("name").asText(), id.substring(id.indexOf("://") + 3));
                }
            }
        }
        return out;
    }
}
