package dev.resizelet.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
        assertThat(bytes[0]).isEqualTo((byte) PodSpecCodec.FORMAT);
        assertThat(codec.isCurrent(bytes)).isTrue();
        assertThat(new String(bytes, StandardCharsets.UTF_8))
                .contains("1536Mi").contains("500m").contains("RestartContainer")
                .doesNotContain("qosClass").doesNotContain("allContainers");
    }

    @Test
    void roundTripsNullsEmptiesAndLongStrings() {
        String big = "x".repeat(70_000);   // past writeUTF's 64 KiB: annotations may hold 256 KiB
        Pod pod = new Pod("ns", "p", PodUid.of("u"), 7, -5, Map.of("big", big, "empty", ""), List.of(),
                List.of(new Container("c", "", List.of(), ResourceRequirements.NONE, Map.of(), null, List.of("a", "é"))),
                Map.of("k", "v"), Pod.RESTART_NEVER, 0L,
                new ResourceRequirements(Map.of("cpu", Quantity.parse("1")), Map.of()));
        PodSpecCodec codec = new PodSpecCodec();

        Pod back = codec.decode(codec.encode(pod));

        assertThat(back).isEqualTo(pod);
        assertThat(back.terminationGracePeriodSeconds()).isZero();
        assertThat(back.containers().get(0).restartPolicy()).isNull();
    }

    @Test
    void aDamagedOrUnknownSpecIsRefusedNotMisread() {
        PodSpecCodec codec = new PodSpecCodec();
        byte[] good = codec.encode(Pod.of("default", "web", PodUid.of("u1"),
                List.of(Container.of("app", "busybox", ResourceRequirements.NONE))));
        byte[] cut = java.util.Arrays.copyOf(good, good.length - 3);
        byte[] longer = java.util.Arrays.copyOf(good, good.length + 1);
        byte[] newer = good.clone();
        newer[0] = 9;

        assertThatThrownBy(() -> codec.decode(cut)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("more bytes needed");
        assertThatThrownBy(() -> codec.decode(longer)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bytes left");
        assertThatThrownBy(() -> codec.decode(newer)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("newer resizelet");
    }

    @Test
    void readsTheJsonOfEarlierReleasesAndCallsItNotCurrent() {
        String json = "{\"namespace\":\"bench\",\"name\":\"p00000\",\"uid\":\"bf54b1de-d177-3b65-8c03-35cc5a6ca9f3\","
                + "\"generation\":1,\"priority\":0,\"annotations\":{},\"initContainers\":[],\"containers\":[{\"name\":\"c0\","
                + "\"image\":\"docker.io/resizelet/busybox:1\",\"command\":[],\"resources\":{\"requests\":{\"cpu\":\"100m\","
                + "\"memory\":\"64Mi\"},\"limits\":{\"cpu\":\"200m\",\"memory\":\"128Mi\"}},\"resizePolicy\":"
                + "{\"memory\":\"RESTART_CONTAINER\"},\"restartPolicy\":null,\"args\":[]}],\"labels\":{},"
                + "\"restartPolicy\":\"Always\",\"terminationGracePeriodSeconds\":null,\"podResources\":{\"requests\":{},"
                + "\"limits\":{}}}";   // as the JSON codec wrote it (a record of a 10,000-pod bench state dir)
        PodSpecCodec codec = new PodSpecCodec();
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);

        Pod back = codec.decode(bytes);

        assertThat(codec.isCurrent(bytes)).isFalse();
        assertThat(back.name()).isEqualTo("p00000");
        assertThat(back.containers().get(0).resources().requests()).containsEntry("memory", Quantity.parse("64Mi"));
        assertThat(back.containers().get(0).resizePolicyFor("memory")).isEqualTo(ResizeRestartPolicy.RESTART_CONTAINER);
        assertThat(codec.decode(codec.encode(back))).isEqualTo(back);
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
