#!/bin/sh
# resizelet launcher (installed as /opt/resizelet/bin/resizelet, linked from /usr/bin/resizelet):
# runs the agent on the Java runtime bundled beside it; no JDK and no Maven on the node.
#   resizelet --version
#   resizelet serve --config /etc/resizelet/config.yaml --state-dir /var/lib/resizelet
# RESIZELET_JAVA_OPTS: extra JVM options (e.g. -Xmx512m).
self=$(readlink -f "$0") || exit 1
home=${self%/*/*}
# -XX:+ExitOnOutOfMemoryError: under systemd (Restart=always) a clean restart beats a half-working JVM
exec "$home/runtime/bin/java" -XX:+ExitOnOutOfMemoryError ${RESIZELET_JAVA_OPTS:-} \
  -cp "$home/lib/*" dev.resizelet.agent.Main "$@"
