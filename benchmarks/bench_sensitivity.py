"""Sensitivity and conditional-criticality benchmark on the built-in chains.

`rm.sensitivity` rescores the chain once per tornado run (two per ranged number that can
move a tested node) and once per horizon of the sweep, all of them batched
(`riskmodel.scoring.variants`: one compile, the number patched into the arrays, many
variants' cuts in one engine call); `rm.pairs` runs its singles and pairs in one
`rm.simulate_many` batch. This script times both on the built-in chains, with the time
of one `rm.score` beside them, what the choice of numbers saves against running every
ranged number (`scope="all"`), and the way the runs were first made (each run's chain
built from its edited tables and scored by `rm.score`) on a sample of the runs
(`--reference N`, the first N runs; its total extrapolated). The target: the robot
chain's top 3 in at most 2 s (`target` in the output).

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
from riskmodel.scoring.variants import variant_chain

HERE = Path(__file__).resolve().parent
CHAINS = ["bicycle", "industrial_robots", "semiconductors", "generative_ai",
          "rare_earth_magnets", "combined"]


def _timed(func, repeats: int, cpu: list | None = None) -> tuple[float, object]:
    """The median wall time of ``repeats`` calls and the last result; ``cpu`` gets each
    call's CPU time (every thread of this process: on a shared machine, what the call
    itself costs)."""
    times, out = [], None
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        out = func()
        times.append(time.perf_counter() - t0)
        if cpu is not None:
            cpu.append(time.process_time() - c0)
    return statistics.median(times), out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smallest", action="store_true")
    ap.add_argument("--top", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--reference", type=int, default=20,
                    help="tornado runs timed the way they were first made (0: none)")
    ap.add_argument("--out", default=str(HERE / "results" / "sensitivity.json"))
    args = ap.parse_args(argv)
    names = ["bicycle"] if args.smallest else CHAINS
    repeats = 1 if args.smallest else args.repeats
    rm.score(rm.load("bicycle"))  # compile the kernels outside the timings
    out: dict = {"load_before": os.getloadavg(), "chains": []}
    if not args.smallest:
        robots = rm.load("industrial_robots")
        cpu: list = []
        target_s, _ = _timed(lambda: rm.sensitivity(robots, top=3), max(3, repeats), cpu)
        out["target"] = {"chain": "industrial_robots", "top": 3, "sensitivity_s": target_s,
                         "cpu_s": statistics.median(cpu), "goal_s": 2.0}
        print(f"industrial_robots top 3: {target_s:.2f} s, CPU {statistics.median(cpu):.2f} s "
              "(goal ≤ 2 s on a quiet machine)")
    for name in names:
        chain = rm.load(name)
        one, _ = _timed(lambda chain=chain: rm.score(chain), repeats)
        sens_s, sens = _timed(lambda chain=chain: rm.sensitivity(chain, top=args.top), repeats)
        all_s, every = _timed(lambda chain=chain: rm.sensitivity(
            chain, top=args.top, scope="all", max_runs=100_000), 1)
        pairs_s, pairs = _timed(lambda chain=chain: rm.pairs(chain, top=10), repeats)
        runs = 2 * sens.attrs["run"] + len(sens.attrs["horizons"])
        ref_each = _reference(chain, sens, min(args.reference, 2) if args.smallest
                              else args.reference)
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
            "reference_per_run_s": ref_each, "reference_total_s": ref_each * runs,
            "batched_ratio": ref_each * runs / sens_s,
            "left_out_that_moved": moved,
            "robust": sens.attrs["robust"], "pairs_run": pairs.attrs["pairs_run"],
            "pairs_s": pairs_s})
        print(f"{name}: {sens.attrs['run']}/{sens.attrs['ranged']} numbers, {runs} "
              f"rescorings in {sens_s:.2f} s ({sens_s / runs * 1000:.1f} ms each; one "
              f"score {one * 1000:.1f} ms; rebuilt and rescored {ref_each * 1000:.0f} ms "
              f"each, {ref_each * runs / sens_s:.0f}× slower); all numbers {all_s:.2f} s; "
              f"{pairs.attrs['pairs_run']} pairs in {pairs_s:.2f} s; left out but moving: {moved}")
    out["load_after"] = os.getloadavg()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2), encoding="utf-8")
    return 0


def _reference(chain: rm.Chain, sens, runs: int) -> float:
    """Seconds per tornado run the way the runs were first made: the run's chain built
    from the edited tables (checked and compiled) and scored by ``rm.score``; the
    median over the first ``runs`` runs (NaN for none)."""
    import importlib

    numbers = importlib.import_module("riskmodel.scoring.sensitivity")._ranged(chain)
    spots = {(x["field"], x["where"]): x for x in numbers}
    t = sens[sens["kind"] == "tornado"].drop_duplicates(["field", "where", "setting"])
    data, times = chain.to_data(), []
    for _, r in t.head(runs).iterrows():
        x = spots[(r["field"], r["where"])]
        t0 = time.perf_counter()
        rm.score(variant_chain(data, x["spot"], x[r["setting"]])[0], decompose=1)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) if times else float("nan")


if __name__ == "__main__":
    raise SystemExit(main())
