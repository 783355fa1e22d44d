#!/usr/bin/env bash
# Runs the matching benchmarks in release mode and prints the figures that
# docs/BENCHMARKS.md records:
#   bench_report  index build, memory, query latency, batch throughput and pair
#                 scoring on the bundled lists, with nomenklatura's logic-v2 on
#                 the same pairs in the same run (installed with pip if missing)
#   scale         synthetic indexes of 10k, 100k and 1M parties
#
# Usage: scripts/bench.sh [--quick] [--no-nomenklatura] [--criterion]
#   --quick            scale test at 10k and 100k only
#   --no-nomenklatura  skip the Python comparison
#   --criterion        also run `cargo bench -p embargo-match`
# CARGO_TARGET_DIR is honoured; PYTHON picks the interpreter (default python3).
set -euo pipefail

cd "$(dirname "$0")/.."

sizes=(10000 100000 1000000)
report_args=(--python "${PYTHON:-python3}")
criterion=0
for arg in "$@"; do
    case "$arg" in
        --quick) sizes=(10000 100000) ;;
        --no-nomenklatura) report_args+=(--no-nomenklatura) ;;
        --criterion) criterion=1 ;;
        *) echo "unknown argument: $arg" >&2; exit 2 ;;
    esac
done

echo "# $(date -u +%Y-%m-%dT%H:%MZ) on $(uname -m), $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "# git $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (modified tree)')"

cargo build --release -p embargo-match --example bench_report --example scale
cargo run --release -q -p embargo-match --example bench_report -- "${report_args[@]}"
echo
cargo run --release -q -p embargo-match --example scale -- "${sizes[@]}"

if [ "$criterion" = 1 ]; then
    echo
    cargo bench -p embargo-match --bench matching
fi
