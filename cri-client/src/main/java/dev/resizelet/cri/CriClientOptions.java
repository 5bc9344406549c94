package dev.resizelet.cri;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * @param requestTimeout deadline of every unary call (kubelet's {@code --runtime-request-timeout}, 2m)
 * @param connectTimeout how long the Version handshake on connect waits for the runtime to be reachable
 * @param maxInboundMessageBytes largest response accepted (kubelet: 16 MiB, for big ListContainers)
 */
public record CriClientOptions(Duration requestTimeout, Duration connectTimeout, int maxInboundMessageBytes) {
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofMinutes(2);
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_INBOUND_MESSAGE_BYTES = 16 * 1024 * 1024;

    public CriClientOptions {
        requireNonNull(requestTimeout, "requestTimeout");
        requireNonNull(connectTimeout, "connectTimeout");
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("requestTimeout must be positive, got " + requestTimeout);
        }
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout must be positive, got " + connectTimeout);
        }
        if (maxInboundMessageBytes <= 0) {
            throw new IllegalArgumentException("maxInboundMessageBytes must be positive, got " + maxInboundMessageBytes);
        }
    }

    public static CriClientOptions defaults() {
        return new CriClientOptions(DEFAULT_REQUEST_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_INBOUND_MESSAGE_BYTES);
    }

    public CriClientOptions withRequestTimeout(Duration timeout) {
        return new CriClientOptions(timeout, connectTimeout, maxInboundMessageBytes);
    }

    public CriClientOptions withConnectTimeout(Duration timeout) {
        return new CriClientOptions(requestTimeout, timeout, maxInboundMessageBytes);
    }
}
