package dev.resizelet.core.validation;

/** How a resize reached the agent, which decides what else may change with it. */
public enum ResizeSource {
    /** 1.27 style: an update of the pod spec; container images may change too. */
    POD_UPDATE,
    /** 1.32+ {@code pods/<name>/resize}: only container resources and resizePolicy may change. */
    RESIZE_SUBRESOURCE
}
