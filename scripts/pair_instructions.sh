#!/usr/bin/env bash
# Instructions executed per scored pair (score_pair with its explanation, or
# score_pair_fast with --fast), counted by callgrind over the shared dev
# pairs: five passes less one pass, so that loading the tables and the pairs
# is left out. Unlike timings, the count does not move with the machine's
# load. Needs valgrind.
#
# Usage: scripts/pair_instructions.sh [--fast]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 2; }
cargo build --release -q -p embargo-match --example pair_loop
bin="${CARGO_TARGET_DIR:-target}/release/examples/pair_loop"
pairs=$(($(wc -l < ../shared/eval/dev_pairs.csv) - 1))
flags=("$@")
count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "${flags[@]}" 2>&1 \
        | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
one=$(count 1)
five=$(count 5)
echo "instructions per pair${1:+ ($1)}: $(( (five - one) / (4 * pairs) ))"
