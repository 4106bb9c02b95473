#!/usr/bin/env bash
# One benchmark run of docs/benchmarks.md, on this machine, over loopback.
# Servers are started one at a time, loaded by cmd/signet-bench, stopped;
# the whole sequence is repeated ROUNDS times so A/B pairs interleave (the
# VM's speed drifts; perf-baseline.md TL;DR 4).
#
#   bench/run.sh                      # defaults below
#   DURATION=15s CONNS=16 ROUNDS=2 bench/run.sh
#   BASE_REV=main~5 bench/run.sh      # also the same runs on that revision's binary
#   BORING=1 bench/run.sh             # also the BoringCrypto build on SQLite
#
# Needs Go, Node (for the oidc-provider anchor; npm ci runs here) and a
# PostgreSQL at $SIGNET_BENCH_POSTGRES (each Signet-on-Postgres run gets a
# fresh schema via search_path, dropped afterwards). Results go to
# $OUT/results.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

DURATION=${DURATION:-15s}
WARMUP=${WARMUP:-3s}
CONNS=${CONNS:-16}
ROUNDS=${ROUNDS:-2}
OUT=${OUT:-/tmp/signet-bench}
PG=${SIGNET_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
SIGNET_PORT=18080 CEILING_PORT=18081 OP_PORT=18082

. bench/lib.sh

ceiling() {
  log "## ceiling: trivial net/http JSON handler"
  "$OUT/ceiling" -addr "127.0.0.1:$CEILING_PORT" & local pid=$!; PIDS+=("$pid")
  wait_port "$CEILING_PORT"
  bench -url "http://127.0.0.1:$CEILING_PORT" -server-pid "$pid" -scenarios raw -raw-name "ceiling POST" \
    -raw-path /token -raw-body grant_type=client_credentials -raw-header 'Content-Type: application/x-www-form-urlencoded'
  stop "$pid"
}

# signet DB LABEL [extra scenarios]: two projects (ES256, RS256) on DB,
# served by $SIGNET_BIN (default $OUT/signet).
signet() {
  local db=$1 label=$2 scenarios=${3:-client_credentials}
  local bin=${SIGNET_BIN:-$OUT/signet}
  log "## $(basename "$bin") on $label"
  export SIGNET_MASTER_KEY; SIGNET_MASTER_KEY=$("$bin" master-key)
  local p1 p2 s1 s2
  read -r p1 s1 < <("$bin" init --db "$db" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["project_id"], d["secret"])')
  read -r p2 s2 < <("$bin" init --db "$db" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["project_id"], d["secret"])')
  "$bin" project set --db "$db" --project "$p1" --token-alg ES256 >/dev/null
  SIGNET_LOG_LEVEL=warn "$bin" serve --db "$db" --addr "127.0.0.1:$SIGNET_PORT" >>"$OUT/signet.log" 2>&1 &
  local pid=$!; PIDS+=("$pid")
  wait_port "$SIGNET_PORT"
  bench -url "http://127.0.0.1:$SIGNET_PORT" -server-pid "$pid" -project "$p1,$p2" -secret "$s1,$s2" -scenarios "$scenarios"
  stop "$pid"
}

signet_sqlite() {
  local dir; dir=$(mktemp -d "$OUT/sqlite.XXXX")
  signet "sqlite:$dir/signet.db" SQLite "$@"
  rm -rf "$dir"
}

signet_postgres() {
  local schema="signet_bench_$RANDOM$RANDOM"
  psql "$PG" -qc "CREATE SCHEMA $schema"
  signet "$PG&search_path=$schema" PostgreSQL "$@"
  PGOPTIONS="-c client_min_messages=warning" psql "$PG" -qc "DROP SCHEMA $schema CASCADE"
}

oidc_provider() {
  local alg=$1
  log "## oidc-provider 9.13.3, JWT access tokens $alg"
  ALG=$alg PORT=$OP_PORT node bench/oidc-provider/server.mjs >>"$OUT/oidc-provider.log" 2>&1 &
  local pid=$!; PIDS+=("$pid")
  wait_port "$OP_PORT"
  bench -url "http://127.0.0.1:$OP_PORT" -server-pid "$pid" -scenarios raw -raw-name "oidc-provider $alg" \
    -raw-path /token -raw-body grant_type=client_credentials -raw-basic bench:bench-secret-0123456789abcdef \
    -raw-header 'Content-Type: application/x-www-form-urlencoded'
  stop "$pid"
}

log "# signet benchmark run $(date -u +%FT%TZ) on $(nproc) CPUs, $(go version | cut -d' ' -f3), node $(node --version)"
log "# c=$CONNS warmup=$WARMUP duration=$DURATION rounds=$ROUNDS; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
log "## Go signing limit (crypto only, -cpu 1,2)"
go test -run NONE -bench . -benchtime 3s -cpu 1,2 ./bench/signlimit | grep Benchmark | tee -a "$RESULTS"
log "## token handler in process (httptest, no network; ns/op is wall time per request across -cpu goroutines)"
go test -run NONE -bench ClientCredentials -benchtime 3s -cpu 1,2 ./internal/token | grep Benchmark | tee -a "$RESULTS"
for round in $(seq "$ROUNDS"); do
  log "# round $round"
  ceiling
  signet_sqlite
  if [ -n "${BASE_REV:-}" ]; then SIGNET_BIN="$OUT/signet-base" signet_sqlite; fi
  if [ "${BORING:-}" = 1 ]; then SIGNET_BIN="$OUT/signet-boring" signet_sqlite; fi
  oidc_provider ES256
  signet_postgres
  if [ -n "${BASE_REV:-}" ]; then SIGNET_BIN="$OUT/signet-base" signet_postgres; fi
  oidc_provider RS256
done
log "## other scenarios (SQLite)"
signet_sqlite session,jwks,connected_apps
if [ -n "${BASE_REV:-}" ]; then SIGNET_BIN="$OUT/signet-base" signet_sqlite session,jwks,connected_apps; fi
log "## Go signing limit again (drift check)"
go test -run NONE -bench 'Sign/(RS256|ES256)' -benchtime 3s -cpu 2 ./bench/signlimit | grep Benchmark | tee -a "$RESULTS"
log "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
