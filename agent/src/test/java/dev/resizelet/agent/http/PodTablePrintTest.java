package dev.resizelet.agent.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * READY / STATUS / RESTARTS as kubectl's {@code printPod} (pkg/printers/internalversion) prints them, for pods with
 * init containers and sidecars. Pods are written in a short form: init containers then {@code |} then app
 * containers, each {@code name=state} with state {@code run}, {@code ok} (terminated 0), {@code err} (terminated 1,
 * Error), {@code wait} (PodInitializing), {@code crash} (CrashLoopBackOff, restarted twice); a leading {@code *}
 * marks a sidecar.
 */
class PodTablePrintTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest(name = "{0} -> {1} {2} {3}")
    @CsvSource(delimiter = ';', value = {
        "i1=run,i2=wait | app=wait        ; 0/1 ; Init:0/2             ; 0 ; Pending",
        "i1=ok,i2=run | app=wait          ; 0/1 ; Init:1/2             ; 0 ; Pending",
        "i1=ok,i2=ok | app=run            ; 1/1 ; Running              ; 0 ; Running",
        "i1=err | app=wait                ; 0/1 ; Init:Error           ; 0 ; Pending",
        "i1=crash | app=wait              ; 0/1 ; Init:CrashLoopBackOff ; 2 ; Pending",
        "i1=err | app=wait                ; 0/1 ; Init:Error           ; 0 ; Failed",
        "*log=run,i1=run | app=wait       ; 1/2 ; Init:1/2             ; 0 ; Pending",
        "*log=run,i1=ok | app=run         ; 2/2 ; Running              ; 0 ; Running",
        "*log=crash,i1=ok | app=run       ; 1/2 ; Init:CrashLoopBackOff ; 2 ; Running",
        "*log=wait | app=wait             ; 0/2 ; Init:0/1             ; 0 ; Pending",
        "i1=ok | app=crash                ; 0/1 ; CrashLoopBackOff     ; 2 ; Running",
    })
    void printsLikeKubectl(String pod, String ready, String status, long restarts, String phase) throws Exception {
        JsonNode node = JSON.readTree(pod(pod.trim(), phase.trim()));

        PodTable.Printed p = PodTable.printed(node);

        assertThat(p.ready() + "/" + p.total()).isEqualTo(ready.trim());
        assertThat(p.reason()).isEqualTo(status.trim());
        assertThat(p.restarts()).isEqualTo(restarts);
    }

    private static String pod(String shortForm, String phase) {
        String[] halves = shortForm.split("\\|");
        StringBuilder initSpecs = new StringBuilder();
        StringBuilder initStatuses = new StringBuilder();
        for (String c : halves[0].trim().split(",")) {
            String[] kv = c.trim().split("=");
            boolean sidecar = kv[0].startsWith("*");
            String name = kv[0].replace("*", "");
            append(initSpecs, "{\"name\":\"" + name + "\"" + (sidecar ? ",\"restartPolicy\":\"Always\"" : "") + "}");
            append(initStatuses, status(name, kv[1], sidecar, true));
        }
        StringBuilder appSpecs = new StringBuilder();
        StringBuilder appStatuses = new StringBuilder();
        for (String c : halves[1].trim().split(",")) {
            String[] kv = c.trim().split("=");
            append(appSpecs, "{\"name\":\"" + kv[0] + "\"}");
            append(appStatuses, status(kv[0], kv[1], false, false));
        }
        return "{\"spec\":{\"initContainers\":[" + initSpecs + "],\"containers\":[" + appSpecs + "]},"
                + "\"status\":{\"phase\":\"" + phase + "\",\"initContainerStatuses\":[" + initStatuses + "],"
                + "\"containerStatuses\":[" + appStatuses + "]}}";
    }

    private static void append(StringBuilder b, String item) {
        if (b.length() > 0) {
            b.append(',');
        }
        b.append(item);
    }

    private static String status(String name, String state, boolean sidecar, boolean init) {
        String last = "{}";
        int restarts = 0;
        boolean ready;
        String s;
        switch (state) {
            case "run" -> { s = "{\"running\":{}}"; ready = true; }
            case "ok" -> { s = "{\"terminated\":{\"exitCode\":0,\"reason\":\"Completed\"}}"; ready = init; }
            case "err" -> { s = "{\"terminated\":{\"exitCode\":1,\"reason\":\"Error\"}}"; ready = false; }
            case "crash" -> {
                s = "{\"waiting\":{\"reason\":\"CrashLoopBackOff\"}}";
                last = "{\"terminated\":{\"exitCode\":1,\"reason\":\"Error\"}}";
                restarts = 2;
                ready = false;
            }
            default -> { s = "{\"waiting\":{\"reason\":\"PodInitializing\"}}"; ready = false; }
        }
        return "{\"name\":\"" + name + "\",\"ready\":" + ready + ",\"started\":" + state.equals("run")
                + ",\"restartCount\":" + restarts + ",\"state\":" + s + ",\"lastState\":" + last + "}";
    }
}
