package dev.resizelet.agent.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class NamespacesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Namespaces namespaces = new Namespaces(JSON, Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC));

    /** What kubectl create namespace sends: k8s\0 + runtime.Unknown{typeMeta{v1, Namespace}, raw=Namespace{metadata{name, labels}}}. */
    private static byte[] protobufNamespace(String name) throws Exception {
        ByteString labels = message(o -> { o.writeString(1, "team"); o.writeString(2, "a"); });
        ByteString meta = message(o -> { o.writeString(1, name); o.writeBytes(11, labels); });
        ByteString ns = message(o -> { o.writeBytes(1, meta); o.writeBytes(2, ByteString.EMPTY); });
        ByteString typeMeta = message(o -> { o.writeString(1, "v1"); o.writeString(2, "Namespace"); });
        ByteString unknown = message(o -> { o.writeBytes(1, typeMeta); o.writeBytes(2, ns); o.writeString(4, "application/vnd.kubernetes.protobuf"); });
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {'k', '8', 's', 0});
        unknown.writeTo(out);
        return out.toByteArray();
    }

    interface W {
        void write(CodedOutputStream o) throws Exception;
    }

    private static ByteString message(W w) throws Exception {
        ByteString.Output buf = ByteString.newOutput();
        CodedOutputStream o = CodedOutputStream.newInstance(buf);
        w.write(o);
        o.flush();
        return buf.toByteString();
    }

    @Test
    void aProtobufNamespaceFromKubectlIsReadAndCreated() throws Exception {
        ObjectNode body = namespaces.decodeProtobuf(protobufNamespace("demo"));

        ObjectNode created = namespaces.create(body, false);

        assertThat(body.path("kind").asText()).isEqualTo("Namespace");
        assertThat(created.at("/metadata/name").asText()).isEqualTo("demo");
        assertThat(created.at("/metadata/labels/team").asText()).isEqualTo("a");
        assertThat(created.at("/metadata/labels/kubernetes.io~1metadata.name").asText()).isEqualTo("demo");
        assertThat(created.at("/status/phase").asText()).isEqualTo("Active");
        assertThat(namespaces.exists("demo")).isTrue();
    }

    @Test
    void badInputIsRefusedWithTheApiserverWordsAndChangesNothing() throws Exception {
        ObjectNode before = namespaces.list(n -> true);

        ApiException invalid = assertThrows(ApiException.class, () -> namespaces.create(
                (ObjectNode) JSON.readTree("{\"metadata\":{\"name\":\"Demo\"}}"), false));
        ApiException garbage = assertThrows(ApiException.class, () -> namespaces.decodeProtobuf(new byte[] {1, 2, 3}));
        ApiException dup = assertThrows(ApiException.class, () -> namespaces.create(
                (ObjectNode) JSON.readTree("{\"metadata\":{\"name\":\"default\"}}"), false));
        ApiException system = assertThrows(ApiException.class, () -> namespaces.delete("kube-system", false));
        ApiException missing = assertThrows(ApiException.class, () -> namespaces.delete("nope", false));

        assertThat(invalid.code()).isEqualTo(422);
        assertThat(invalid.getMessage()).startsWith("Namespace \"Demo\" is invalid: metadata.name: Invalid value: \"Demo\": "
                + "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'");
        assertThat(garbage.code()).isEqualTo(400);
        assertThat(dup.getMessage()).isEqualTo("namespaces \"default\" already exists");
        assertThat(system.code()).isEqualTo(403);
        assertThat(missing.getMessage()).isEqualTo("namespaces \"nope\" not found");
        assertThat(namespaces.list(n -> true)).isEqualTo(before);
    }

    @Test
    void dryRunCreatesAndDeletesNothing() throws Exception {
        namespaces.create((ObjectNode) JSON.readTree("{\"metadata\":{\"name\":\"tmp\"}}"), true);
        namespaces.create((ObjectNode) JSON.readTree("{\"metadata\":{\"name\":\"kept\"}}"), false);
        ObjectNode deleted = namespaces.delete("kept", true);

        assertThat(namespaces.exists("tmp")).isFalse();
        assertThat(namespaces.exists("kept")).isTrue();
        assertThat(deleted.at("/status/phase").asText()).isEqualTo("Terminating");
    }

    @Test
    void aPodNeedsItsNamespaceAndADeletedNamespaceTakesItsPodsAndGoes() throws Exception {
        InMemoryPodService pods = new InMemoryPodService();
        pods.create("stale", (ObjectNode) JSON.readTree("{\"metadata\":{\"name\":\"old\",\"namespace\":\"stale\"}}"), false);
        dev.resizelet.core.store.NamespaceStore store = dev.resizelet.core.store.NamespaceStore.inMemory();
        Namespaces withPods = new Namespaces(JSON, Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC), store, pods);

        ApiException missing = assertThrows(ApiException.class, () -> withPods.admitNewPod("nope", "web"));
        assertThat(missing.code()).isEqualTo(404);
        assertThat(missing.getMessage()).isEqualTo("namespaces \"nope\" not found");
        assertThat(withPods.exists("stale")).as("a stored pod's namespace is adopted").isTrue();

        withPods.create((ObjectNode) JSON.readTree("{\"metadata\":{\"name\":\"demo\"}}"), false);
        withPods.admitNewPod("demo", "web");
        pods.create("demo", (ObjectNode) JSON.readTree("{\"metadata\":{\"name\":\"web\"}}"), false);
        ObjectNode deleted = withPods.delete("demo", false);

        assertThat(deleted.at("/status/phase").asText()).isEqualTo("Terminating");
        assertThat(deleted.at("/metadata/deletionTimestamp").asText()).isEqualTo("2026-01-01T00:00:00Z");
        assertThat(pods.list("demo").items()).as("its pods are deleted").isEmpty();
        assertThat(withPods.exists("demo")).as("and then it goes").isFalse();
        assertThat(store.get("demo")).isEmpty();
    }
}
