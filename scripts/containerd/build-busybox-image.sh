#!/usr/bin/env bash
# Builds a tiny OCI image (an image layout tar, no registry) from the host's busybox-static:
#   one gzip layer with /bin/busybox, a symlink per applet and /bin/memhog, a config with
#   Cmd ["/bin/sleep","3600"], a manifest, index.json naming the image, oci-layout.
# Deterministic: the same busybox gives the same digests (fixed mtimes, owners, order; gzip -n).
# Import with: ctr -a SOCK -n k8s.io images import --all-platforms OUT.tar
#
# usage: build-busybox-image.sh OUT.tar [IMAGE_NAME]   (default docker.io/resizelet/busybox:1)
set -euo pipefail

out=${1:?usage: build-busybox-image.sh OUT.tar [IMAGE_NAME]}
name=${2:-docker.io/resizelet/busybox:1}
busybox=${BUSYBOX:-/bin/busybox}
[[ -x $busybox ]] || { echo "build-busybox-image: $busybox not found (apt-get install busybox-static)" >&2; exit 1; }
umask 022

case $(uname -m) in
  x86_64) arch=amd64 ;;
  aarch64) arch=arm64 ;;
  *) arch=$(uname -m) ;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
layout=$work/layout
mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/dev" "$root/proc" "$root/sys" "$root/run" \
  "$layout/blobs/sha256"
chmod 1777 "$root/tmp"
cp "$busybox" "$root/bin/busybox"
chmod 0755 "$root/bin/busybox"
for applet in $("$busybox" --list); do
  [[ $applet == busybox ]] || ln -s busybox "$root/bin/$applet"
done
# memhog N: a real process that holds N MiB charged to its own memory cgroup, then sleeps.
# The pages live in a tmpfs file (/dev/shm, or the directory MEMHOG_DIR): tmpfs pages are charged
# to the cgroup of the process that first touches them and, without swap, cannot be reclaimed, so
# memory.usage_in_bytes stays >= N MiB for as long as the file exists. The container's /dev/shm is
# a 64 MiB tmpfs; for more, mount a bigger tmpfs (privileged) and set MEMHOG_DIR.
cat > "$root/bin/memhog" <<'HOG'
#!/bin/sh
set -e
mib=${1:?usage: memhog MIB}
dir=${MEMHOG_DIR:-/dev/shm}
dd if=/dev/zero of="$dir/memhog" bs=1048576 count="$mib" 2>/dev/null
echo "memhog: holding $mib MiB in $dir/memhog"
exec /bin/sleep 3600
HOG
chmod 0755 "$root/bin/memhog"
printf 'root:x:0:0:root:/:/bin/sh\n' > "$root/etc/passwd"
printf 'root:x:0:\n' > "$root/etc/group"

tar_det() { tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=posix \
  --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime "$@"; }

# blob FILE MEDIATYPE -> prints the descriptor fields "digest size" after moving FILE into blobs
blob() {
  local sum size
  sum=$(sha256sum "$1" | cut -d' ' -f1)
  size=$(stat -c %s "$1")
  mv "$1" "$layout/blobs/sha256/$sum"
  echo "sha256:$sum $size"
}

tar_det -C "$root" -cf "$work/layer.tar" .
diff_id=sha256:$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
gzip -n -9 -c "$work/layer.tar" > "$work/layer.tar.gz"
read -r layer_digest layer_size < <(blob "$work/layer.tar.gz")

printf '{"architecture":"%s","os":"linux","config":{"Env":["PATH=/bin"],"Cmd":["/bin/sleep","3600"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["%s"]}}' \
  "$arch" "$diff_id" > "$work/config.json"
read -r config_digest config_size < <(blob "$work/config.json")

printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%s}]}' \
  "$config_digest" "$config_size" "$layer_digest" "$layer_size" > "$work/manifest.json"
read -r manifest_digest manifest_size < <(blob "$work/manifest.json")

printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"platform":{"architecture":"%s","os":"linux"},"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
  "$manifest_digest" "$manifest_size" "$arch" "$name" "${name##*:}" > "$layout/index.json"
printf '{"imageLayoutVersion":"1.0.0"}' > "$layout/oci-layout"

mkdir -p "$(dirname "$out")"
tar_det -C "$layout" -cf "$out.tmp" oci-layout index.json blobs
mv "$out.tmp" "$out"
echo "build-busybox-image: $out name=$name manifest=$manifest_digest"
