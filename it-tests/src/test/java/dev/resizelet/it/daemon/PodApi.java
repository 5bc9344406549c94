package dev.resizelet.it.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The daemon's pod API over plain HTTP, as a controller (a VPA, an operator) would use it. */
final class PodApi {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    PodApi(String daemonUrl) {
        this.base = daemonUrl + "/api/v1/namespaces/default/pods";
    }

    /** The answer to one resize: HTTP status, and for a 200 the generation and cpu request it stored. */
    record Ack(int code, long generation, long cpuMillis) {
    }

    /** A strategic-merge PATCH of {@code pods/NAME/resize}: container {@code c}'s cpu request and limit. */
    Ack resizeCpu(String pod, long cpuMillis) throws IOException, InterruptedException {
        String body = "{\"spec\":{\"containers\":[{\"name\":\"c\",\"resources\":{\"requests\":{\"cpu\":\"" + cpuMillis
                + "m\"},\"limits\":{\"cpu\":\"" + cpuMillis + "m\"}}}]}}";
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/" + pod + "/resize"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/strategic-merge-patch+json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            return new Ack(r.statusCode(), 0, 0);
        }
        JsonNode p = JSON.readTree(r.body());
        return new Ack(200, p.at("/metadata/generation").asLong(), specCpu(p));
    }

    void create(String pod, long cpuMillis) throws IOException, InterruptedException {
        String body = """
                {"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s"},"spec":{"containers":[{"name":"c","image":"busybox",
                "resources":{"requests":{"cpu":"%dm","memory":"64Mi"},"limits":{"cpu":"%dm","memory":"64Mi"}}}]}}"""
                .formatted(pod, cpuMillis, cpuMillis);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new IllegalStateException("create " + pod + ": " + r.statusCode() + " " + r.body());
        }
    }

    JsonNode get(String pod) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/" + pod)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("get " + pod + ": " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body());
    }

    static long specCpu(JsonNode pod) {
        return millis(pod.at("/spec/containers/0/resources/requests/cpu").asText());
    }

    static long allocatedCpu(JsonNode pod) {
        return millis(pod.at("/status/containerStatuses/0/allocatedResources/cpu").asText("0"));
    }

    static long actualCpu(JsonNode pod) {
        return millis(pod.at("/status/containerStatuses/0/resources/limits/cpu").asText("0"));
    }

    static long millis(String cpu) {
        if (cpu.isEmpty()) {
            return 0;
        }
        return cpu.endsWith("m") ? Long.parseLong(cpu.substring(0, cpu.length() - 1)) : Long.parseLong(cpu) * 1000;
    }

    HttpClient http() {
        return http;
    }

    String podsUrl() {
        return base;
    }
}
