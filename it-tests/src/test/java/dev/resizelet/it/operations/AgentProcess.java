package dev.resizelet.it.operations;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code resizelet serve} as its own JVM (this test's classpath), stdout and stderr kept apart in files: the ready line
 * on stdout, the logs on stderr. Talks to its API with plain HTTP.
 */
final class AgentProcess implements AutoCloseable {
    private static final Pattern READY = Pattern.compile("resizelet ready: (http://127\\.0\\.0\\.1:\\d+)");
    static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path out;
    private final Path err;
    private final HttpClient http = HttpClient.newHttpClient();
    private String url;

    private AgentProcess(Process process, Path out, Path err) {
        this.process = process;
        this.out = out;
        this.err = err;
    }

    static AgentProcess start(Path dir, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.resizelet.agent.Main", "serve", "--listen", "127.0.0.1:0"));
        cmd.addAll(List.of(args));
        Path out = dir.resolve("stdout");
        Path err = dir.resolve("stderr");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        AgentProcess a = new AgentProcess(p, out, err);
        await().atMost(Duration.ofSeconds(60)).until(() -> a.readyUrl() != null || !p.isAlive());
        if (a.readyUrl() == null) {
            throw new IllegalStateException("agent did not start:\n" + Files.readString(out) + Files.readString(err));
        }
        a.url = a.readyUrl();
        return a;
    }

    private String readyUrl() throws IOException {
        Matcher m = READY.matcher(Files.readString(out));
        return m.find() ? m.group(1) : null;
    }

    String stderr() throws IOException {
        return Files.readString(err);
    }

    HttpResponse<String> send(String method, String path, String contentType, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(20));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode pod(String name) throws IOException, InterruptedException {
        return JSON.readTree(send("GET", "/api/v1/namespaces/default/pods/" + name, null, null).body());
    }

    String metrics() throws IOException, InterruptedException {
        return send("GET", "/metrics", null, null).body();
    }

    /** A scrape with this Accept header, as Prometheus sends it. */
    HttpResponse<String> scrape(String accept) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url + "/metrics")).header("Accept", accept).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static String podJson(String name, String cpu) {
        return "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" + name + "\"},\"spec\":{\"containers\":[{"
                + "\"name\":\"c\",\"image\":\"busybox\",\"resources\":{\"requests\":{\"cpu\":\"" + cpu + "\",\"memory\":\"128Mi\"},"
                + "\"limits\":{\"cpu\":\"" + cpu + "\",\"memory\":\"128Mi\"}}}]}}";
    }

    static String resizePatch(String cpu) {
        return "{\"spec\":{\"containers\":[{\"name\":\"c\",\"resources\":{\"requests\":{\"cpu\":\"" + cpu + "\"},\"limits\":{\"cpu\":\""
                + cpu + "\"}}}]}}";
    }

    /** SIGTERM, as systemd stops it; the exit status. */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop();
        }
    }
}
