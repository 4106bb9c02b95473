# Shared by the benchmark scripts (bench/run.sh, bench/verify.sh); sourced
# after OUT, CONNS, DURATION and WARMUP are set. It makes $OUT, starts an
# empty $RESULTS, builds the binaries, installs the oidc-provider anchor,
# and defines the helpers below. Servers started in the background go in
# PIDS so they are stopped on exit.

mkdir -p "$OUT"
RESULTS="$OUT/results.txt"
: >"$RESULTS"
log() { printf '%s\n' "$*" | tee -a "$RESULTS"; }

go build -o "$OUT/signet" ./cmd/signet
# BASE_REV=<git rev>: also build that revision's signet as $OUT/signet-base,
# so a change can be measured against its base in the same run.
if [ -n "${BASE_REV:-}" ]; then
  base_tree=$(mktemp -d)
  git worktree add -q --detach "$base_tree" "$BASE_REV"
  (cd "$base_tree" && go build -o "$OUT/signet-base" ./cmd/signet)
  git worktree remove --force "$base_tree"
fi
# BORING=1: also build the BoringCrypto variant (scripts/release.sh) as
# $OUT/signet-boring, measured beside the pure-Go binary.
if [ "${BORING:-}" = 1 ]; then
  CGO_ENABLED=1 GOEXPERIMENT=boringcrypto go build -tags netgo,osusergo -o "$OUT/signet-boring" ./cmd/signet
fi
go build -o "$OUT/signet-bench" ./cmd/signet-bench
go build -o "$OUT/ceiling" ./bench/ceiling
(cd bench/oidc-provider && npm ci --no-audit --no-fund --silent)

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# wait_port waits until something listens on 127.0.0.1:$1 (at most 20 s).
wait_port() {
  for _ in $(seq 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on port $1" >&2
  return 1
}

stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# bench ARGS...: one cmd/signet-bench load, its lines appended to RESULTS.
bench() { "$OUT/signet-bench" -c "$CONNS" -duration "$DURATION" -warmup "$WARMUP" "$@" | tee -a "$RESULTS"; }
