#!/usr/bin/env bash
# Cross-builds static signet binaries for every release target, the version
# stamped in (signet version prints it):
#
#   scripts/release.sh v1.2.3            # -> dist/signet_v1.2.3_<os>_<arch>[.exe] and SHA256SUMS
#   DIST=/tmp/out scripts/release.sh v1.2.3
#
# CGO_ENABLED=0: SQLite is pure Go (modernc.org/sqlite), so every binary is
# static and runs on any distribution, in a scratch container too.
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:?usage: scripts/release.sh VERSION (e.g. v1.2.3)}
dist=${DIST:-dist}
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain 2>/dev/null)" ]; then
  revision="$revision-dirty"
fi
targets="linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64"
mkdir -p "$dist"
for t in $targets; do
  os=${t%/*} arch=${t#*/}
  ext=""; [ "$os" = windows ] && ext=.exe
  out="$dist/signet_${version}_${os}_${arch}${ext}"
  echo "building $out"
  CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -trimpath -buildvcs=false \
    -ldflags "-s -w -X main.version=$version -X main.revision=$revision" \
    -o "$out" ./cmd/signet
done
# The optional BoringCrypto variant (linux/amd64 only: Go's boringcrypto
# module ships a prebuilt object for it): RSA signatures ~1.5x faster than
# pure Go's (docs/benchmarks.md, "RSA backends"). It needs cgo and gcc;
# -extldflags=-static with the netgo and osusergo tags keeps it static (no
# glibc at run time). SIGNET_NO_BORING=1 skips it where gcc is missing.
if [ "${SIGNET_NO_BORING:-}" != 1 ]; then
  out="$dist/signet_${version}_linux_amd64_boringcrypto"
  echo "building $out"
  CGO_ENABLED=1 GOEXPERIMENT=boringcrypto GOOS=linux GOARCH=amd64 go build -trimpath -buildvcs=false \
    -tags netgo,osusergo \
    -ldflags "-s -w -linkmode=external -extldflags=-static -X main.version=$version -X main.revision=$revision" \
    -o "$out" ./cmd/signet
  # Check the variant is what its name says before it is published.
  "$out" version | grep -q 'X:boringcrypto' || { echo "$out: not a boringcrypto build" >&2; exit 1; }
fi
(cd "$dist" && sha256sum signet_"${version}"_* > SHA256SUMS)
echo "done: $dist/SHA256SUMS"
