package dev.resizelet.cri;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

/**
 * Where the runtime listens: {@code unix:///run/containerd/containerd.sock} or {@code tcp://host:port}.
 * A bare absolute path is read as a Unix socket, as the kubelet still accepts.
 */
public sealed interface CriEndpoint {

    record Unix(Path path) implements CriEndpoint {
        public Unix {
            requireNonNull(path, "path");
            if (!path.isAbsolute()) {
                throw new IllegalArgumentException("unix socket path must be absolute, got " + path);
            }
        }

        @Override
        public String toString() {
            return "unix://" + path;
        }
    }

    record Tcp(String host, int port) implements CriEndpoint {
        public Tcp {
            requireNonNull(host, "host");
            if (host.isEmpty()) {
                throw new IllegalArgumentException("tcp endpoint needs a host");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("tcp port must be in 1..65535, got " + port);
            }
        }

        @Override
        public String toString() {
            return "tcp://" + host + ":" + port;
        }
    }

    static CriEndpoint parse(String endpoint) {
        requireNonNull(endpoint, "endpoint");
        if (endpoint.startsWith("unix://")) {
            String path = endpoint.substring("unix://".length());
            if (!path.startsWith("/")) {
                throw invalid(endpoint, "unix endpoints are unix:///absolute/path");
            }
            return new Unix(Path.of(path));
        }
        if (endpoint.startsWith("/")) {
            return new Unix(Path.of(endpoint));
        }
        if (endpoint.startsWith("tcp://")) {
            String hostPort = endpoint.substring("tcp://".length());
            int colon = hostPort.lastIndexOf(':');
            if (colon <= 0 || colon == hostPort.length() - 1) {
                throw invalid(endpoint, "tcp endpoints are tcp://host:port");
            }
            String host = hostPort.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port;
            try {
                port = Integer.parseInt(hostPort.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw invalid(endpoint, "the port is not a number");
            }
            try {
                return new Tcp(host, port);
            } catch (IllegalArgumentException e) {
                throw invalid(endpoint, e.getMessage());
            }
        }
        throw invalid(endpoint, "supported schemes are unix:// and tcp://");
    }

    private static IllegalArgumentException invalid(String endpoint, String why) {
        return new IllegalArgumentException("invalid CRI endpoint \"" + endpoint + "\": " + why);
    }
}
