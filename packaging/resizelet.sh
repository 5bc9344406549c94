#!/bin/sh
# resizelet launcher (installed as /opt/resizelet/bin/resizelet, linked from /usr/bin/resizelet):
# runs the agent on the Java runtime bundled beside it; no JDK and no Maven on the node.
#   resizelet --version
#   resizelet serve --config /etc/resizelet/config.yaml --state-dir /var/lib/resizelet
# RESIZELET_JAVA_OPTS: extra JVM options (e.g. -Xmx512m).
self=$(readlink -f "$0") || exit 1
home=${self%/*/*}
# the parallel collector unless RESIZELET_JAVA_OPTS names one: on 2 cores it completed about a fifth more resizes/s at
# saturation than G1 (G1's resize tail was as good or better: docs/operations.md, "JVM")
gc=-XX:+UseParallelGC
for opt in ${RESIZELET_JAVA_OPTS:-}; do
  case $opt in -XX:+Use*GC) gc= ;; esac
done
# -XX:+ExitOnOutOfMemoryError: under systemd (Restart=always) a clean restart beats a half-working JVM
exec "$home/runtime/bin/java" -XX:+ExitOnOutOfMemoryError $gc ${RESIZELET_JAVA_OPTS:-} \
  -cp "$home/lib/*" dev.resizelet.agent.Main "$@"
