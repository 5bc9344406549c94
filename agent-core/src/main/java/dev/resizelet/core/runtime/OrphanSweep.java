package dev.resizelet.core.runtime;

import static java.util.Objects.requireNonNull;

import dev.resizelet.cgroups.CgroupManager;
import dev.resizelet.cgroups.CgroupName;
import dev.resizelet.cgroups.QosTier;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.cri.CriRuntime;
import dev.resizelet.cri.v1.Container;
import dev.resizelet.cri.v1.PodSandbox;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The start-up sweep (the kubelet's orphan cleanup, {@code HandlePodCleanups}, for what a crash left behind): sandboxes,
 * containers and pod cgroups that belong to no stored pod are removed, and only those the agent made:
 * <ul>
 *   <li>sandboxes and containers carrying {@code io.resizelet.managed=true} whose pod uid label names no stored pod;
 *       nothing without that label is ever touched;</li>
 *   <li>pod cgroups named as the agent names them ({@code pod<uid>} under its own top cgroup and QoS tiers) whose uid is
 *       no stored pod, and that no sandbox of someone else claims; the kernel refuses to remove a cgroup that still
 *       has processes, so a stranger's live cgroup cannot go either.</li>
 * </ul>
 * It runs once, before the API serves, so no pod can be created meanwhile.
 */
public final class OrphanSweep {
    private static final Logger log = LoggerFactory.getLogger(OrphanSweep.class);

    private final CriRuntime cri;
    private final CgroupManager cgroups;
    private final PodLifecycle lifecycle;

    public OrphanSweep(CriRuntime cri, CgroupManager cgroups, PodLifecycle lifecycle) {
        this.cri = requireNonNull(cri, "cri");
        this.cgroups = requireNonNull(cgroups, "cgroups");
        this.lifecycle = requireNonNull(lifecycle, "lifecycle");
    }

    /** What one sweep removed. */
    public record Result(int sandboxes, int containers, int cgroups) {
        public int total() {
            return sandboxes + containers + cgroups;
        }
    }

    /** A child cgroup of a QoS tier named as the agent names pod cgroups, and the uid its name holds. */
    public record PodCgroupDir(QosTier tier, String uid) {
        public PodCgroupDir {
            requireNonNull(tier, "tier");
            requireNonNull(uid, "uid");
        }
    }

    /** Removes the agent's own sandboxes, containers and pod cgroups of pods not in {@code storedUids}. */
    public Result sweep(Collection<PodUid> storedUids) {
        return sweep(storedUids, RuntimeListing.read(cri), podCgroupDirs(cgroups));
    }

    /**
     * Every pod cgroup under the agent's QoS tiers (one directory walk per tier and hierarchy). Walked after the start,
     * in the background: the caller counts every pod it knows once the walk is done as stored.
     */
    public static List<PodCgroupDir> podCgroupDirs(CgroupManager cgroups) {
        List<PodCgroupDir> out = new ArrayList<>();
        for (QosTier tier : QosTier.values()) {
            for (String child : cgroups.children(cgroups.layout().tier(tier))) {
                cgroups.layout().podUid(tier, child).ifPresent(uid -> out.add(new PodCgroupDir(tier, uid)));
            }
        }
        return out;
    }

    /**
     * As {@link #sweep(Collection)}, from what the runtime and the cgroup tree held at start
     * ({@link RuntimeListing#read}, {@link #podCgroupDirs}), read once for this and for the adoption of running pods.
     */
    public Result sweep(Collection<PodUid> storedUids, RuntimeListing listing, List<PodCgroupDir> podCgroups) {
        requireNonNull(storedUids, "storedUids");
        // what the runtime's labels and the cgroup directory names hold: the uids as the wire spells them
        Set<String> stored = new HashSet<>(storedUids.size() * 2);
        storedUids.forEach(u -> stored.add(u.value()));
        List<PodSandbox> all = listing.sandboxes();
        Set<String> claimedByOthers = new HashSet<>();
        List<PodSandbox> orphanSandboxes = new ArrayList<>();
        for (PodSandbox s : all) {
            String uid = s.getLabelsOrDefault(SandboxConfigs.LABEL_POD_UID, s.getMetadata().getUid());
            if (!managed(s.getLabelsMap())) {
                claimedByOthers.add(uid);
            } else if (!stored.contains(uid)) {
                orphanSandboxes.add(s);
            }
        }
        List<Container> orphanContainers = new ArrayList<>();
        for (Container c : listing.managedContainers()) {
            if (!stored.contains(c.getLabelsOrDefault(SandboxConfigs.LABEL_POD_UID, ""))) {
                orphanContainers.add(c);
            }
        }
        int removedContainers = 0;
        for (Container c : orphanContainers) {
            try {
                lifecycle.stopAndRemove(c.getId(), PodLifecycle.MINIMUM_GRACE_PERIOD_SECONDS);
                removedContainers++;
                log.info("orphan container removed container={} uid={} name={}", c.getId(),
                        c.getLabelsOrDefault(SandboxConfigs.LABEL_POD_UID, ""), c.getMetadata().getName());
            } catch (RuntimeException e) {
                log.warn("orphan container not removed, tried again at the next start container={} error=\"{}\"",
                        c.getId(), e.getMessage());
            }
        }
        int removedSandboxes = 0;
        for (PodSandbox s : orphanSandboxes) {
            try {
                lifecycle.removeSandbox(s.getId());
                removedSandboxes++;
                log.info("orphan sandbox removed sandbox={} pod={}/{} uid={}", s.getId(), s.getMetadata().getNamespace(),
                        s.getMetadata().getName(), s.getLabelsOrDefault(SandboxConfigs.LABEL_POD_UID, ""));
            } catch (RuntimeException e) {
                log.warn("orphan sandbox not removed, tried again at the next start sandbox={} error=\"{}\"",
                        s.getId(), e.getMessage());
            }
        }
        int removedCgroups = 0;
        for (PodCgroupDir dir : podCgroups) {
            String uid = dir.uid();
            if (stored.contains(uid) || claimedByOthers.contains(uid)) {
                continue;
            }
            CgroupName orphan = cgroups.layout().pod(dir.tier(), uid);
            try {
                cgroups.removeTreeEverywhere(orphan);
                removedCgroups++;
                log.info("orphan pod cgroup removed cgroup={}", orphan);
            } catch (RuntimeException e) {
                log.warn("orphan pod cgroup not removed (processes still in it?) cgroup={} error=\"{}\"", orphan,
                        e.getMessage());
            }
        }
        Result result = new Result(removedSandboxes, removedContainers, removedCgroups);
        if (result.total() > 0) {
            log.info("orphans removed at start sandboxes={} containers={} cgroups={}", result.sandboxes(),
                    result.containers(), result.cgroups());
        }
        return result;
    }

    private static boolean managed(java.util.Map<String, String> labels) {
        return SandboxConfigs.MANAGED.equals(labels.get(SandboxConfigs.LABEL_MANAGED));
    }

    /** The candidate pod cgroups of {@code uid}: one per QoS tier (after a restart the tier may not be known). */
    static List<CgroupName> podCgroups(CgroupManager cgroups, PodUid uid) {
        List<CgroupName> out = new ArrayList<>();
        for (QosTier tier : QosTier.values()) {
            out.add(cgroups.layout().pod(tier, uid.value()));
        }
        return out;
    }
}
