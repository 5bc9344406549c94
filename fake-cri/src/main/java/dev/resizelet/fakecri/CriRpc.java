package dev.resizelet.fakecri;

/** The RuntimeService RPCs the fake serves, by their wire names. */
public enum CriRpc {
    VERSION("Version"),
    STATUS("Status"),
    RUN_POD_SANDBOX("RunPodSandbox"),
    STOP_POD_SANDBOX("StopPodSandbox"),
    REMOVE_POD_SANDBOX("RemovePodSandbox"),
    LIST_POD_SANDBOX("ListPodSandbox"),
    CREATE_CONTAINER("CreateContainer"),
    START_CONTAINER("StartContainer"),
    STOP_CONTAINER("StopContainer"),
    REMOVE_CONTAINER("RemoveContainer"),
    LIST_CONTAINERS("ListContainers"),
    CONTAINER_STATUS("ContainerStatus"),
    UPDATE_CONTAINER_RESOURCES("UpdateContainerResources"),
    UPDATE_POD_SANDBOX_RESOURCES("UpdatePodSandboxResources"),
    GET_CONTAINER_EVENTS("GetContainerEvents");

    private final String methodName;

    CriRpc(String methodName) {
        this.methodName = methodName;
    }

    /** The bare gRPC method name, e.g. {@code UpdateContainerResources}. */
    public String methodName() {
        return methodName;
    }
}
