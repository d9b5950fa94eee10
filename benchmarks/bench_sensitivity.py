"""Sensitivity and conditional-criticality benchmark on the built-in chains.

`rm.sensitivity` rescores the chain once per tornado run (two per ranged number that can
move a tested node) and once per horizon of the sweep; `rm.pairs` runs its singles and
pairs in one `rm.simulate_many` batch. This script times both on the built-in chains,
with the time of one `rm.score` beside them (the unit a tornado run costs), and what
the choice of numbers saves against running every ranged number (`scope="all"`).

Usage::

    python benchmarks/bench_sensitivity.py              # every built-in chain
    python benchmarks/bench_sensitivity.py --smallest   # the bicycle chain only
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import riskmodel as rm

HERE = Path(__file__).resolve().parent
CHAINS = ["bicycle", "industrial_robots", "semiconductors", "generative_ai",
          "rare_earth_magnets", "combined"]


def _timed(func, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = func()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smallest", action="store_true")
    ap.add_argument("--top", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=str(HERE / "results" / "sensitivity.json"))
    args = ap.parse_args(argv)
    names = ["bicycle"] if args.smallest else CHAINS
    repeats = 1 if args.smallest else args.repeats
    rm.score(rm.load("bicycle"))  # compile the kernels outside the timings
    out: dict = {"load_before": os.getloadavg(), "chains": []}
    for name in names:
        chain = rm.load(name)
        one, _ = _timed(lambda chain=chain: rm.score(chain), repeats)
        sens_s, sens = _timed(lambda chain=chain: rm.sensitivity(chain, top=args.top), repeats)
        all_s, every = _timed(lambda chain=chain: rm.sensitivity(
            chain, top=args.top, scope="all", max_runs=100_000), 1)
        pairs_s, pairs = _timed(lambda chain=chain: rm.pairs(chain, top=10), repeats)
        runs = 2 * sens.attrs["run"] + len(sens.attrs["horizons"])
        # the numbers left out moved no tested node's score
        keys = ["node", "kind", "field", "where", "setting"]
        both = every.merge(sens[keys], on=keys, how="left", indicator=True)
        left_out = both[(both["_merge"] == "left_only") & (both["kind"] == "tornado")]
        moved = int((left_out["change"].abs() > 1e-9).sum())
        out["chains"].append({
            "chain": name, "nodes": len(chain), "ranged": sens.attrs["ranged"],
            "numbers_run": sens.attrs["run"], "rescorings": runs,
            "score_s": one, "sensitivity_s": sens_s, "per_rescoring_s": sens_s / runs,
            "all_numbers_s": all_s, "saved_ratio": all_s / sens_s,
            "left_out_that_moved": moved,
            "robust": sens.attrs["robust"], "pairs_run": pairs.attrs["pairs_run"],
            "pairs_s": pairs_s})
        print(f"{name}: {sens.attrs['run']}/{sens.attrs['ranged']} numbers, {runs} "
              f"rescorings in {sens_s:.2f} s ({sens_s / runs * 1000:.1f} ms each; one "
              f"score {one * 1000:.1f} ms); all numbers {all_s:.2f} s; "
              f"{pairs.attrs['pairs_run']} pairs in {pairs_s:.2f} s; left out but moving: {moved}")
    out["load_after"] = os.getloadavg()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
