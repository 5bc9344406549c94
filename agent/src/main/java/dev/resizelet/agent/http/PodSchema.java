package dev.resizelet.agent.http;

import static dev.resizelet.agent.http.SchemaNode.array;
import static dev.resizelet.agent.http.SchemaNode.bool;
import static dev.resizelet.agent.http.SchemaNode.dateTime;
import static dev.resizelet.agent.http.SchemaNode.freeObject;
import static dev.resizelet.agent.http.SchemaNode.integer;
import static dev.resizelet.agent.http.SchemaNode.map;
import static dev.resizelet.agent.http.SchemaNode.mergedArray;
import static dev.resizelet.agent.http.SchemaNode.mergedSet;
import static dev.resizelet.agent.http.SchemaNode.object;
import static dev.resizelet.agent.http.SchemaNode.string;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Pod shape the agent accepts (a subset of core/v1 Pod with upstream field names, merge keys and
 * component names). Fields outside it are refused under {@code fieldValidation=Strict}.
 */
public final class PodSchema {
    private PodSchema() {}

    public static final String QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity";

    private static final SchemaNode QUANTITY_NODE = new SchemaNode("string", null, QUANTITY,
            "Quantity is a fixed-point representation of a number, e.g. 500m, 1, 128Mi.", null, null, null, false, null, false);

    public static final SchemaNode POD = build();

    private static Map<String, SchemaNode> props(Object... pairs) {
        Map<String, SchemaNode> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((String) pairs[i], (SchemaNode) pairs[i + 1]);
        }
        return m;
    }

    private static SchemaNode build() {
        SchemaNode ownerRef = object("io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference", "OwnerReference", props(
                "apiVersion", string(null), "kind", string(null), "name", string(null), "uid", string(null),
                "controller", bool(null), "blockOwnerDeletion", bool(null)));
        SchemaNode meta = object("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "Standard object metadata.", props(
                "name", string("Name, unique within a namespace (RFC 1123 subdomain)."),
                "generateName", string(null),
                "namespace", string(null),
                "uid", string(null),
                "resourceVersion", string("Opaque version; a stale value on update is refused with 409 Conflict."),
                "generation", integer(null),
                "creationTimestamp", dateTime(null),
                "deletionTimestamp", dateTime(null),
                "deletionGracePeriodSeconds", integer(null),
                "labels", map(string(null), null),
                "annotations", map(string(null), null),
                "ownerReferences", mergedArray(ownerRef, "uid", null),
                "finalizers", mergedSet(string(null), null),
                "managedFields", array(freeObject(null), null),
                "selfLink", string(null)));
        SchemaNode resources = object("io.k8s.api.core.v1.ResourceRequirements", "Compute resources of a container.", props(
                "requests", map(QUANTITY_NODE, "Requested resources (cpu, memory)."),
                "limits", map(QUANTITY_NODE, "Resource limits (cpu, memory)."),
                "claims", array(freeObject(null), null)));
        SchemaNode resizePolicy = object("io.k8s.api.core.v1.ContainerResizePolicy", "How a resource is resized.", props(
                "resourceName", string("cpu or memory"),
                "restartPolicy", string("NotRequired or RestartContainer")));
        SchemaNode env = object("io.k8s.api.core.v1.EnvVar", null, props(
                "name", string(null), "value", string(null), "valueFrom", freeObject(null)));
        SchemaNode port = object("io.k8s.api.core.v1.ContainerPort", null, props(
                "name", string(null), "containerPort", integer(null), "protocol", string(null),
                "hostPort", integer(null), "hostIP", string(null)));
        SchemaNode container = object("io.k8s.api.core.v1.Container", "A container in a pod.", props(
                "name", string(null),
                "image", string(null),
                "command", array(string(null), null),
                "args", array(string(null), null),
                "workingDir", string(null),
                "env", mergedArray(env, "name", null),
                "envFrom", array(freeObject(null), null),
                "ports", mergedArray(port, "containerPort", null),
                "resources", resources,
                "resizePolicy", mergedArray(resizePolicy, "resourceName", "Resize policy per resource; default NotRequired."),
                "restartPolicy", string(null),
                "imagePullPolicy", string(null),
                "terminationMessagePath", string(null),
                "terminationMessagePolicy", string(null),
                "volumeMounts", mergedArray(freeObject(null), "mountPath", null),
                "securityContext", freeObject(null),
                "livenessProbe", freeObject(null),
                "readinessProbe", freeObject(null),
                "startupProbe", freeObject(null),
                "lifecycle", freeObject(null),
                "stdin", bool(null),
                "stdinOnce", bool(null),
                "tty", bool(null)));
        SchemaNode spec = object("io.k8s.api.core.v1.PodSpec", "The pod's desired state.", props(
                "containers", mergedArray(container, "name", "Containers; merged by name in strategic merge patch."),
                "initContainers", mergedArray(container, "name", null),
                "restartPolicy", string(null),
                "terminationGracePeriodSeconds", integer(null),
                "activeDeadlineSeconds", integer(null),
                "nodeName", string(null),
                "nodeSelector", map(string(null), null),
                "priority", integer("Pod priority; higher is retried first among deferred resizes."),
                "priorityClassName", string(null),
                "preemptionPolicy", string(null),
                "schedulerName", string(null),
                "serviceAccountName", string(null),
                "serviceAccount", string(null),
                "automountServiceAccountToken", bool(null),
                "hostname", string(null),
                "subdomain", string(null),
                "dnsPolicy", string(null),
                "enableServiceLinks", bool(null),
                "runtimeClassName", string(null),
                "securityContext", freeObject(null),
                "affinity", freeObject(null),
                "tolerations", array(freeObject(null), null),
                "volumes", mergedArray(freeObject(null), "name", null),
                "imagePullSecrets", mergedArray(freeObject(null), "name", null),
                "os", freeObject(null)));
        SchemaNode status = new SchemaNode("object", null, "io.k8s.api.core.v1.PodStatus",
                "Reported by the agent; ignored on create and update.", null, null, null, true, null, false);
        return object("io.k8s.api.core.v1.Pod", "Pod is a collection of containers that can run on a host.", props(
                "apiVersion", string(null),
                "kind", string(null),
                "metadata", meta,
                "spec", spec,
                "status", status));
    }
}
