package dev.resizelet.it.containerd;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives a test class a private containerd (started once per class, stopped after it) and a
 * test-owned top cgroup (removed after the class, also when a test failed), as parameters of
 * type {@link PrivateContainerd} and {@link TopCgroup}.
 *
 * <p>Skips the class, saying why, when the machine is not root or lacks the cgroup v1 cpu and
 * memory controllers, or when containerd, runc or busybox-static are not installed. Under CI
 * ({@code CI=true}, where {@code scripts/containerd/install.sh} has run) missing binaries fail
 * the class instead: the suite must not skip there silently.
 */
public final class ContainerdExtension implements BeforeAllCallback, ParameterResolver {

    /** System property naming scripts/containerd (set by the it-tests pom). */
    public static final String SCRIPTS_PROPERTY = "resizelet.containerd.scripts";

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(ContainerdExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        Optional<String> noHost = ContainerdHost.whyNoHost();
        Assumptions.assumeTrue(noHost.isEmpty(), () -> "real containerd suite skipped: " + noHost.orElse(""));
        List<String> missing = ContainerdHost.missingBinaries();
        if (!missing.isEmpty()) {
            String message = "real containerd suite needs " + missing
                    + " (run scripts/containerd/install.sh as root)";
            if ("true".equals(System.getenv("CI"))) {
                throw new ExtensionConfigurationException(message + "; under CI the suite must run");
            }
            Assumptions.abort("real containerd suite skipped: " + message);
        }
        context.getStore(NAMESPACE).getOrComputeIfAbsent(Session.class, key -> Session.open(scriptsDir()), Session.class);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == PrivateContainerd.class || type == TopCgroup.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Session session = context.getStore(NAMESPACE).get(Session.class, Session.class);
        if (session == null) {
            throw new ExtensionConfigurationException("ContainerdExtension: no containerd session (is the extension registered on the class?)");
        }
        return parameter.getParameter().getType() == PrivateContainerd.class ? session.containerd : session.top;
    }

    /** scripts/containerd, from the system property the pom sets (or ../scripts/containerd). */
    static Path scriptsDir() {
        String property = System.getProperty(SCRIPTS_PROPERTY);
        Path dir = property != null ? Path.of(property) : Path.of("..", "scripts", "containerd");
        if (!Files.isRegularFile(dir.resolve("start.sh"))) {
            throw new ExtensionConfigurationException("no scripts/containerd/start.sh at " + dir.toAbsolutePath()
                    + " (set -D" + SCRIPTS_PROPERTY + ")");
        }
        return dir.toAbsolutePath().normalize();
    }

    /** One class's containerd and top cgroup; closed by JUnit when the class's store closes. */
    private static final class Session implements AutoCloseable {
        private final PrivateContainerd containerd;
        private final TopCgroup top;

        private Session(PrivateContainerd containerd, TopCgroup top) {
            this.containerd = containerd;
            this.top = top;
        }

        static Session open(Path scripts) {
            return new Session(PrivateContainerd.startInTempDir(scripts), TopCgroup.create(ContainerdHost.CGROUP_ROOT));
        }

        /** Containerd first (deleting its containers removes their cgroups), then the test's cgroups. */
        @Override
        public void close() {
            try {
                containerd.close();
            } catch (RuntimeException e) {
                try {
                    top.close();
                } catch (RuntimeException cgroups) {
                    e.addSuppressed(cgroups);
                }
                throw e;
            }
            top.close();
        }
    }
}
