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
(cd "$dist" && sha256sum signet_"${version}"_* > SHA256SUMS)
echo "done: $dist/SHA256SUMS"
