package dev.resizelet.core.store;

import static dev.resizelet.core.testing.Pods.container;
import static dev.resizelet.core.testing.Pods.pod;
import static dev.resizelet.core.testing.Pods.res;
import static org.assertj.core.api.Assertions.assertThat;

import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodResources;
import dev.resizelet.core.model.ResourceRequirements;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Pod-level resources are kept in the pod store and in the resize journal; records from before still read. */
class PodLevelCodecTest {

    @Test
    void thePodSpecCodecKeepsSpecResources() {
        Pod p = pod("u1", container("a", "cpu=100m", "")).withPodResources(res("cpu=1,memory=1Gi", "cpu=2,memory=1Gi"));
        PodSpecCodec codec = new PodSpecCodec();

        Pod back = codec.decode(codec.encode(p));

        assertThat(back).isEqualTo(p);
        assertThat(back.podResources()).isEqualTo(res("cpu=1,memory=1Gi", "cpu=2,memory=1Gi"));
    }

    @Test
    void aStoredSpecWithoutPodResourcesReadsAsNone() {
        String old = "{\"namespace\":\"default\",\"name\":\"old\",\"uid\":\"u2\",\"generation\":2,\"priority\":0,"
                + "\"annotations\":{},\"initContainers\":[],\"containers\":[{\"name\":\"app\",\"image\":\"busybox\","
                + "\"command\":[],\"resources\":{\"requests\":{\"cpu\":\"100m\"},\"limits\":{}},\"resizePolicy\":{},"
                + "\"restartPolicy\":null}],\"labels\":{},\"restartPolicy\":\"Always\"}";

        Pod back = new PodSpecCodec().decode(old.getBytes(StandardCharsets.UTF_8));

        assertThat(back.podResources()).isEqualTo(ResourceRequirements.NONE);
        assertThat(back.hasPodLevelResources()).isFalse();
    }

    @Test
    void theJournalPayloadKeepsPodLevelValuesAndReadsOldRecords() {
        PodResources r = pod("u3", container("a", "cpu=100m", "")).withPodResources(res("cpu=1", "memory=1Gi"))
                .resources();

        byte[] payload = PodResourcesCodec.write(r);
        PodResources back = PodResourcesCodec.read(Path.of("journal"), payload);
        PodResources old = PodResourcesCodec.read(Path.of("journal"),
                "uid u3\ngeneration 1\ncontainer a\nrequest cpu 100m\n".getBytes(StandardCharsets.UTF_8));

        assertThat(new String(payload, StandardCharsets.UTF_8)).contains("pod-request cpu 1\n")
                .contains("pod-limit memory 1Gi\n");
        assertThat(back).isEqualTo(r);
        assertThat(old.pod()).isEqualTo(ResourceRequirements.NONE);
        assertThat(old.containers()).isEqualTo(r.containers());
    }
}
