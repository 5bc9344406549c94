package dev.resizelet.cri;

import io.grpc.Status;

/**
 * The Version handshake showed that the endpoint does not serve CRI {@code runtime.v1} (an older
 * {@code v1alpha2}-only runtime, or not a CRI runtime at all).
 */
public final class CriHandshakeException extends CriException {
    private static final long serialVersionUID = 1L;

    public CriHandshakeException(String endpoint, String reason, Throwable cause) {
        super("Version", Target.NONE, "", Status.Code.FAILED_PRECONDITION, reason,
                "CRI runtime at " + endpoint + " does not serve runtime.v1: " + reason, cause);
    }
}
