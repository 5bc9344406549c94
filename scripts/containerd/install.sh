#!/usr/bin/env bash
# Installs what the containerd integration tests need (containerd, runc, busybox-static) when missing.
# Idempotent: does nothing when every binary is present. Needs root for apt-get; without root (or
# without apt-get) it says what is missing and exits 0, so the tests skip with their own message.
set -euo pipefail

missing=()
command -v containerd >/dev/null 2>&1 && command -v ctr >/dev/null 2>&1 || missing+=(containerd)
command -v runc >/dev/null 2>&1 || missing+=(runc)
[[ -x /bin/busybox ]] || missing+=(busybox-static)

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "containerd/install: containerd, runc and busybox-static are present"
  exit 0
fi
if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
  echo "containerd/install: missing ${missing[*]}, but not root with apt-get: containerd tests will skip" >&2
  exit 0
fi

echo "containerd/install: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
