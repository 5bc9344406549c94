package dev.resizelet.fakecri;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * When a simulated container's process exits, read from its command and args (the whole model; nothing runs):
 * <ul>
 *   <li>{@code true} / {@code exit} / {@code exit N} / {@code false}: exits at once with 0 / 0 / N (mod 256) / 1;</li>
 *   <li>{@code sleep N} (seconds; a decimal, or with GNU sleep's suffix {@code s}, {@code m}, {@code h}, {@code d}):
 *       exits with 0 after N;</li>
 *   <li>{@code sleep infinity}, {@code tail -f ...}: never exits;</li>
 *   <li>a shell ({@code sh}, {@code bash}, {@code ash}, {@code dash}, any path) with {@code -c SCRIPT}: the script is
 *       read the same way, and may chain steps with {@code ;} or {@code &&} ({@code sleep 2; exit 3} exits with 3
 *       after two seconds);</li>
 *   <li>anything else, an empty command included (the image's entrypoint): runs until stopped.</li>
 * </ul>
 * Programs are matched by their last path element, so {@code /bin/true} is {@code true}.
 */
public final class ExitModel {
    private static final Set<String> SHELLS = Set.of("sh", "bash", "ash", "dash");

    private ExitModel() {
    }

    /** What the process does: exit with a code after a delay (zero: at once), or never. */
    public sealed interface Exit permits ExitAfter, Never {
    }

    /** Exits with {@code code} after {@code delay} ({@link Duration#ZERO}: at once). */
    public record ExitAfter(Duration delay, int code) implements Exit {
        public ExitAfter {
            if (delay.isNegative()) {
                throw new IllegalArgumentException("delay must not be negative, got " + delay);
            }
        }
    }

    /** Runs until it is stopped. */
    public record Never() implements Exit {
    }

    /** The exit of a container started with {@code command} followed by {@code args}. */
    public static Exit of(List<String> command, List<String> args) {
        List<String> argv = new ArrayList<>(command);
        argv.addAll(args);
        if (argv.size() >= 3 && SHELLS.contains(program(argv.get(0))) && argv.get(1).equals("-c")) {
            return script(argv.get(2));
        }
        return step(argv, Duration.ZERO);
    }

    /** A shell script: steps separated by {@code ;} or {@code &&}, read in order until one exits or never does. */
    static Exit script(String script) {
        Duration elapsed = Duration.ZERO;
        for (String part : script.split(";|&&")) {
            List<String> words = new ArrayList<>(Arrays.asList(part.trim().split("\\s+")));
            words.removeIf(String::isEmpty);
            if (!words.isEmpty() && words.get(0).equals("exec")) {
                words.remove(0);
            }
            if (words.isEmpty()) {
                continue;
            }
            Exit e = step(words, elapsed);
            if (e instanceof ExitAfter after && isSleep(words) && after.code() == 0) {
                elapsed = after.delay();
                continue;
            }
            return e;
        }
        return new ExitAfter(elapsed, 0); // the script ran off its end: the shell exits with the last status, 0
    }

    private static boolean isSleep(List<String> words) {
        return program(words.get(0)).equals("sleep");
    }

    /** One command; {@code elapsed} is the time the steps before it took. */
    private static Exit step(List<String> argv, Duration elapsed) {
        if (argv.isEmpty()) {
            return new Never();
        }
        String program = program(argv.get(0));
        switch (program) {
            case "true", ":" -> {
                return new ExitAfter(elapsed, 0);
            }
            case "false" -> {
                return new ExitAfter(elapsed, 1);
            }
            case "exit" -> {
                if (argv.size() < 2) {
                    return new ExitAfter(elapsed, 0);
                }
                try {
                    return new ExitAfter(elapsed, Integer.parseInt(argv.get(1)) & 0xff);
                } catch (NumberFormatException e) {
                    return new ExitAfter(elapsed, 2); // sh: exit: Illegal number
                }
            }
            case "sleep" -> {
                if (argv.size() < 2 || argv.get(1).equals("infinity") || argv.get(1).equals("inf")) {
                    return argv.size() < 2 ? new ExitAfter(elapsed, 1) : new Never(); // sleep without operand fails
                }
                Duration d = duration(argv.get(1));
                return d == null ? new ExitAfter(elapsed, 1) : new ExitAfter(elapsed.plus(d), 0);
            }
            default -> {
                return new Never(); // tail -f, servers, the image's entrypoint: run until stopped
            }
        }
    }

    /** GNU sleep's operand: a decimal number of seconds, or with a suffix s, m, h, d; null if it is not one. */
    static Duration duration(String operand) {
        long unitSeconds = 1;
        String number = operand;
        if (!operand.isEmpty()) {
            switch (operand.charAt(operand.length() - 1)) {
                case 's' -> number = operand.substring(0, operand.length() - 1);
                case 'm' -> { unitSeconds = 60; number = operand.substring(0, operand.length() - 1); }
                case 'h' -> { unitSeconds = 3600; number = operand.substring(0, operand.length() - 1); }
                case 'd' -> { unitSeconds = 86400; number = operand.substring(0, operand.length() - 1); }
                default -> { }
            }
        }
        try {
            BigDecimal seconds = new BigDecimal(number).multiply(BigDecimal.valueOf(unitSeconds));
            if (seconds.signum() < 0) {
                return null;
            }
            return Duration.ofNanos(seconds.movePointRight(9).longValue());
        } catch (NumberFormatException | ArithmeticException e) {
            return null;
        }
    }

    private static String program(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? path : path.substring(slash + 1);
    }
}
