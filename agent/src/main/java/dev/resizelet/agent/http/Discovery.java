package dev.resizelet.agent.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Discovery documents: {@code /version}, {@code /api}, {@code /api/v1}, {@code /apis}. */
public final class Discovery {
    /**
     * The Kubernetes version whose pod-resize semantics the agent follows (conditions PodResizePending /
     * PodResizeInProgress, the resize subresource). kubectl's dispatcher picks its 1.33 client for it.
     */
    public static final String KUBERNETES_MAJOR = "1";
    public static final String KUBERNETES_MINOR = "33";
    public static final String KUBERNETES_VERSION = "v1.33.0";

    private final ObjectMapper json;
    private final String agentVersion;

    public Discovery(ObjectMapper json, String agentVersion) {
        this.json = json;
        this.agentVersion = agentVersion;
    }

    public ObjectNode version() {
        ObjectNode v = json.createObjectNode();
        v.put("major", KUBERNETES_MAJOR).put("minor", KUBERNETES_MINOR).put("gitVersion", KUBERNETES_VERSION)
                .put("gitCommit", "resizelet-" + agentVersion).put("gitTreeState", "clean")
                .put("buildDate", "1970-01-01T00:00:00Z").put("goVersion", "java" + Runtime.version().feature())
                .put("compiler", "javac").put("platform", System.getProperty("os.name").toLowerCase() + "/"
                        + System.getProperty("os.arch"));
        return v;
    }

    public ObjectNode apiVersions(String serverAddress) {
        ObjectNode v = json.createObjectNode();
        v.put("kind", "APIVersions");
        v.putArray("versions").add("v1");
        v.putArray("serverAddressByClientCIDRs").addObject().put("clientCIDR", "0.0.0.0/0").put("serverAddress", serverAddress);
        return v;
    }

    public ObjectNode apiV1Resources() {
        ObjectNode list = json.createObjectNode();
        list.put("kind", "APIResourceList").put("apiVersion", "v1").put("groupVersion", "v1");
        ArrayNode resources = list.putArray("resources");
        ObjectNode pods = resources.addObject();
        pods.put("name", "pods").put("singularName", "pod").put("namespaced", true).put("kind", "Pod");
        pods.putArray("verbs").add("create").add("delete").add("get").add("list").add("patch").add("update").add("watch");
        pods.putArray("shortNames").add("po");
        pods.putArray("categories").add("all");
        ObjectNode resize = resources.addObject();
        resize.put("name", "pods/resize").put("singularName", "").put("namespaced", true).put("kind", "Pod");
        resize.putArray("verbs").add("get").add("patch").add("update");
        ObjectNode status = resources.addObject();
        status.put("name", "pods/status").put("singularName", "").put("namespaced", true).put("kind", "Pod");
        status.putArray("verbs").add("get");
        ObjectNode namespaces = resources.addObject();
        namespaces.put("name", "namespaces").put("singularName", "namespace").put("namespaced", false).put("kind", "Namespace");
        namespaces.putArray("verbs").add("create").add("delete").add("get").add("list");
        namespaces.putArray("shortNames").add("ns");
        ObjectNode events = resources.addObject();
        events.put("name", "events").put("singularName", "event").put("namespaced", true).put("kind", "Event");
        events.putArray("verbs").add("get").add("list");
        events.putArray("shortNames").add("ev");
        return list;
    }

    public ObjectNode apiGroups() {
        ObjectNode groups = json.createObjectNode();
        groups.put("kind", "APIGroupList").put("apiVersion", "v1");
        groups.putArray("groups");
        return groups;
    }
}
