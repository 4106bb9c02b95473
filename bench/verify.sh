#!/usr/bin/env bash
# The bank-verification benchmark of docs/benchmarks.md (issue 8): the
# account selector page under load, next to the anchors measured in the
# same run (the trivial net/http ceiling, and oidc-provider serving its
# discovery document, its cheapest GET), then the in-process Go benchmarks
# of the selector and of a whole verification callback.
#
#   bench/verify.sh                   # ROUNDS=2 DURATION=10s CONNS=16
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-3s}
CONNS=${CONNS:-16}
ROUNDS=${ROUNDS:-2}
OUT=${OUT:-/tmp/signet-bench-verify}
SIGNET_PORT=18090 CEILING_PORT=18091 OP_PORT=18092

. bench/lib.sh

ceiling() {
  log "## ceiling: trivial net/http JSON handler, GET"
  "$OUT/ceiling" -addr "127.0.0.1:$CEILING_PORT" & local pid=$!; PIDS+=("$pid")
  wait_port "$CEILING_PORT"
  bench -url "http://127.0.0.1:$CEILING_PORT" -server-pid "$pid" -scenarios raw -raw-name "ceiling GET" -raw-method GET -raw-path /
  stop "$pid"
}

oidc_provider() {
  log "## oidc-provider 9.13.3, GET discovery"
  ALG=RS256 PORT=$OP_PORT node bench/oidc-provider/server.mjs >>"$OUT/oidc-provider.log" 2>&1 &
  local pid=$!; PIDS+=("$pid")
  wait_port "$OP_PORT"
  bench -url "http://127.0.0.1:$OP_PORT" -server-pid "$pid" -scenarios raw -raw-name "oidc-provider discovery" \
    -raw-method GET -raw-path /.well-known/openid-configuration
  stop "$pid"
}

# signet: a project with four banks and a Connected App; the selector page
# for a visitor who chose one before (the remembered-bank lookup runs).
signet_selector() {
  log "## signet on SQLite: GET /select-bank (4 banks, remembered visitor) and GET discovery"
  local dir; dir=$(mktemp -d "$OUT/sqlite.XXXX")
  local db="sqlite:$dir/signet.db"
  export SIGNET_MASTER_KEY; SIGNET_MASTER_KEY=$("$OUT/signet" master-key)
  local p s
  read -r p s < <("$OUT/signet" init --db "$db" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["project_id"], d["secret"])')
  SIGNET_LOG_LEVEL=warn "$OUT/signet" serve --db "$db" --addr "127.0.0.1:$SIGNET_PORT" >>"$OUT/signet.log" 2>&1 &
  local pid=$!; PIDS+=("$pid")
  wait_port "$SIGNET_PORT"
  local base="http://127.0.0.1:$SIGNET_PORT"
  local bank=""
  for n in Alpha Beta Gamma Delta; do
    bank=$(curl -sf -u "$p:$s" "$base/v1/banks" -H 'Content-Type: application/json' \
      -d "{\"issuer\":\"https://$n.bank.example\",\"display_name\":\"$n Bank\",\"client_id\":\"c\",\"auth_method\":\"client_secret_basic\",\"client_secret\":\"s\",\"background_color\":\"#0b6e4f\"}" |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["bank"]["bank_id"])')
  done
  local client
  client=$(curl -sf -u "$p:$s" "$base/v1/connected_apps/clients" -H 'Content-Type: application/json' \
    -d '{"client_type":"first_party","client_name":"Bench","redirect_urls":["https://app.example/cb"],"origin_urls":["https://app.example/bank"]}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["connected_app"]["client_id"])')
  local q="client_id=$client&visitor_id=bench-visitor&scope=openid+email&claims="
  # Choose a bank once, so the page pre-selects it (the form's CSRF cookie
  # and token come from a first GET).
  local jar="$dir/jar"
  local tok; tok=$(curl -sf -c "$jar" "$base/select-bank?$q" | python3 -c 'import re,sys; print(re.search(r"name=\"csrf_token\" value=\"([^\"]+)\"", sys.stdin.read()).group(1))')
  curl -sf -b "$jar" -o /dev/null "$base/select-bank" --data-urlencode "client_id=$client" --data-urlencode visitor_id=bench-visitor \
    --data-urlencode "csrf_token=$tok" --data-urlencode "bank_id=$bank"
  # The choice is remembered for the browser's visitor cookie (set by the
  # first GET), which the load sends.
  local visitor; visitor=$(awk '$6 == "signet_visitor" {print $7}' "$jar")
  bench -url "$base" -server-pid "$pid" -scenarios raw -raw-name "signet select-bank" -raw-method GET -raw-path "/select-bank?$q" \
    -raw-header "Cookie: signet_visitor=$visitor"
  bench -url "$base" -server-pid "$pid" -scenarios raw -raw-name "signet discovery" -raw-method GET -raw-path /.well-known/openid-configuration
  stop "$pid"
  rm -rf "$dir"
}

log "# signet verify benchmark $(date -u +%FT%TZ) on $(nproc) CPUs, $(go version | cut -d' ' -f3), node $(node --version)"
log "# c=$CONNS warmup=$WARMUP duration=$DURATION rounds=$ROUNDS; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$ROUNDS"); do
  log "# round $round"
  ceiling
  signet_selector
  oidc_provider
done
log "## in process (httptest; the callback includes the fake bank's token and userinfo round trips on loopback)"
go test -run NONE -bench 'Selector|BankCallback' -benchtime 2s -cpu 1,2 ./internal/server | grep Benchmark | tee -a "$RESULTS"
log "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
