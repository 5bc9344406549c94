package dev.resizelet.it.daemon;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stream of resizes of pod default/web (container c, cpu request = limit, from {@code first} to below
 * {@code end} in steps of 10m) through {@code pods/web/resize}, sent one after another until one is not
 * acknowledged (the daemon died). It remembers the last cpu the daemon acknowledged.
 */
final class ResizeStream {
    private final AtomicInteger acknowledged;
    private final Thread thread;

    ResizeStream(String daemonUrl, int start, int first, int end) {
        this.acknowledged = new AtomicInteger(start);
        HttpClient http = HttpClient.newHttpClient();
        URI uri = URI.create(daemonUrl + "/api/v1/namespaces/default/pods/web/resize");
        this.thread = new Thread(() -> {
            for (int cpu = first; cpu < end; cpu += 10) {
                String body = "{\"spec\":{\"containers\":[{\"name\":\"c\",\"resources\":{\"requests\":{\"cpu\":\"" + cpu
                        + "m\"},\"limits\":{\"cpu\":\"" + cpu + "m\"}}}]}}";
                try {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri)
                            .header("Content-Type", "application/strategic-merge-patch+json")
                            .method("PATCH", HttpRequest.BodyPublishers.ofString(body)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() != 200) {
                        return;
                    }
                    acknowledged.set(cpu);
                } catch (Exception e) {
                    return; // the daemon died
                }
            }
        }, "resize-stream");
    }

    ResizeStream start() {
        thread.start();
        return this;
    }

    /** The last cpu (millicores) the daemon acknowledged. */
    int acknowledged() {
        return acknowledged.get();
    }

    void join() throws InterruptedException {
        thread.join(30_000);
    }
}
