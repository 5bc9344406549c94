package dev.resizelet.core.enact;

/** The resources enactment changes, in the order a pass handles them: memory first, then CPU (DESIGN §5). */
public enum Resource {
    MEMORY,
    CPU
}
