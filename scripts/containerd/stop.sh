#!/usr/bin/env bash
# Stops the private containerd started by start.sh DIR and everything it left: its tasks
# (containers and sandboxes), their shims and runc state, and the mounts under DIR. Nothing of it
# is left running afterwards. Cgroups that the caller created (pod cgroups) are the caller's to
# remove; runc removes the container cgroups when it deletes a container.
#
# usage: stop.sh DIR                  stop everything
#        stop.sh DIR --daemon-only    stop only the containerd daemon (containers, shims keep
#                                     running): with start.sh DIR afterwards, a containerd restart
set -uo pipefail

dir=${1:?usage: stop.sh DIR [--daemon-only]}
mode=${2:-all}
[[ -d $dir ]] || { echo "containerd/stop: no directory $dir"; exit 0; }
dir=$(cd "$dir" && pwd -P)
sock=$dir/containerd.sock
pidfile=$dir/containerd.pid
pid=$(cat "$pidfile" 2>/dev/null || true)

alive() { [[ -n $1 ]] && kill -0 "$1" 2>/dev/null; }

# wait_gone PID SECONDS: true once PID has exited
wait_gone() {
  local i
  for (( i = 0; i < $2 * 20; i++ )); do
    alive "$1" || return 0
    sleep 0.05
  done
  ! alive "$1"
}

stop_daemon() {
  if alive "$pid"; then
    kill -TERM "$pid"
    wait_gone "$pid" 10 || { kill -KILL "$pid"; wait_gone "$pid" 5; }
    echo "containerd/stop: containerd pid=$pid stopped"
  fi
  rm -f "$pidfile"
}

if [[ $mode == --daemon-only ]]; then
  stop_daemon
  exit 0
fi

# 1. While the daemon answers: kill and delete every task and container it knows.
if alive "$pid" && ctr -a "$sock" version >/dev/null 2>&1; then
  for ns in $(ctr -a "$sock" namespaces ls -q 2>/dev/null); do
    c="ctr -a $sock -n $ns"
    for id in $($c tasks ls -q 2>/dev/null); do
      $c tasks kill -a -s SIGKILL "$id" >/dev/null 2>&1
    done
    for id in $($c tasks ls -q 2>/dev/null); do
      $c tasks delete -f "$id" >/dev/null 2>&1
    done
    for id in $($c containers ls -q 2>/dev/null); do
      $c containers rm "$id" >/dev/null 2>&1
    done
  done
fi

# 2. The daemon.
stop_daemon

# 3. Whatever survived: containers whose bundle lies under DIR, in the private runc root (CRI) or
#    the default one (ctr), then the shims serving this socket.
if command -v runc >/dev/null 2>&1; then
  for root in "$dir"/runc/*/ /run/containerd/runc/*/; do
    [[ -d $root ]] || continue
    for id in $(runc --root "$root" list 2>/dev/null | awk -v d="$dir/" 'NR > 1 && index($4, d) == 1 { print $1 }'); do
      runc --root "$root" kill -a "$id" KILL >/dev/null 2>&1
      runc --root "$root" delete -f "$id" >/dev/null 2>&1
      echo "containerd/stop: removed leftover container $id"
    done
  done
fi
# A shim is containerd-shim-runc-v2 -namespace NS -id ID -address SOCK; its socket is
# /run/containerd/s/<sha256 of SOCK/NS/ID>, which a killed shim leaves behind.
for proc in /proc/[0-9]*; do
  mapfile -d '' -t argv < "$proc/cmdline" 2>/dev/null || continue
  [[ ${#argv[@]} -gt 0 && $(basename -- "${argv[0]}") == containerd-shim* ]] || continue
  ns='' id='' address=''
  for (( i = 1; i + 1 < ${#argv[@]}; i++ )); do
    case ${argv[i]} in
      -namespace) ns=${argv[i+1]} ;;
      -id) id=${argv[i+1]} ;;
      -address) address=${argv[i+1]} ;;
    esac
  done
  [[ $address == "$sock" ]] || continue
  shim=${proc#/proc/}
  kill -KILL "$shim" 2>/dev/null && echo "containerd/stop: killed leftover shim pid=$shim id=$id"
  wait_gone "$shim" 5
  if [[ -n $ns && -n $id ]]; then
    rm -f "/run/containerd/s/$(printf '%s' "$sock/$ns/$id" | sha256sum | cut -d' ' -f1)"
  fi
done

# 4. Mounts under DIR (rootfs overlays, sandbox shm), deepest first.
awk -v d="$dir/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r | while read -r m; do
  umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
done
rm -f "$sock" "$sock.ttrpc"
echo "containerd/stop: stopped $dir"
