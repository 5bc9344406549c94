package dev.resizelet.cgroups;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * A child process for {@link CgroupKernelTest}: waits for a line on stdin (sent after its pid is in the
 * cgroup, so the memory is charged there), allocates and touches the given number of MiB, prints
 * {@code ready}, and holds the memory until stdin closes.
 */
public final class MemoryHog {
    private static byte[] held;

    private MemoryHog() {
    }

    public static void main(String[] args) throws IOException {
        int mib = Integer.parseInt(args[0]);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        if (in.readLine() == null) {
            return;
        }
        held = new byte[mib * 1024 * 1024];
        for (int i = 0; i < held.length; i += 4096) {
            held[i] = 1;
        }
        System.out.println("ready " + held.length);
        System.out.flush();
        while (in.read() >= 0) {
            // hold the memory until the parent closes stdin
        }
    }
}
