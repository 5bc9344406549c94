package dev.resizelet.cri;

import io.grpc.Status;

/** The call outlived its deadline; the runtime may still have applied it. */
public final class CriDeadlineExceededException extends CriException {
    private static final long serialVersionUID = 1L;

    public CriDeadlineExceededException(String rpc, Target target, String targetId, String runtimeMessage, Throwable cause) {
        super(rpc, target, targetId, Status.Code.DEADLINE_EXCEEDED, runtimeMessage, cause);
    }
}
