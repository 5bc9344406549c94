#!/usr/bin/env bash
# Builds the node package: a jlink'd Java runtime, the agent's jars, the bin/resizelet launcher, the systemd unit and
# an example KubeletConfiguration. Needs Java 17 (with jmods, Debian: openjdk-17-jmods) and Maven on the build machine;
# the node needs neither.
#   scripts/package.sh
#     -> target/dist/resizelet-<version>-linux-x86_64.tar.gz   (unpacks to resizelet-<version>/, the /opt/resizelet tree)
#     -> target/dist/resizelet_<version>_amd64.deb             (dpkg -i: /opt/resizelet, /usr/bin/resizelet, the unit)
# SKIP_BUILD=1 reuses agent/target from an earlier 'mvn package' (CI: after the test run).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/target/dist
log=$root/target/package-build.log
mkdir -p "$root/target"

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  echo "package: building the agent (mvn package -pl agent -am; log $log)" >&2
  rm -rf agent/target/lib # copy-dependencies adds, never removes: no jar of an older version may stay
  # output to a log: Maven 3.8's -q still writes terminal escape codes
  if ! mvn -B -ntp -q -DskipTests package -pl agent -am >"$log" 2>&1; then
    cat "$log" >&2
    exit 1
  fi
fi
version=$(sed -n 's/^version=//p' agent/target/classes/resizelet-version.properties)
[[ -n "$version" ]] || { echo "package: no version in agent/target/classes (build the agent first)" >&2; exit 1; }
jar=agent/target/agent-$version.jar
[[ -f "$jar" && -d agent/target/lib ]] || { echo "package: $jar or agent/target/lib missing (build the agent first)" >&2; exit 1; }

java_home=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}
if [[ ! -d "$java_home/jmods" ]]; then
  echo "package: $java_home has no jmods (Debian: apt-get install openjdk-17-jmods)" >&2
  exit 1
fi

stage=$root/target/package
name=resizelet-$version
tree=$stage/$name
rm -rf "$stage" && mkdir -p "$tree"/{bin,lib,share/doc/resizelet,systemd,etc} "$out"

# The Java runtime: the modules the agent and its libraries use. To recompute after adding a library:
#   jdeps --ignore-missing-deps --multi-release 17 --print-module-deps -q --class-path 'agent/target/lib/*' agent/target/agent-*.jar agent/target/lib/*.jar
# plus java.logging/java.xml (reflective use by gRPC and Logback) and jdk.crypto.ec (TLS key exchange).
modules=java.base,java.desktop,java.logging,java.management,java.naming,java.sql,java.xml,jdk.crypto.ec,jdk.httpserver,jdk.jfr,jdk.management,jdk.unsupported
echo "package: jlink runtime ($modules)" >&2
"$java_home/bin/jlink" --module-path "$java_home/jmods" --add-modules "$modules" --output "$tree/runtime" \
  --strip-debug --no-man-pages --no-header-files --compress=2

cp "$jar" "$tree/lib/"
cp agent/target/lib/*.jar "$tree/lib/"
install -m 0755 packaging/resizelet.sh "$tree/bin/resizelet"
cp packaging/systemd/resizelet.service "$tree/systemd/"
cp packaging/config.yaml "$tree/etc/config.yaml"
cp packaging/default "$tree/etc/default"
cp README.md "$tree/share/doc/resizelet/"
cp -r docs "$tree/share/doc/resizelet/"
echo "$version" > "$tree/VERSION"

tarball=$out/$name-linux-x86_64.tar.gz
tar -C "$stage" --owner=0 --group=0 --numeric-owner -czf "$tarball" "$name"

# The .deb: the same tree under /opt/resizelet
deb_root=$stage/deb
deb_version=${version//-/\~}
mkdir -p "$deb_root/DEBIAN" "$deb_root/opt" "$deb_root/usr/bin" "$deb_root/lib/systemd/system" "$deb_root/etc/resizelet" \
  "$deb_root/etc/default"
cp -a "$tree" "$deb_root/opt/resizelet"
ln -s ../../opt/resizelet/bin/resizelet "$deb_root/usr/bin/resizelet"  # relative: right in dpkg and in an unpacked tree
mv "$deb_root/opt/resizelet/systemd/resizelet.service" "$deb_root/lib/systemd/system/resizelet.service"
rmdir "$deb_root/opt/resizelet/systemd"
mv "$deb_root/opt/resizelet/etc/config.yaml" "$deb_root/etc/resizelet/config.yaml"
mv "$deb_root/opt/resizelet/etc/default" "$deb_root/etc/default/resizelet"
rmdir "$deb_root/opt/resizelet/etc"
size=$(du -sk "$deb_root" | cut -f1)
sed -e "s/@VERSION@/$deb_version/" -e "s/@SIZE@/$size/" packaging/deb/control.in > "$deb_root/DEBIAN/control"
install -m 0644 packaging/deb/conffiles "$deb_root/DEBIAN/conffiles"
install -m 0755 packaging/deb/postinst packaging/deb/prerm packaging/deb/postrm "$deb_root/DEBIAN/"
deb=$out/resizelet_${deb_version}_amd64.deb
dpkg-deb --root-owner-group -Zgzip --build "$deb_root" "$deb" >/dev/null

echo "$tarball"
echo "$deb"
