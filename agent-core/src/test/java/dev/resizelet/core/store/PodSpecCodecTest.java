package dev.resizelet.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.resizelet.core.model.Container;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.ResizeRestartPolicy;
import dev.resizelet.core.model.ResourceRequirements;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodSpecCodecTest {
    @Test
    void roundTripsEveryFieldOfAPod() {
        Container app = new Container("app", "busybox", List.of("sleep", "3600"),
                new ResourceRequirements(Map.of("cpu", Quantity.parse("500m"), "memory", Quantity.parse("1.5Gi")),
                        Map.of("cpu", Quantity.parse("1"), "memory", Quantity.parse("2Gi"))),
                Map.of("memory", ResizeRestartPolicy.RESTART_CONTAINER), null);
        Container sidecar = new Container("log", "busybox", List.of(), ResourceRequirements.NONE, Map.of(), "Always");
        Pod pod = new Pod("default", "web", PodUid.of("0b6c9e0e-1111-2222-3333-444455556666"), 3, 100,
                Map.of("a", "b"), List.of(sidecar), List.of(app));
        PodSpecCodec codec = new PodSpecCodec();

        byte[] bytes = codec.encode(pod);
        Pod back = codec.decode(bytes);

        assertThat(back).isEqualTo(pod);
        assertThat(new String(bytes, StandardCharsets.UTF_8))
                .contains("\"1536Mi\"").contains("\"500m\"").contains("RESTART_CONTAINER")
                .doesNotContain("qosClass").doesNotContain("allContainers");
    }

    @Test
    void keepsLabelsAndDecodesRecordsWrittenBeforeLabelsWereKept() {
        PodSpecCodec codec = new PodSpecCodec();
        Pod labelled = Pod.of("default", "web", PodUid.of("u1"), List.of(Container.of("app", "busybox", ResourceRequirements.NONE)))
                .withLabels(Map.of("app", "web", "tier", "front"));
        // a record as the codec wrote it before Pod had labels: no "labels" field at all
        String old = "{\"namespace\":\"default\",\"name\":\"old\",\"uid\":\"u2\",\"generation\":2,\"priority\":0,"
                + "\"annotations\":{\"a\":\"b\"},\"initContainers\":[],\"containers\":[{\"name\":\"app\",\"image\":\"busybox\","
                + "\"command\":[],\"resources\":{\"requests\":{\"cpu\":\"100m\"},\"limits\":{}},\"resizePolicy\":{},"
                + "\"restartPolicy\":null}]}";

        Pod back = codec.decode(codec.encode(labelled));
        Pod fromOld = codec.decode(old.getBytes(StandardCharsets.UTF_8));

        assertThat(back).isEqualTo(labelled);
        assertThat(back.labels()).containsExactlyInAnyOrderEntriesOf(Map.of("app", "web", "tier", "front"));
        assertThat(fromOld.labels()).isEmpty();
        assertThat(fromOld.annotations()).containsEntry("a", "b");
        assertThat(fromOld.containers().get(0).resources().requests()).containsEntry("cpu", Quantity.parse("100m"));
        assertThat(fromOld.generation()).isEqualTo(2);
    }
}
