package dev.resizelet.it.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The real kubectl binary, isolated from any user config (empty kubeconfig, temp cache dir). */
public final class Kubectl {
    public static final String DISPATCHER = "/usr/bin/kubectl";
    public static final String V1_27 = "/usr/lib/google-cloud-sdk/bin/kubectl.1.27";
    public static final String V1_32 = "/usr/lib/google-cloud-sdk/bin/kubectl.1.32";

    public record Result(int exitCode, String stdout, String stderr) {
        public String all() {
            return stdout + stderr;
        }
    }

    private final String binary;
    private final String server;
    private final Path home;

    public Kubectl(String binary, String server, Path home) {
        this.binary = binary;
        this.server = server;
        this.home = home;
    }

    /** The directory kubectl runs in (its HOME, kubeconfig and cache). */
    public Path home() {
        return home;
    }

    public Result run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(binary, "--kubeconfig", home.resolve("kubeconfig").toString(),
                "--cache-dir", home.resolve("cache-" + Path.of(binary).getFileName()).toString(), "--server", server,
                "--request-timeout", "20s"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(home.toFile());
        pb.environment().put("HOME", home.toString());
        pb.environment().put("KUBECONFIG", home.resolve("kubeconfig").toString());
        // files of their own: tests may run kubectl from several threads at once
        Path out = java.nio.file.Files.createTempFile(home, "kubectl", ".out");
        Path err = java.nio.file.Files.createTempFile(home, "kubectl", ".err");
        // stdin closed: kubectl prompts for a user name on a 401 when the kubeconfig holds no credentials
        Process p = pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new IllegalStateException("kubectl timed out: " + cmd);
        }
        try {
            return new Result(p.exitValue(), java.nio.file.Files.readString(out, StandardCharsets.UTF_8),
                    java.nio.file.Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            java.nio.file.Files.deleteIfExists(out);
            java.nio.file.Files.deleteIfExists(err);
        }
    }

    /** Starts {@code kubectl args} without waiting (e.g. get -w); output goes to {@code out}. */
    Process start(Path out, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(binary, "--kubeconfig", home.resolve("kubeconfig").toString(),
                "--cache-dir", home.resolve("cache-watch").toString(), "--server", server));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(home.toFile()).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("HOME", home.toString());
        return pb.start();
    }
}
