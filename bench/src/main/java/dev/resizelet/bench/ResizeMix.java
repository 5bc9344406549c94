package dev.resizelet.bench;

import static java.util.Objects.requireNonNull;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Relative weights of the kinds of resize in a storm, parsed from {@code fits=50,up=20,down=20,deferred=5,infeasible=5}.
 * Kinds left out weigh 0; at least one weight must be positive.
 */
public record ResizeMix(Map<ResizeKind, Integer> weights) {
    public static final String DEFAULT = "fits=50,up=20,down=20,deferred=5,infeasible=5";

    public ResizeMix {
        requireNonNull(weights, "weights");
        EnumMap<ResizeKind, Integer> copy = new EnumMap<>(ResizeKind.class);
        for (ResizeKind k : ResizeKind.values()) {
            int w = weights.getOrDefault(k, 0);
            if (w < 0) {
                throw new IllegalArgumentException("mix weight of " + k.flagName() + " must not be negative, got " + w);
            }
            copy.put(k, w);
        }
        if (copy.values().stream().mapToInt(Integer::intValue).sum() == 0) {
            throw new IllegalArgumentException("mix needs at least one positive weight");
        }
        weights = Map.copyOf(copy);
    }

    public static ResizeMix parse(String text) {
        requireNonNull(text, "text");
        Map<ResizeKind, Integer> w = new EnumMap<>(ResizeKind.class);
        for (String part : text.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw invalid(text, "expected kind=weight, got \"" + p + "\"");
            }
            String name = p.substring(0, eq).trim().toUpperCase(Locale.ROOT);
            ResizeKind kind;
            try {
                kind = ResizeKind.valueOf(name);
            } catch (IllegalArgumentException e) {
                throw invalid(text, "unknown kind \"" + p.substring(0, eq).trim()
                        + "\" (kinds: fits, up, down, deferred, infeasible)");
            }
            int weight;
            try {
                weight = Integer.parseInt(p.substring(eq + 1).trim());
            } catch (NumberFormatException e) {
                throw invalid(text, "weight of " + kind.flagName() + " is not a whole number");
            }
            if (w.put(kind, weight) != null) {
                throw invalid(text, kind.flagName() + " is given twice");
            }
        }
        try {
            return new ResizeMix(w);
        } catch (IllegalArgumentException e) {
            throw invalid(text, e.getMessage());
        }
    }

    private static IllegalArgumentException invalid(String text, String why) {
        return new IllegalArgumentException("invalid --mix \"" + text + "\": " + why);
    }

    public int total() {
        return weights.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** A kind drawn with the mix's weights. */
    public ResizeKind pick(RandomGenerator random) {
        int r = random.nextInt(total());
        for (ResizeKind k : ResizeKind.values()) {
            r -= weights.get(k);
            if (r < 0) {
                return k;
            }
        }
        throw new AssertionError("weights sum to " + total());
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (ResizeKind k : ResizeKind.values()) {
            if (weights.get(k) > 0) {
                sb.append(sb.isEmpty() ? "" : ",").append(k.flagName()).append('=').append(weights.get(k));
            }
        }
        return sb.toString();
    }
}
