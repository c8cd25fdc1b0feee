#!/bin/sh
# Installs a staged tailgrid (scripts/runtime-libs.sh stage BINARY DIR) on a bare Debian
# system: the packages its libraries come from, the Swift runtime libraries at the path
# the binary looks in, and the binary as /usr/local/bin/tailgrid. Run as root from the
# staged folder's copy: the Dockerfile's runtime stage, and cluster/test-runtime-image.sh
# in a debootstrapped folder, run exactly this.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2046
apt-get install -y -qq --no-install-recommends $(cat "$here/runtime-packages.txt") >/dev/null
rm -rf /var/lib/apt/lists/*
swift_dir=$(cat "$here/swift-lib-dir.txt")
if [ -n "$swift_dir" ]; then
  mkdir -p "$swift_dir"
  cp "$here"/swift-libs/*.so "$swift_dir/"
  echo "$swift_dir" > /etc/ld.so.conf.d/tailgrid-swift.conf
  ldconfig
fi
install -m 0755 "$here/tailgrid" /usr/local/bin/tailgrid
/usr/local/bin/tailgrid --version >/dev/null
