package dev.resizelet.agent;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Set;
import java.util.logging.LogManager;

/**
 * The daemon's log format and verbosity, as the kubelet takes them: {@code --logging-format=text|json} and
 * {@code -v N}. Logback reads them from system properties in {@code logback.xml} when it starts, which is at the
 * first log line: {@code resizelet serve} applies them before anything logs. The backend stays a runtime
 * dependency; nothing here names a Logback class.
 *
 * <p>Verbosity follows the kubelet's conventions: 0-3 info (the default, 0), 4-5 debug, 6 and more trace for
 * resizelet's own loggers; from 8 on, the libraries' debug logs too (gRPC, Netty).
 */
public record Logging(String format, int verbosity) {
    public static final Set<String> FORMATS = Set.of("text", "json");
    static final String FORMAT_PROPERTY = "resizelet.logging.format";
    static final String LEVEL_PROPERTY = "resizelet.logging.level";
    static final String ROOT_LEVEL_PROPERTY = "resizelet.logging.rootLevel";

    public Logging {
        if (!FORMATS.contains(format)) {
            throw new IllegalArgumentException("--logging-format must be text or json, got \"" + format + "\"");
        }
        if (verbosity < 0) {
            throw new IllegalArgumentException("-v must be 0 or more, got " + verbosity);
        }
    }

    /** The level of resizelet's loggers. */
    public String level() {
        return verbosity >= 6 ? "TRACE" : verbosity >= 4 ? "DEBUG" : "INFO";
    }

    /** The level of everything else. */
    public String rootLevel() {
        return verbosity >= 8 ? "DEBUG" : "INFO";
    }

    /** Sets the properties logback.xml reads, and sends java.util.logging (gRPC's) into the same log. */
    public void apply() {
        System.setProperty(FORMAT_PROPERTY, format.toLowerCase(Locale.ROOT));
        System.setProperty(LEVEL_PROPERTY, level());
        System.setProperty(ROOT_LEVEL_PROPERTY, rootLevel());
        try (InputStream jul = Logging.class.getResourceAsStream("/resizelet-jul.properties")) {
            if (jul != null && System.getProperty("java.util.logging.config.file") == null) {
                LogManager.getLogManager().readConfiguration(jul);
            }
        } catch (IOException | RuntimeException e) {
            // the bridge is a nicety: without it gRPC's rare warnings go to stderr in JUL's own format
            System.err.println("resizelet: java.util.logging stays unbridged: " + e);
        }
    }
}
