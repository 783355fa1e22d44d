#!/usr/bin/env bash
# End-to-end tests of the web console: builds `embargo`, starts
# `embargo serve` on a temporary database and a free local port, runs the
# Playwright tests (node's test runner, headless Debian Chromium), saves
# screenshots of each page and the server time of every page loaded to
# artifacts/screenshots/, and stops the server. Installs what it needs when
# missing (Debian chromium and a CJK font, npm packages).
#
#   scripts/e2e.sh
#   EMBARGO_BIN=target/release/embargo PAGE_BUDGET_MS=100 scripts/e2e.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
apt_install() {
  echo "== installing $*"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}
command -v chromium >/dev/null 2>&1 || apt_install chromium
command -v node >/dev/null 2>&1 || apt_install nodejs npm
# A CJK font, so Chinese names render in the screenshots (not as boxes).
{ command -v fc-list >/dev/null 2>&1 && fc-list :lang=zh | grep -q .; } || apt_install fonts-wqy-microhei
CHROMIUM=${CHROMIUM:-$(command -v chromium)}
export CHROMIUM

echo "== npm ci (e2e)"
(cd e2e && npm ci --no-audit --no-fund --loglevel=error)

if [ -n "${EMBARGO_BIN:-}" ]; then
  bin=$EMBARGO_BIN   # an already built binary
else
  echo "== cargo build embargo"
  cargo build --quiet -p embargo-cli
  bin="${CARGO_TARGET_DIR:-$root/target}/debug/embargo"
fi
[ -x "$bin" ] || { echo "e2e: $bin was not built" >&2; exit 2; }

work=$(mktemp -d)
port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
help=$("$bin" serve --help 2>&1 || true)
if grep -q -- '--listen' <<<"$help"; then addr=(--listen "127.0.0.1:$port")
elif grep -q -- '--addr' <<<"$help"; then addr=(--addr "127.0.0.1:$port")
elif grep -q -- '--bind' <<<"$help"; then addr=(--bind "127.0.0.1:$port")
else addr=(--port "$port"); fi

mkdir -p "$root/artifacts/screenshots"
log="$root/artifacts/e2e-server.log"
echo "== starting embargo serve on 127.0.0.1:$port (db in $work)"
"$bin" --db "$work/embargo.db" serve "${addr[@]}" >"$log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

url="http://127.0.0.1:$port"
ready=
for _ in $(seq 1 360); do
  if ! kill -0 "$server" 2>/dev/null; then
    echo "e2e: the server exited; its log:" >&2; cat "$log" >&2; exit 2
  fi
  if node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' "$url/" 2>/dev/null; then
    ready=1; break
  fi
  sleep 0.5
done
[ -n "$ready" ] || { echo "e2e: the server did not answer within 180 s; its log:" >&2; cat "$log" >&2; exit 2; }

echo "== console end-to-end tests against $url"
cd e2e
EMBARGO_URL="$url" EMBARGO_BIN="$bin" EMBARGO_DB="$work/embargo.db" \
  SCREENSHOTS="$root/artifacts/screenshots" node --test --test-concurrency=1 tests/
