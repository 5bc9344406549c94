package dev.resizelet.core.admission;

import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodResources;
import dev.resizelet.core.model.PodUid;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** An {@link AllocationManager} whose every mutator is followed by a commit, as the loop does for a batch of one. */
final class CommittingManager {
    final AllocationManager m;

    CommittingManager(AllocationManager m) {
        this.m = m;
    }

    Map<PodUid, AdmissionDecision> restore(Collection<Pod> pods) {
        Map<PodUid, AdmissionDecision> d = m.restore(pods);
        m.commit();
        return d;
    }

    AdmissionDecision admitNewPod(Pod pod) {
        AdmissionDecision d = m.admitNewPod(pod);
        m.commit();
        return d;
    }

    AdmissionDecision requestResize(Pod pod) {
        AdmissionDecision d = m.requestResize(pod);
        m.commit();
        return d;
    }

    List<AdmissionDecision> removePod(PodUid uid) {
        List<AdmissionDecision> d = m.removePod(uid);
        m.commit();
        return d;
    }

    List<AdmissionDecision> resizeFinished(PodUid uid) {
        List<AdmissionDecision> d = m.resizeFinished(uid);
        m.commit();
        return d;
    }

    List<AdmissionDecision> refreshDeferred() {
        List<AdmissionDecision> d = m.refreshDeferred();
        m.commit();
        return d;
    }

    List<AdmissionDecision> retryPending() {
        List<AdmissionDecision> d = m.retryPending();
        m.commit();
        return d;
    }

    void recordPass(PodUid uid, PodResources actuated, String error) {
        m.recordPass(uid, actuated, error);
        m.commit();
    }

    Optional<PodState> state(PodUid uid) {
        return m.state(uid);
    }

    Optional<PodResources> allocated(PodUid uid) {
        return m.allocated(uid);
    }

    NodeSnapshot snapshot() {
        return m.snapshot();
    }

    Map<PodUid, PodState> states() {
        return m.states();
    }

    NodeConfig nodeConfig() {
        return m.nodeConfig();
    }
}
