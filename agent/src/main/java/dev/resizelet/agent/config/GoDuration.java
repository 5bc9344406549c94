package dev.resizelet.agent.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as Go's {@code time.ParseDuration} reads them, the format of every kubelet duration flag and
 * KubeletConfiguration field: {@code 2m0s}, {@code 1h30m}, {@code 500ms}, {@code 1.5s}, {@code 0s}.
 */
public final class GoDuration {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h)");
    private static final Map<String, Long> NANOS = Map.of("ns", 1L, "us", 1_000L, "µs", 1_000L, "μs", 1_000L,
            "ms", 1_000_000L, "s", 1_000_000_000L, "m", 60_000_000_000L, "h", 3_600_000_000_000L);

    private GoDuration() {}

    /** @throws IllegalArgumentException naming the flag or field, for text Go would reject or a negative value */
    public static Duration parse(String what, String text) {
        String s = text == null ? "" : text.trim();
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        if (s.startsWith("-")) {
            throw new IllegalArgumentException(what + " must not be negative, got \"" + text + "\"");
        }
        if (s.startsWith("+")) {
            s = s.substring(1);
        }
        Matcher m = PART.matcher(s);
        BigDecimal nanos = BigDecimal.ZERO;
        int at = 0;
        while (at < s.length()) {
            if (!m.find(at) || m.start() != at) {
                throw invalid(what, text);
            }
            nanos = nanos.add(new BigDecimal(m.group(1).startsWith(".") ? "0" + m.group(1) : m.group(1))
                    .multiply(BigDecimal.valueOf(NANOS.get(m.group(2)))));
            at = m.end();
        }
        if (at == 0) {
            throw invalid(what, text);
        }
        return Duration.ofNanos(nanos.longValue());
    }

    /** The way Go prints it: {@code 2m0s}, {@code 1h0m0s}, {@code 500ms}, {@code 0s}. */
    public static String format(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        if (d.compareTo(Duration.ofSeconds(1)) < 0) {
            long nanos = d.toNanos();
            return nanos % 1_000_000 == 0 ? nanos / 1_000_000 + "ms" : nanos % 1_000 == 0 ? nanos / 1_000 + "µs" : nanos + "ns";
        }
        StringBuilder b = new StringBuilder();
        long h = d.toHours();
        if (h > 0) {
            b.append(h).append('h');
        }
        long m = d.toMinutesPart();
        if (h > 0 || m > 0) {
            b.append(m).append('m');
        }
        b.append(d.toSecondsPart());
        int nanos = d.toNanosPart();
        if (nanos > 0) {
            b.append('.').append(String.format("%09d", nanos).replaceAll("0+$", ""));
        }
        return b.append('s').toString();
    }

    private static IllegalArgumentException invalid(String what, String text) {
        return new IllegalArgumentException(what + " must be a duration like 2m0s, 10s or 500ms, got \"" + text + "\"");
    }
}
