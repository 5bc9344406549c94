package dev.resizelet.it.daemon;

/** The ITs' teardown in one place: closes what a test opened, in order, skipping what it never opened. */
public final class Teardown {
    private Teardown() {
    }

    /**
     * Closes each non-null argument in the order given (a daemon before the node it runs on); every one is tried, and
     * the first failure is thrown once all were, with the later ones suppressed in it.
     */
    public static void close(AutoCloseable... opened) throws Exception {
        Exception first = null;
        for (AutoCloseable c : opened) {
            if (c == null) {
                continue;
            }
            try {
                c.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
