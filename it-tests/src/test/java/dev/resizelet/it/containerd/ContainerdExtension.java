package dev.resizelet.it.containerd;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
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

    private static Path scriptsDir() {
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
        private final Path base;
        private final PrivateContainerd containerd;
        private final TopCgroup top;

        private Session(Path base, PrivateContainerd containerd, TopCgroup top) {
            this.base = base;
            this.containerd = containerd;
            this.top = top;
        }

        static Session open(Path scripts) {
            Path base;
            try {
                // a short path under /tmp: the socket path must stay under the Unix socket limit
                base = Files.createTempDirectory(Path.of("/tmp"), "resizelet-ctd-");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a directory for containerd", e);
            }
            TopCgroup top = TopCgroup.create(ContainerdHost.CGROUP_ROOT);
            try {
                return new Session(base, PrivateContainerd.start(scripts, base.resolve("c")), top);
            } catch (RuntimeException e) {
                try {
                    deleteTree(base);
                } catch (RuntimeException cleanup) {
                    e.addSuppressed(cleanup);
                }
                throw e;
            }
        }

        /** Containerd first (its containers leave their cgroups), then the cgroups, then the files. */
        @Override
        public void close() {
            RuntimeException failure = null;
            try {
                containerd.close();
            } catch (RuntimeException e) {
                failure = e;
            }
            try {
                top.close();
            } catch (RuntimeException e) {
                failure = addTo(failure, e);
            }
            try {
                deleteTree(base);
            } catch (RuntimeException e) {
                failure = addTo(failure, e);
            }
            if (failure != null) {
                throw failure;
            }
        }

        private static RuntimeException addTo(RuntimeException first, RuntimeException next) {
            if (first == null) {
                return next;
            }
            first.addSuppressed(next);
            return first;
        }

        private static void deleteTree(Path dir) {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete the containerd directory " + dir
                        + " (a mount left under it?)", e);
            }
        }
    }
}
