#!/usr/bin/env bash
# The Dockerfile's runtime stage without a Docker engine: debootstrap a minimal Debian
# bookworm (what debian:bookworm-slim is made from), install the staged binary in it with
# the same scripts the Dockerfile runs (scripts/runtime-libs.sh stage, then
# scripts/install-runtime.sh), and run a job inside it, in its own mount and PID
# namespaces with /proc mounted, as a container would. The result must equal the host's.
# Needs root (debootstrap, unshare); prints SKIPPED with the reason otherwise.
#
#   cluster/test-runtime-image.sh BINARY
set -euo pipefail
cd "$(dirname "$0")/.."
binary=$(readlink -f "${1:?usage: $0 BINARY}")

# Every library ldd reports is covered by a package or a staged Swift library (any user).
scripts/runtime-libs.sh check "$binary"

if [ "$(id -u)" -ne 0 ]; then
  echo "test-runtime-image: SKIPPED: needs root for debootstrap and unshare"
  exit 0
fi
if ! command -v debootstrap >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq debootstrap >/dev/null 2>&1 \
    || { apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq debootstrap >/dev/null; }
fi

work=$(mktemp -d /tmp/tailgrid-runtime-image.XXXXXX)
trap 'rm -rf "$work"' EXIT
root="$work/root"

scripts/runtime-libs.sh stage "$binary" "$work/staged"
echo "test-runtime-image: packages: $(tr '\n' ' ' < "$work/staged/runtime-packages.txt")"

mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
if ! debootstrap --variant=minbase bookworm "$root" "$mirror" > "$work/debootstrap.log" 2>&1; then
  tail -20 "$work/debootstrap.log" >&2
  echo "test-runtime-image: FAILED: debootstrap of bookworm from $mirror" >&2
  exit 1
fi
# What the image would hold, and nothing of the build machine: no Swift toolchain, no -dev packages.
if [ -e "$root/opt/swift" ] || [ -e "$root/usr/bin/swift" ]; then
  echo "test-runtime-image: FAILED: the bare root already has a Swift toolchain" >&2
  exit 1
fi
cp -r "$work/staged" "$root/tmp/tailgrid-runtime"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
in_image() { unshare --mount --pid --fork --root="$root" --mount-proc "$@"; }
in_image /bin/sh /tmp/tailgrid-runtime/install-runtime.sh
rm -rf "$root/tmp/tailgrid-runtime"

# A job inside, as the non-root user of the Kubernetes manifests, against the host's run.
cp jobs/quickstart.yaml "$root/tmp/job.yaml"
mkdir -p "$root/tmp/out" && chown 10001:10001 "$root/tmp/out"
in_image /usr/bin/setpriv --reuid=10001 --regid=10001 --clear-groups /usr/local/bin/tailgrid run /tmp/job.yaml --out /tmp/out/result --quiet
"$binary" run jobs/quickstart.yaml --out "$work/host" --quiet
strip_timing() { grep -v '"elapsed_seconds"' "$1"; }
if ! diff <(strip_timing "$root/tmp/out/result/result.json") <(strip_timing "$work/host/result.json") >/dev/null; then
  diff <(strip_timing "$root/tmp/out/result/result.json") <(strip_timing "$work/host/result.json") | head -20 >&2
  echo "test-runtime-image: FAILED: the image's result differs from the host's" >&2
  exit 1
fi
echo "test-runtime-image: PASSED: bookworm minbase + $(wc -l < "$work/staged/runtime-packages.txt") packages ran the quickstart job as uid 10001; result.json equals the host's"
