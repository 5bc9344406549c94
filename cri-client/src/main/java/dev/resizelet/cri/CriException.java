package dev.resizelet.cri;

import static java.util.Objects.requireNonNull;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * A CRI call failed. The message names the RPC, the container or sandbox it was about, the gRPC code and
 * the runtime's own words: {@code CRI UpdateContainerResources failed for container 3f2a…: NOT_FOUND: …}.
 * Codes that callers treat differently have their own subtype; {@link #from} picks it.
 */
public sealed class CriException extends RuntimeException
        permits CriUnavailableException, CriDeadlineExceededException, CriNotFoundException,
                CriInvalidArgumentException, CriUnimplementedException, CriHandshakeException {
    private static final long serialVersionUID = 1L;

    /** What the failed call was about. */
    public enum Target {
        NONE(""), CONTAINER("container"), SANDBOX("sandbox");

        private final String word;

        Target(String word) {
            this.word = word;
        }

        public String word() {
            return word;
        }
    }

    private final String rpc;
    private final Target target;
    private final String targetId;
    private final Status.Code code;
    private final String runtimeMessage;

    public CriException(String rpc, Target target, String targetId, Status.Code code, String runtimeMessage,
            Throwable cause) {
        this(rpc, target, targetId, code, runtimeMessage, describe(rpc, target, targetId, code, runtimeMessage), cause);
    }

    CriException(String rpc, Target target, String targetId, Status.Code code, String runtimeMessage, String message,
            Throwable cause) {
        super(message, cause);
        this.rpc = requireNonNull(rpc, "rpc");
        this.target = requireNonNull(target, "target");
        this.targetId = targetId == null ? "" : targetId;
        this.code = requireNonNull(code, "code");
        this.runtimeMessage = runtimeMessage == null ? "" : runtimeMessage;
    }

    /** The typed exception for a failed call of {@code rpc} about {@code target} {@code targetId}. */
    public static CriException from(StatusRuntimeException e, String rpc, Target target, String targetId) {
        Status status = e.getStatus();
        String msg = status.getDescription();
        return switch (status.getCode()) {
            case UNAVAILABLE -> new CriUnavailableException(rpc, target, targetId, msg, e);
            case DEADLINE_EXCEEDED -> new CriDeadlineExceededException(rpc, target, targetId, msg, e);
            case NOT_FOUND -> new CriNotFoundException(rpc, target, targetId, msg, e);
            case INVALID_ARGUMENT -> new CriInvalidArgumentException(rpc, target, targetId, msg, e);
            case UNIMPLEMENTED -> new CriUnimplementedException(rpc, target, targetId, msg, e);
            default -> new CriException(rpc, target, targetId, status.getCode(), msg, e);
        };
    }

    /** The RPC's bare name, e.g. {@code UpdateContainerResources}. */
    public String rpc() {
        return rpc;
    }

    public Target target() {
        return target;
    }

    /** The container or sandbox id the call was about; empty when none. */
    public String targetId() {
        return targetId;
    }

    public Status.Code code() {
        return code;
    }

    /** The runtime's (or gRPC's) description of the failure, unchanged. */
    public String runtimeMessage() {
        return runtimeMessage;
    }

    static String describe(String rpc, Target target, String targetId, Status.Code code, String runtimeMessage) {
        StringBuilder sb = new StringBuilder("CRI ").append(rpc).append(" failed");
        if (target != Target.NONE) {
            sb.append(" for ").append(target.word()).append(' ')
                    .append(targetId == null || targetId.isEmpty() ? "\"\"" : targetId);
        }
        sb.append(": ").append(code);
        if (runtimeMessage != null && !runtimeMessage.isEmpty()) {
            sb.append(": ").append(runtimeMessage);
        }
        return sb.toString();
    }
}
