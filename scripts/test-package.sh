#!/usr/bin/env bash
# Tests the package scripts/package.sh built, as a node gets it: installs the .deb, or unpacks it into a temp root
# (the files dpkg would place, without running its maintainer scripts), then from the installed files only, with no
# JDK and no Maven on the PATH:
#   1. resizelet --version
#   2. resizelet serve (simulated) answers /readyz, serves /metrics, runs the parallel collector, and exits cleanly on
#      SIGTERM
#   3. the systemd unit passes systemd-analyze verify (when systemd-analyze is there)
#   scripts/test-package.sh            unpack into a temp root (no root needed, changes nothing on the machine)
#   scripts/test-package.sh --dpkg     dpkg -i for real, then dpkg --purge (root; CI)
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-unpack}
deb=$(ls target/dist/resizelet_*_amd64.deb 2>/dev/null | head -1)
[[ -n "$deb" ]] || { echo "test-package: no target/dist/*.deb: run scripts/package.sh first" >&2; exit 1; }
work=$(mktemp -d /tmp/resizelet-pkg-test.XXXXXX)
pid=
cleanup() {
  [[ -n "$pid" ]] && kill "$pid" 2>/dev/null || true
  if [[ "$mode" == --dpkg ]]; then dpkg --purge resizelet >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
passed=0
failed=0
ok() { echo "  ok: $*"; passed=$((passed + 1)); }
fail() { echo "  FAILED: $*" >&2; failed=$((failed + 1)); }

if [[ "$mode" == --dpkg ]]; then
  dpkg -i "$deb" >/dev/null
  root=
else
  dpkg-deb -x "$deb" "$work/root"
  root=$work/root
fi
bin=$root/opt/resizelet/bin/resizelet
unit=$root/lib/systemd/system/resizelet.service
echo "test-package: $deb installed under ${root:-/}"

# A PATH with no java, javac or mvn: only what the launcher itself calls (readlink) and the test's own tools.
mkdir -p "$work/bin"
for tool in readlink sh; do ln -s "$(command -v "$tool")" "$work/bin/$tool"; done
run() { env -i HOME="$work" PATH="$work/bin" "$@"; }
if run sh -c 'command -v java || command -v javac || command -v mvn' >/dev/null; then
  fail "the test PATH has a JDK or Maven"
fi

# 1. --version, through the /usr/bin symlink as a user types it
version=$(run "$root/usr/bin/resizelet" --version)
if [[ "$version" == resizelet\ * && "$version" == *"Java 17"* ]]; then ok "resizelet --version: $version"; else fail "--version printed: $version"; fi

# 2. a short simulated serve from the installed files
# env, the launcher and java exec each other: $! is the JVM, which gets the SIGTERM below
env -i HOME="$work" PATH="$work/bin" "$bin" serve --listen 127.0.0.1:0 >"$work/out" 2>"$work/err" &
pid=$!
url=
for _ in $(seq 1 120); do
  url=$(sed -n 's/^resizelet ready: \(http:[^ ]*\).*/\1/p' "$work/out")
  [[ -n "$url" ]] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.5
done
if [[ -n "$url" && "$(curl -fsS "$url/readyz")" == ok ]]; then ok "serve: $url/readyz is ok"; else fail "serve did not get ready: $(cat "$work/out" "$work/err")"; fi
metrics=$(curl -fsS -H 'Accept: application/openmetrics-text; version=1.0.0' "$url/metrics" || true)
if grep -q '^kubelet_runtime_operations_total{operation_type="version"}' <<<"$metrics" && grep -q '^resizelet_build_info' <<<"$metrics" \
    && grep -q '^jvm_memory_used_bytes' <<<"$metrics" && grep -q '^# EOF' <<<"$metrics"; then
  ok "serve: /metrics has runtime operations, build info and JVM metrics (OpenMetrics)"
else
  fail "serve: /metrics lacks runtime, build or JVM metrics"
fi
# the launcher's collector: the parallel one unless RESIZELET_JAVA_OPTS names another (docs/operations.md, "JVM")
if grep -q 'jvm_gc_collection_seconds_count{gc="PS Scavenge"}' <<<"$metrics"; then
  ok "serve: the launcher runs the parallel collector"
else
  fail "serve: not the parallel collector: $(grep -m2 '^jvm_gc_collection_seconds_count' <<<"$metrics")"
fi
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=
# 143 = 128 + SIGTERM: the JVM's exit status after its shutdown hooks ran (the unit lists it in SuccessExitStatus)
if [[ "$status" == 143 || "$status" == 0 ]] && grep -q 'Daemon stopped' "$work/err"; then
  ok "serve: SIGTERM stops it cleanly (exit $status, 'stopped' logged)"
else
  fail "serve: exit $status on SIGTERM; log: $(tail -5 "$work/err")"
fi
if grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z (INFO|WARN) ' "$work/err" && ! grep -q $'\e\[' "$work/out" "$work/err"; then
  ok "logs: timestamped lines on stderr, no terminal escape codes"
else
  fail "logs are not timestamped lines: $(head -3 "$work/err")"
fi

# 3. the unit
if grep -q '^After=.*containerd.service' "$unit" && grep -q '^Restart=always' "$unit" && grep -q '^StateDirectory=resizelet' "$unit" \
    && grep -q '^SuccessExitStatus=143' "$unit"; then
  ok "unit: After=containerd.service, Restart=always, StateDirectory=resizelet, SIGTERM exit is success"
else
  fail "unit lacks After/Restart/StateDirectory/SuccessExitStatus"
fi
if command -v systemd-analyze >/dev/null; then
  check=$unit
  if [[ -n "$root" ]]; then
    # unpacked: the same unit with its paths into the unpacked tree, so that verify finds the executable
    check=$work/resizelet.service
    sed "s#/opt/resizelet/#$root/opt/resizelet/#g" "$unit" >"$check"
  fi
  if verify=$(systemd-analyze verify "$check" 2>&1) && [[ -z "$verify" ]]; then
    ok "unit: systemd-analyze verify accepts it"
  else
    fail "systemd-analyze verify: $verify"
  fi
else
  echo "  (systemd-analyze not installed: unit checked by the lines above only)"
fi

echo "$passed passed, $failed failed"
[[ "$failed" == 0 ]]
