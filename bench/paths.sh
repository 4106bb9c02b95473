#!/usr/bin/env bash
# The paths of docs/benchmarks.md "The paths people hit most": session
# authenticate, the Connected Apps flow and M2M tokens, on SQLite and
# PostgreSQL, beside the same run's anchors (the trivial net/http ceiling,
# oidc-provider ES256 and RS256), ROUNDS times interleaved. BORING=1 adds
# the BoringCrypto build on SQLite.
#
#   bench/paths.sh                         # ROUNDS=2 DURATION=10s CONNS=16
#   BORING=1 DURATION=8s bench/paths.sh
#   BASE_REV=main OP=0 SCENARIOS=session DURATION=6s ROUNDS=1 bench/paths.sh
#
# BASE_REV=<rev> also measures that revision's signet after each backend's
# line (signet-base); OP=0 leaves out the oidc-provider anchors.
#
# Results go to $OUT/results.txt (default /tmp/signet-paths).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
CONNS=${CONNS:-16}
ROUNDS=${ROUNDS:-2}
OUT=${OUT:-/tmp/signet-paths}
PG=${SIGNET_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
SIGNET_PORT=18080 CEILING_PORT=18081 OP_PORT=18082
SCENARIOS=${SCENARIOS:-session,connected_apps,client_credentials}

. bench/lib.sh

ceiling() {
  log "## ceiling: trivial net/http JSON handler"
  "$OUT/ceiling" -addr "127.0.0.1:$CEILING_PORT" & local pid=$!; PIDS+=("$pid")
  wait_port "$CEILING_PORT"
  bench -url "http://127.0.0.1:$CEILING_PORT" -server-pid "$pid" -scenarios raw -raw-name "ceiling POST" \
    -raw-path /token -raw-body grant_type=client_credentials -raw-header 'Content-Type: application/x-www-form-urlencoded'
  stop "$pid"
}

# signet DB LABEL: two projects on DB, the first ES256 (the session and
# flow scenarios run there), the second RS256 (client_credentials runs in
# both).
signet() {
  local db=$1 label=$2 bin=${SIGNET_BIN:-$OUT/signet}
  log "## $(basename "$bin") on $label"
  export SIGNET_MASTER_KEY; SIGNET_MASTER_KEY=$("$bin" master-key)
  local p1 s1 p2 s2
  read -r p1 s1 < <("$bin" init --db "$db" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["project_id"], d["secret"])')
  read -r p2 s2 < <("$bin" init --db "$db" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["project_id"], d["secret"])')
  "$bin" project set --db "$db" --project "$p1" --token-alg ES256 >/dev/null
  SIGNET_LOG_LEVEL=warn "$bin" serve --db "$db" --addr "127.0.0.1:$SIGNET_PORT" >>"$OUT/signet.log" 2>&1 &
  local pid=$!; PIDS+=("$pid")
  wait_port "$SIGNET_PORT"
  bench -url "http://127.0.0.1:$SIGNET_PORT" -server-pid "$pid" -project "$p1,$p2" -secret "$s1,$s2" -scenarios "$SCENARIOS"
  stop "$pid"
}

signet_sqlite() {
  local dir; dir=$(mktemp -d "$OUT/sqlite.XXXX")
  signet "sqlite:$dir/signet.db" SQLite
  rm -rf "$dir"
}

signet_postgres() {
  local schema="signet_bench_$RANDOM$RANDOM"
  psql "$PG" -qc "CREATE SCHEMA $schema"
  signet "$PG&search_path=$schema" PostgreSQL
  PGOPTIONS="-c client_min_messages=warning" psql "$PG" -qc "DROP SCHEMA $schema CASCADE"
}

oidc_provider() {
  local alg=$1
  log "## oidc-provider 9.13.3, client_credentials, JWT access tokens $alg"
  ALG=$alg PORT=$OP_PORT node bench/oidc-provider/server.mjs >>"$OUT/oidc-provider.log" 2>&1 &
  local pid=$!; PIDS+=("$pid")
  wait_port "$OP_PORT"
  bench -url "http://127.0.0.1:$OP_PORT" -server-pid "$pid" -scenarios raw -raw-name "oidc-provider $alg" \
    -raw-path /token -raw-body grant_type=client_credentials -raw-basic bench:bench-secret-0123456789abcdef \
    -raw-header 'Content-Type: application/x-www-form-urlencoded'
  stop "$pid"
}

log "# signet paths run $(date -u +%FT%TZ) on $(nproc) CPUs, $(go version | cut -d' ' -f3), node $(node --version)"
log "# c=$CONNS warmup=$WARMUP duration=$DURATION rounds=$ROUNDS; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$ROUNDS"); do
  log "# round $round"
  ceiling
  signet_sqlite
  if [ -n "${BASE_REV:-}" ]; then SIGNET_BIN="$OUT/signet-base" signet_sqlite; fi
  if [ "${BORING:-}" = 1 ]; then SIGNET_BIN="$OUT/signet-boring" signet_sqlite; fi
  if [ "${OP:-1}" = 1 ]; then oidc_provider ES256; fi
  signet_postgres
  if [ -n "${BASE_REV:-}" ]; then SIGNET_BIN="$OUT/signet-base" signet_postgres; fi
  if [ "${OP:-1}" = 1 ]; then oidc_provider RS256; fi
done
log "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
