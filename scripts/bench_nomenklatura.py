#!/usr/bin/env python3
"""Times nomenklatura's logic-v2 matcher on the matching dev pairs.

Each row of the pairs file (schema, name1, name2, is_match) becomes two
FollowTheMoney entities of that schema with one name each; the matcher
compares them with its default configuration. Prints the time per pair and
the precision, recall and F1 at a threshold (0.7 by default), and with
--json one JSON line that examples/bench_report.rs reads.

nomenklatura is installed with pip when it is missing (--no-install to
refuse). The first timed pass sees every name for the first time, as a
screening service does; name analysis is memoised inside nomenklatura, so a
second pass over the same names is faster and is reported separately.
"""

import argparse
import csv
import importlib
import json
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_PAIRS = Path(__file__).resolve().parent.parent.parent / "shared/eval/dev_pairs.csv"
SCHEMAS = {"Person", "Organization", "Company", "LegalEntity", "Vessel", "Airplane"}


def ensure_nomenklatura(install: bool) -> None:
    try:
        importlib.import_module("nomenklatura")
    except ImportError:
        if not install:
            sys.exit("nomenklatura is not installed (pip install nomenklatura)")
        print("installing nomenklatura with pip ...", file=sys.stderr)
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "nomenklatura"],
            check=True,
            stdout=sys.stderr,
        )
        importlib.invalidate_caches()


def read_pairs(path: Path) -> list[tuple[str, str, str, bool]]:
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for r in rows:
        schema = r["schema"] if r["schema"] in SCHEMAS else "LegalEntity"
        out.append((schema, r["name1"], r["name2"], r["is_match"].strip().lower() == "true"))
    return out


def f1(labels: list[bool], scores: list[float], threshold: float) -> tuple[float, float, float]:
    tp = sum(1 for y, s in zip(labels, scores) if y and s >= threshold)
    fp = sum(1 for y, s in zip(labels, scores) if not y and s >= threshold)
    fn = sum(1 for y, s in zip(labels, scores) if y and s < threshold)
    p = tp / max(tp + fp, 1)
    r = tp / max(tp + fn, 1)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=Path, default=DEFAULT_PAIRS)
    ap.add_argument("--algorithm", default="logic-v2")
    ap.add_argument("--threshold", type=float, default=0.7)
    ap.add_argument("--json", action="store_true", help="also print one JSON line")
    ap.add_argument("--no-install", action="store_true")
    args = ap.parse_args()

    ensure_nomenklatura(not args.no_install)
    from followthemoney import model
    from importlib.metadata import version
    from nomenklatura.matching import get_algorithm

    algo = get_algorithm(args.algorithm)
    if algo is None:
        sys.exit(f"nomenklatura has no algorithm {args.algorithm}")
    config = algo.default_config()

    def entity(id_: str, schema: str, name: str):
        e = model.make_entity(schema)
        e.id = id_
        e.add("name", name)
        return e

    pairs = read_pairs(args.pairs)
    ents = [
        (entity(f"q{i}", s, a), entity(f"c{i}", s, b)) for i, (s, a, b, _) in enumerate(pairs)
    ]

    # Load the matcher's tables on names that are not in the set.
    warm = [("Person", "Jane Q Example", "Jane Example"), ("Company", "Acme Trading LLC", "ACME Trading")]
    for s, a, b in warm:
        algo.compare(entity("wq", s, a), entity("wc", s, b), config)

    def run() -> tuple[float, float, list[float]]:
        scores = []
        t, c0 = time.perf_counter(), time.thread_time()
        for q, c in ents:
            scores.append(algo.compare(q, c, config).score)
        n = len(ents)
        return (time.perf_counter() - t) * 1e6 / n, (time.thread_time() - c0) * 1e6 / n, scores

    first_us, first_cpu, scores = run()
    again_us, again_cpu, _ = run()
    p, r, f = f1([m for *_, m in pairs], scores, args.threshold)
    ver = version("nomenklatura")
    print(f"nomenklatura {ver} {args.algorithm} on {len(pairs)} pairs ({args.pairs.name})")
    print(f"  first pass (new names): {first_us:.1f} µs/pair wall, {first_cpu:.1f} cpu")
    print(f"  second pass (memoised names): {again_us:.1f} µs/pair wall, {again_cpu:.1f} cpu")
    print(f"  at {args.threshold}: precision {p:.3f} recall {r:.3f} F1 {f:.3f}")
    if args.json:
        print(json.dumps({
            "version": ver,
            "algorithm": args.algorithm,
            "pairs": len(pairs),
            "us_per_pair": first_us,
            "us_per_pair_memoised": again_us,
            "cpu_us_per_pair": first_cpu,
            "cpu_us_per_pair_memoised": again_cpu,
            "threshold": args.threshold,
            "precision": p,
            "recall": r,
            "f1": f,
        }))


if __name__ == "__main__":
    main()
