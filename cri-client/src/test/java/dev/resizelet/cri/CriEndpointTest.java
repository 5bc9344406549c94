package dev.resizelet.cri;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CriEndpointTest {

    @ParameterizedTest
    @CsvSource({
        "unix:///run/containerd/containerd.sock, /run/containerd/containerd.sock",
        "/run/crio/crio.sock,                    /run/crio/crio.sock",
    })
    void unixEndpoints(String endpoint, String path) {
        CriEndpoint e = CriEndpoint.parse(endpoint);

        assertThat(e).isEqualTo(new CriEndpoint.Unix(Path.of(path)));
        assertThat(e.toString()).isEqualTo("unix://" + path);
    }

    @ParameterizedTest
    @CsvSource({
        "tcp://127.0.0.1:10010, 127.0.0.1, 10010",
        "tcp://runtime.local:1, runtime.local, 1",
        "tcp://[::1]:65535,     ::1,           65535",
    })
    void tcpEndpoints(String endpoint, String host, int port) {
        assertThat(CriEndpoint.parse(endpoint)).isEqualTo(new CriEndpoint.Tcp(host, port));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "unix://run/containerd.sock | unix:///absolute/path",
        "tcp://host                 | tcp://host:port",
        "tcp://:10010               | tcp://host:port",
        "tcp://host:http            | not a number",
        "tcp://host:0               | 1..65535",
        "npipe:////./pipe/x         | unix:// and tcp://",
        "run/containerd.sock        | unix:// and tcp://",
    })
    void malformedEndpointsAreRejectedWithTheReason(String endpoint, String reason) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CriEndpoint.parse(endpoint));

        assertThat(e.getMessage()).contains("invalid CRI endpoint \"" + endpoint + "\"").contains(reason);
    }
}
