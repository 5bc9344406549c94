package dev.resizelet.cgroups;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CgroupLayoutTest {
    private static final String UID = "0f3c9c4e-7b1a-4d2e-9a51-2b7e6c1d8f00";

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "CGROUPFS, GUARANTEED, kubepods/pod0f3c9c4e-7b1a-4d2e-9a51-2b7e6c1d8f00",
            "CGROUPFS, BURSTABLE, kubepods/burstable/pod0f3c9c4e-7b1a-4d2e-9a51-2b7e6c1d8f00",
            "CGROUPFS, BESTEFFORT, kubepods/besteffort/pod0f3c9c4e-7b1a-4d2e-9a51-2b7e6c1d8f00",
            "SYSTEMD, GUARANTEED, kubepods.slice/kubepods-pod0f3c9c4e_7b1a_4d2e_9a51_2b7e6c1d8f00.slice",
            "SYSTEMD, BURSTABLE, kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0f3c9c4e_7b1a_4d2e_9a51_2b7e6c1d8f00.slice",
            "SYSTEMD, BESTEFFORT, kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0f3c9c4e_7b1a_4d2e_9a51_2b7e6c1d8f00.slice",
    })
    void podCgroupNamesFollowTheKubelet(CgroupDriver driver, QosTier tier, String expected) {
        assertThat(new CgroupLayout("kubepods", driver).pod(tier, UID).asPath()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "CGROUPFS, GUARANTEED, kubepods",
            "CGROUPFS, BURSTABLE, kubepods/burstable",
            "CGROUPFS, BESTEFFORT, kubepods/besteffort",
            "SYSTEMD, GUARANTEED, kubepods.slice",
            "SYSTEMD, BURSTABLE, kubepods.slice/kubepods-burstable.slice",
            "SYSTEMD, BESTEFFORT, kubepods.slice/kubepods-besteffort.slice",
    })
    void tierCgroupNames(CgroupDriver driver, QosTier tier, String expected) {
        assertThat(new CgroupLayout("kubepods", driver).tier(tier).asPath()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "CGROUPFS, kubepods/burstable/pod0f3c9c4e-7b1a-4d2e-9a51-2b7e6c1d8f00/abc123",
            "SYSTEMD, kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0f3c9c4e_7b1a_4d2e_9a51_2b7e6c1d8f00.slice/cri-containerd-abc123.scope",
    })
    void containerCgroupNames(CgroupDriver driver, String expected) {
        CgroupLayout layout = new CgroupLayout("kubepods", driver);

        assertThat(layout.container(layout.pod(QosTier.BURSTABLE, UID), "abc123").asPath()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "CGROUPFS, resizelet-test-1/burstable/podu1",
            "SYSTEMD, resizelet-test-1.slice/resizelet-test-1-burstable.slice/resizelet-test-1-burstable-podu1.slice",
    })
    void theTopNameIsConfiguration(CgroupDriver driver, String expected) {
        assertThat(new CgroupLayout("resizelet-test-1", driver).pod(QosTier.BURSTABLE, "u1").asPath()).isEqualTo(expected);
    }

    /** The orphan sweep reads pod uids back from the names {@link CgroupLayout#pod} makes, and from nothing else. */
    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource({
            "CGROUPFS, BURSTABLE, pod0f3c9c4e-7b1a-4d2e-9a51-2b7e6c1d8f00, 0f3c9c4e-7b1a-4d2e-9a51-2b7e6c1d8f00",
            "CGROUPFS, GUARANTEED, podu1, u1",
            "CGROUPFS, GUARANTEED, burstable, ''",
            "CGROUPFS, BURSTABLE, something-else, ''",
            "CGROUPFS, BURSTABLE, pod, ''",
            "SYSTEMD, BURSTABLE, kubepods-burstable-pod0f3c9c4e_7b1a_4d2e_9a51_2b7e6c1d8f00.slice, 0f3c9c4e-7b1a-4d2e-9a51-2b7e6c1d8f00",
            "SYSTEMD, GUARANTEED, kubepods-podu1.slice, u1",
            "SYSTEMD, GUARANTEED, kubepods-burstable.slice, ''",
            "SYSTEMD, BESTEFFORT, kubepods-burstable-podu1.slice, ''",
            "SYSTEMD, BURSTABLE, user.slice, ''",
    })
    void podUidsAreReadBackOnlyFromThePodNamesItMakes(CgroupDriver driver, QosTier tier, String child, String uid) {
        CgroupLayout layout = new CgroupLayout("kubepods", driver);

        assertThat(layout.podUid(tier, child).orElse("")).isEqualTo(uid);
    }
}
