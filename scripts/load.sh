#!/usr/bin/env bash
# Load test of `embargo serve` on loopback: throughput and p50/p99 latency
# of POST /match with a single-query body at concurrency 1, 16 and 64, and
# of a 100-query batch; then a run during which the list snapshot is
# swapped (POST /v1/admin/reload) twice, which must show no errors.
#
# Uses `oha` when installed, else Debian's `wrk` (installed if missing).
# Release build. Every run is bounded in time (DURATION seconds each).
#
#   scripts/load.sh            # DURATION=10 by default
#   DURATION=5 scripts/load.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
DURATION=${DURATION:-10}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}

if ! command -v oha >/dev/null 2>&1 && ! command -v wrk >/dev/null 2>&1; then
  echo "== installing wrk"
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk >/dev/null
fi

echo "== building embargo (release)"
cargo build --release -p embargo-cli --quiet
bin="$CARGO_TARGET_DIR/release/embargo"

work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
echo "== starting embargo serve on $base (temp DB, no keys: loopback only)"
EMBARGO_RATE_LIMIT_PER_SECOND=0 RUST_LOG=warn "$bin" --db "$work/embargo.db" serve --bind "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 600); do
  curl -sf "$base/readyz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.2
done
curl -sf "$base/readyz" >/dev/null

single='{"queries":{"q1":{"schema":"Company","properties":{"name":["Hangzhou Hikvision Digital Technology"],"country":["cn"]}}}}'
printf '%s' "$single" >"$work/single.json"
python3 - "$work/batch.json" <<'PY'
import json, sys
names = ["Xiaomi Corporation", "Huawei Technologies Co., Ltd.", "China Mobile Limited",
         "Hikvision", "Semiconductor Manufacturing International", "Plain Ordinary Tea Shop",
         "Acme Widgets GmbH", "CNOOC Limited", "Kim Jong Un", "Banco Nacional de Cuba"]
q = {f"q{i}": {"schema": "Person" if "Kim" in names[i % len(names)] else "Company",
               "properties": {"name": [names[i % len(names)]]}} for i in range(100)}
json.dump({"queries": q}, open(sys.argv[1], "w"))
PY

results="$work/results.txt"
: >"$results"

# run LABEL CONCURRENCY BODYFILE
run() {
  local label=$1 conc=$2 body=$3 out="$work/run.txt"
  if command -v oha >/dev/null 2>&1; then
    oha --no-tui -z "${DURATION}s" -c "$conc" -m POST -H 'Content-Type: application/json' \
      -D "$body" --output-format json "$base/match/default" >"$out"
    python3 - "$label" "$conc" "$out" >>"$results" <<'PY'
import json, sys
label, conc, path = sys.argv[1], sys.argv[2], sys.argv[3]
d = json.load(open(path))
s = d["summary"]; p = d["latencyPercentiles"]
codes = d.get("statusCodeDistribution", {})
errors = sum(v for k, v in codes.items() if not k.startswith("2")) + sum(d.get("errorDistribution", {}).values())
print(f"{label:<28} c={conc:<3} {s['requestsPerSec']:>9.0f} req/s  p50 {p['p50']*1000:7.2f} ms  p99 {p['p99']*1000:7.2f} ms  errors {errors}")
PY
  else
    cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$body", "r")
wrk.body = f:read("*a")
f:close()
LUA
    local threads=$(( conc < 2 ? 1 : 2 ))
    wrk -t"$threads" -c"$conc" -d"${DURATION}s" --latency -s "$work/post.lua" "$base/match/default" >"$out"
    python3 - "$label" "$conc" "$out" >>"$results" <<'PY'
import re, sys
label, conc, path = sys.argv[1], sys.argv[2], sys.argv[3]
t = open(path).read()
def ms(s):
    v, u = re.match(r"([\d.]+)(us|ms|s)", s).groups()
    return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[u]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
# The latency distribution lines ("     50%    2.15ms"), not the "99.12%"
# of the thread statistics.
p50 = ms(re.search(r"^\s+50%\s+(\S+)", t, re.M).group(1))
p99 = ms(re.search(r"^\s+99%\s+(\S+)", t, re.M).group(1))
non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", t)
sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t)
errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(map(int, sock.groups())) if sock else 0)
print(f"{label:<28} c={conc:<3} {rps:>9.0f} req/s  p50 {p50:7.2f} ms  p99 {p99:7.2f} ms  errors {errors}")
PY
  fi
  tail -n 1 "$results"
}

echo "== load ($DURATION s per run, tool: $(command -v oha >/dev/null 2>&1 && echo oha || echo wrk))"
run "match, 1 query" 1 "$work/single.json"
run "match, 1 query" 16 "$work/single.json"
run "match, 1 query" 64 "$work/single.json"
run "match, 100-query batch" 16 "$work/batch.json"

echo "== load during two snapshot swaps"
( sleep $(( DURATION / 3 + 1 )); curl -sf -X POST "$base/v1/admin/reload" >"$work/reload1.json";
  sleep $(( DURATION / 3 )); curl -sf -X POST "$base/v1/admin/reload" >"$work/reload2.json" ) &
swapper=$!
run "match during swaps" 16 "$work/single.json"
wait "$swapper"
python3 -c 'import json,sys; [print("   swap: snapshot rebuilt in %.0f ms" % json.load(open(p))["build_ms"]) for p in sys.argv[1:]]' \
  "$work/reload1.json" "$work/reload2.json"

echo "== summary"
cat "$results"
# The target on a 2-core machine: single queries at concurrency 16.
awk '/^match, 1 query +c=16 / {
  rps = $5; p99 = $11;
  printf "target (1 query, c=16: >= 5000 req/s, p99 < 20 ms): %s\n", (rps >= 5000 && p99 < 20) ? "met" : "missed"
}' "$results"
if awk '{ if ($NF != 0) bad=1 } END { exit bad }' "$results"; then
  echo "no errors"
else
  echo "errors during the load runs" >&2
  exit 1
fi
