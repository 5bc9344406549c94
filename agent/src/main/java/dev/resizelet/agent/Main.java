package dev.resizelet.agent;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code resizelet}: the command-line entry point. */
@Command(name = "resizelet", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "A node agent for Kubernetes in-place pod resize (KEP-1287) that kubectl can drive.",
        subcommands = {ServeCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    public static final int EXIT_OK = 0;
    public static final int EXIT_CANNOT_START = 1;
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        // as the kubelet's flags: a flag given twice takes the last value (the unit's --config, then $RESIZELET_ARGS)
        return new CommandLine(new Main()).setOverwrittenOptionsAllowed(true);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required, e.g. 'resizelet serve'");
    }

    /** The version from the build. */
    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"resizelet " + agentVersion() + " (Kubernetes API " + dev.resizelet.agent.http.Discovery.KUBERNETES_VERSION
                    + " semantics, Java " + Runtime.version() + ")"};
        }
    }

    public static String agentVersion() {
        Properties p = new Properties();
        try (InputStream in = Main.class.getResourceAsStream("/resizelet-version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            return "unknown";
        }
        return p.getProperty("version", "unknown");
    }
}
