package dev.resizelet.core.store;

import dev.resizelet.core.api.PodStatus;
import dev.resizelet.core.api.PodStatus.ContainerStatus;
import dev.resizelet.core.api.PodStatus.Terminated;
import dev.resizelet.core.model.QosClass;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.ResourceRequirements;
import dev.resizelet.core.status.PodCondition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A published pod status in the binary form of {@link PodSpecCodec} (every field in declaration order; null strings
 * as length −1; an optional value behind a 0/1 byte), for the {@link StatusSnapshot} a clean stop leaves. Layout
 * (docs/state-core.md):
 * <pre>
 * status    = phase reason message qos:(0 | 1 string) resize conditions:list(condition) observedGeneration:long
 *             containerStatuses:list(container) initContainerStatuses:list(container)
 *             allocated:(0 | 1 resources) resources:(0 | 1 resources)
 * condition = type status reason message observedGeneration:long lastTransitionTime:instant
 * container = name containerId image ready:byte restartCount:int state stateReason startedAt:(0 | 1 instant)
 *             allocatedResources:(0 | 1 resources) resources:(0 | 1 resources) started:byte
 *             terminated:(0 | 1 termination) lastState:(0 | 1 termination) stateMessage
 * termination = exitCode:int reason startedAt:(0 | 1 instant) finishedAt:(0 | 1 instant) containerId
 * instant   = seconds:long nanos:int
 * </pre>
 * The pod-level {@code allocatedResources} map is written as the requests of a {@code resources}.
 */
final class PodStatusCodec {
    private PodStatusCodec() {
    }

    static void write(BinaryOut out, PodStatus s) {
        out.writeString(s.phase()).writeString(s.reason()).writeString(s.message());
        if (s.qosClass() == null) {
            out.writeByte(0);
        } else {
            out.writeByte(1).writeString(s.qosClass().name());
        }
        out.writeString(s.resize()).writeInt(s.conditions().size());
        for (PodCondition c : s.conditions()) {
            out.writeString(c.type()).writeString(c.status()).writeString(c.reason()).writeString(c.message())
                    .writeLong(c.observedGeneration());
            writeInstant(out, c.lastTransitionTime());
        }
        out.writeLong(s.observedGeneration());
        writeContainers(out, s.containerStatuses());
        writeContainers(out, s.initContainerStatuses());
        writeOptional(out, s.allocatedResources() == null ? null
                : new ResourceRequirements(s.allocatedResources(), Map.of()));
        writeOptional(out, s.resources());
    }

    static PodStatus read(BinaryIn in) {
        String phase = in.readText();
        String reason = in.readString();
        String message = in.readString();
        QosClass qos = in.readByte() == 0 ? null : QosClass.valueOf(in.readText());
        String resize = in.readString();
        int n = in.count();
        List<PodCondition> conditions = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            conditions.add(new PodCondition(in.readText(), in.readText(), in.readString(), in.readString(),
                    in.readLong(), readInstant(in)));
        }
        long observedGeneration = in.readLong();
        List<ContainerStatus> containers = readContainers(in);
        List<ContainerStatus> inits = readContainers(in);
        ResourceRequirements podAllocated = readOptional(in);
        Map<String, Quantity> allocated = podAllocated == null ? null : podAllocated.requests();
        return new PodStatus(phase, reason, message, qos, resize, conditions, observedGeneration, containers, inits,
                allocated, readOptional(in));
    }

    private static void writeContainers(BinaryOut out, List<ContainerStatus> list) {
        out.writeInt(list.size());
        for (ContainerStatus c : list) {
            out.writeString(c.name()).writeString(c.containerId()).writeString(c.image())
                    .writeByte(c.ready() ? 1 : 0).writeInt(c.restartCount()).writeString(c.state())
                    .writeString(c.stateReason());
            writeOptionalInstant(out, c.startedAt());
            writeOptional(out, c.allocatedResources());
            writeOptional(out, c.resources());
            out.writeByte(c.started() ? 1 : 0);
            writeTermination(out, c.terminated());
            writeTermination(out, c.lastState());
            out.writeString(c.stateMessage());
        }
    }

    private static List<ContainerStatus> readContainers(BinaryIn in) {
        int n = in.count();
        List<ContainerStatus> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String name = in.readText();
            String containerId = in.readString();
            String image = in.readString();
            boolean ready = in.readByte() != 0;
            int restartCount = in.readInt();
            String state = in.readText();
            String stateReason = in.readString();
            Instant startedAt = readOptionalInstant(in);
            ResourceRequirements allocated = readOptional(in);
            ResourceRequirements resources = readOptional(in);
            boolean started = in.readByte() != 0;
            Terminated terminated = readTermination(in);
            Terminated lastState = readTermination(in);
            out.add(new ContainerStatus(name, containerId, image, ready, restartCount, state, stateReason, startedAt,
                    allocated, resources, started, terminated, lastState, in.readString()));
        }
        return out;
    }

    private static void writeTermination(BinaryOut out, Terminated t) {
        if (t == null) {
            out.writeByte(0);
            return;
        }
        out.writeByte(1).writeInt(t.exitCode()).writeString(t.reason());
        writeOptionalInstant(out, t.startedAt());
        writeOptionalInstant(out, t.finishedAt());
        out.writeString(t.containerId());
    }

    private static Terminated readTermination(BinaryIn in) {
        if (in.readByte() == 0) {
            return null;
        }
        return new Terminated(in.readInt(), in.readString(), readOptionalInstant(in), readOptionalInstant(in),
                in.readString());
    }

    private static void writeOptional(BinaryOut out, ResourceRequirements r) {
        if (r == null) {
            out.writeByte(0);
        } else {
            out.writeByte(1).writeResources(r);
        }
    }

    private static ResourceRequirements readOptional(BinaryIn in) {
        return in.readByte() == 0 ? null : in.readResources();
    }

    private static void writeOptionalInstant(BinaryOut out, Instant t) {
        if (t == null) {
            out.writeByte(0);
        } else {
            out.writeByte(1);
            writeInstant(out, t);
        }
    }

    private static Instant readOptionalInstant(BinaryIn in) {
        return in.readByte() == 0 ? null : readInstant(in);
    }

    private static void writeInstant(BinaryOut out, Instant t) {
        out.writeLong(t.getEpochSecond()).writeInt(t.getNano());
    }

    private static Instant readInstant(BinaryIn in) {
        return Instant.ofEpochSecond(in.readLong(), in.readInt());
    }
}
