#!/usr/bin/env bash
# Contract check: runs schemathesis against the OpenAPI document served by
# `embargo serve` (on a temp database, loopback, with an admin API key) with
# the checks `not_a_server_error` and `response_schema_conformance`, in
# every phase (the document's examples, coverage, fuzzing, stateful runs
# along the document's links). scripts/schemathesis.toml supplies real
# entity ids and names and makes the warnings that mean "the tests did not
# reach the API's logic" fail the run. Exits non-zero on any failure.
# Installs schemathesis from PyPI when missing.
#
#   scripts/schemathesis.sh            # MAX_EXAMPLES=25 per operation
#   MAX_EXAMPLES=100 scripts/schemathesis.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
MAX_EXAMPLES=${MAX_EXAMPLES:-25}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}

if ! command -v schemathesis >/dev/null 2>&1; then
  echo "== installing schemathesis"
  python3 -m pip install --quiet --disable-pip-version-check 'schemathesis>=4,<5'
fi

echo "== building embargo"
cargo build -p embargo-cli --quiet
bin="$CARGO_TARGET_DIR/debug/embargo"

work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

db="$work/embargo.db"
# An admin key, so every operation is reachable (its secret is in the JSON output).
key=$("$bin" --db "$db" --format json --quiet keys create --role admin --name schemathesis \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
echo "== starting embargo serve on $base"
EMBARGO_RATE_LIMIT_PER_SECOND=0 RUST_LOG=warn "$bin" --db "$db" serve --bind "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 600); do
  curl -sf "$base/readyz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.2
done
curl -sf "$base/readyz" >/dev/null

echo "== schemathesis ($MAX_EXAMPLES examples per operation)"
# /v1/admin/update downloads the official lists (no network in tests), and
# deleting keys could revoke the key the run uses: both are left out.
status=0
schemathesis --config-file "$root/scripts/schemathesis.toml" run "$base/openapi.json" \
  --checks not_a_server_error,response_schema_conformance \
  --header "Authorization: Bearer $key" \
  --max-examples "$MAX_EXAMPLES" \
  --exclude-path /v1/admin/update \
  --exclude-path /v1/admin/keys/{id} \
  --request-timeout 60 \
  --generation-deterministic \
  --no-color || status=$?
if [ "$status" -ne 0 ]; then
  echo "== schemathesis found failures (exit $status); server log tail:" >&2
  tail -n 40 "$work/server.log" >&2
fi
exit "$status"
