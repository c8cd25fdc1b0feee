#!/usr/bin/env bash
# Regenerates the committed Swift code of Protos/ into Sources/TailGridProtocol/Generated,
# with protoc (apt protobuf-compiler) and the protoc-gen-swift / protoc-gen-grpc-swift-2
# plugins built from this package's dependencies.
#
#   scripts/generate-protos.sh           regenerate in place
#   scripts/generate-protos.sh --check   fail (exit 1) if the committed code is stale
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v protoc >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq protobuf-compiler >/dev/null
fi

swift build -c release --product protoc-gen-swift >&2
swift build -c release --product protoc-gen-grpc-swift-2 >&2
bin=$(swift build -c release --show-bin-path)

committed=Sources/TailGridProtocol/Generated
out=$committed
if [ "${1:-}" = "--check" ]; then
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi
mkdir -p "$out"

protos=(tailgrid/v1/tailgrid.proto grpc/health/v1/health.proto)
protoc --proto_path=Protos \
  --plugin=protoc-gen-swift="$bin/protoc-gen-swift" \
  --swift_opt=Visibility=Public,FileNaming=DropPath \
  --swift_out="$out" \
  --plugin=protoc-gen-grpc-swift-2="$bin/protoc-gen-grpc-swift-2" \
  --grpc-swift-2_opt=Visibility=Public,Server=true,Client=true,FileNaming=DropPath \
  --grpc-swift-2_out="$out" \
  "${protos[@]}"

if [ "${1:-}" = "--check" ]; then
  if ! diff -r "$committed" "$out" >/dev/null; then
    echo "generate-protos: $committed is stale; run scripts/generate-protos.sh and commit the result" >&2
    diff -r "$committed" "$out" | head -40 >&2
    exit 1
  fi
  echo "generate-protos: generated code is up to date" >&2
fi
