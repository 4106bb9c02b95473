#!/usr/bin/env bash
# Builds Signet's container image with buildah and, where containers can
# run, starts it against PostgreSQL and waits for its HEALTHCHECK command
# (signet healthcheck) to pass. Used by .ci/run; exits 0 with a message
# when this machine cannot do it.
#
# The image is the Dockerfile's final stage built from scratch around a
# static binary built here: the Dockerfile's base images (golang,
# distroless) come from a container registry, which CI machines cannot
# reach. Same binary flags, non-root user, entrypoint and health check.
#
#   SIGNET_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/test?sslmode=disable scripts/image-smoke.sh
set -euo pipefail
cd "$(dirname "$0")/.."
skip() { echo "image: skipped: $*"; exit 0; }
command -v buildah >/dev/null || skip "buildah is not installed (apt-get install buildah podman)"
command -v podman >/dev/null || skip "podman is not installed (apt-get install buildah podman)"

work=$(mktemp -d)
image=localhost/signet-smoke:ci
cleanup() {
  podman rm -f signet-smoke >/dev/null 2>&1 || true
  podman rmi -f "$image" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

CGO_ENABLED=0 go build -trimpath -buildvcs=false \
  -ldflags "-s -w -X main.version=ci -X main.revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)" \
  -o "$work/signet" ./cmd/signet
ctr=$(buildah from scratch) || skip "buildah cannot make a container here"
buildah copy --chown 65532:65532 "$ctr" "$work/signet" /usr/local/bin/signet >/dev/null
buildah config --user 65532:65532 --workingdir /data --port 8080 \
  --env SIGNET_ADDR=0.0.0.0:8080 --env SIGNET_DB=sqlite:/data/signet.db \
  --healthcheck 'CMD ["/usr/local/bin/signet", "healthcheck"]' --healthcheck-interval 10s \
  --entrypoint '["/usr/local/bin/signet"]' --cmd serve "$ctr"
buildah commit --format docker "$ctr" "$image" >/dev/null
buildah rm "$ctr" >/dev/null
echo "image: built $image"

if ! out=$(podman run --rm "$image" version 2>&1); then
  skip "the image builds but containers cannot run on this machine: ${out##*$'\n'}"
fi
echo "$out"
[ -n "${SIGNET_TEST_POSTGRES:-}" ] || skip "SIGNET_TEST_POSTGRES is not set: not started against PostgreSQL"

key=$(podman run --rm "$image" master-key)
podman run -d --name signet-smoke --network host \
  -e SIGNET_MASTER_KEY="$key" -e SIGNET_DB="$SIGNET_TEST_POSTGRES" -e SIGNET_ADDR=127.0.0.1:18088 \
  "$image" serve >/dev/null
for _ in $(seq 30); do
  if podman exec signet-smoke /usr/local/bin/signet healthcheck --addr 127.0.0.1:18088; then
    podman exec -e SIGNET_MASTER_KEY="$key" -e SIGNET_DB="$SIGNET_TEST_POSTGRES" signet-smoke /usr/local/bin/signet projects list
    echo "image: ready on PostgreSQL"
    exit 0
  fi
  sleep 1
done
podman logs signet-smoke
echo "image: the container did not become ready" >&2
exit 1
