#!/usr/bin/env bash
# Starts a private containerd whose root, state, sockets, config and runc root all live under DIR,
# so tests never touch a system containerd; waits until it answers; imports the busybox image
# (built by build-busybox-image.sh unless IMAGE_TAR names one) into the k8s.io namespace.
#   DIR/containerd.sock  CRI + containerd gRPC socket      DIR/containerd.pid  daemon pid
#   DIR/containerd.log   daemon log                        DIR/config.toml     config (v2)
# Idempotent: a containerd already running for DIR is kept (start after `stop.sh DIR --daemon-only`
# is a containerd restart: running containers survive it).
# Settings from shared/containerd.md: restrict_oom_score_adj (root lacks CAP_SYS_RESOURCE here),
# sandbox image = the local image, no AppArmor, cgroupfs driver, overlayfs. No CNI: pods must use
# host networking.
#
# usage: start.sh DIR      env: IMAGE_TAR, IMAGE_NAME (default docker.io/resizelet/busybox:1),
#                               START_TIMEOUT_SECONDS (default 30)
set -euo pipefail

dir=${1:?usage: start.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd -P)
here=$(cd "$(dirname "$0")" && pwd -P)
image_name=${IMAGE_NAME:-docker.io/resizelet/busybox:1}
deadline=$(( $(date +%s) + ${START_TIMEOUT_SECONDS:-30} ))
sock=$dir/containerd.sock
pidfile=$dir/containerd.pid
log=$dir/containerd.log

for bin in containerd ctr runc containerd-shim-runc-v2; do
  command -v "$bin" >/dev/null 2>&1 || { echo "containerd/start: $bin not found (run scripts/containerd/install.sh)" >&2; exit 1; }
done
if (( ${#sock} > 100 )); then
  echo "containerd/start: socket path too long for a Unix socket (${#sock} chars): $sock" >&2; exit 1
fi

running() { [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

if running; then
  echo "containerd/start: already running pid=$(cat "$pidfile") socket=$sock"
else
  mkdir -p "$dir/root" "$dir/state" "$dir/runc" "$dir/opt" "$dir/cni/bin" "$dir/cni/conf"
  cat > "$dir/config.toml" <<TOML
version = 2
root = "$dir/root"
state = "$dir/state"
oom_score = 0

[grpc]
  address = "$sock"

[ttrpc]
  address = "$sock.ttrpc"

[debug]
  address = ""
  level = "info"

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/opt"

[plugins."io.containerd.runtime.v1.linux"]
  runtime_root = "$dir/runc-v1"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$image_name"
  restrict_oom_score_adj = true
  disable_apparmor = true
  systemd_cgroup = false
  enable_selinux = false
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"

  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"

    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"

      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$dir/runc"

  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$dir/cni/bin"
    conf_dir = "$dir/cni/conf"
TOML
  # setsid + all three streams redirected: the daemon outlives this script and holds no pipe of
  # the caller's (a Java ProcessBuilder waiting for EOF would otherwise hang).
  setsid containerd --config "$dir/config.toml" </dev/null >>"$log" 2>&1 &
  echo $! > "$pidfile"
  echo "containerd/start: started pid=$(cat "$pidfile") socket=$sock"
fi

until ctr -a "$sock" version >/dev/null 2>&1; do
  if ! running; then
    echo "containerd/start: containerd exited; last log lines:" >&2
    tail -n 30 "$log" >&2
    exit 1
  fi
  if (( $(date +%s) >= deadline )); then
    echo "containerd/start: socket $sock did not answer in time; last log lines:" >&2
    tail -n 30 "$log" >&2
    exit 1
  fi
  sleep 0.05
done

image_tar=${IMAGE_TAR:-$dir/busybox.tar}
if [[ ! -f $image_tar ]]; then
  "$here/build-busybox-image.sh" "$image_tar" "$image_name" >/dev/null
fi
ctr -a "$sock" -n k8s.io images import --all-platforms "$image_tar" >/dev/null
echo "containerd/start: ready socket=$sock image=$image_name"
