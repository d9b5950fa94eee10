"""Destination classes benchmark: what a scenario costs with two classes against one.

On a synthetic chain (``riskmodel.synthetic.synthetic_chain``, home CN) each of the
``k`` scenarios is one country cutting everything it supplies, read three ways:

- ``to: world`` — a lost supply, withheld from every producer: one destination class
  (the fast paths as before destinations);
- ``to: all`` — an export ban: the cutting country and everyone else, two classes;
- ``to: home`` — a stop aimed at the home: the home and everyone else, two classes.

For each it times the immediate static loss and 12 months of dynamics, by the engine's
choice of path (``auto``) and by the column-block kernel for all (``numba``), and
reports the ratio of two classes to one (issue 13's target: at most 2x): medians of the
wall-clock time and of the process's CPU time (all threads), which a loaded machine
disturbs less. It also times ``rm.score`` on the 2,000-node chain without and with a
restriction in force that spares the cutting country
(``baseline=[rm.Cut("AE", to="all")]``), whose class columns every knockout then has.

Usage::

    python benchmarks/bench_destinations.py               # 20,000 and 100,000 nodes
    python benchmarks/bench_destinations.py --smallest    # 2,000 nodes (CI)
    python benchmarks/bench_destinations.py --out results.json

Writes medians (and the load average before and after) to a JSON file (default
``benchmarks/results/destinations.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

import riskmodel as rm
from riskmodel import engine
from riskmodel.scenario import Cut, Scenario
from riskmodel.simulation import cut_spec
from riskmodel.synthetic import synthetic_chain

HERE = Path(__file__).resolve().parent
READINGS = ("world", "all", "home")


def _median(fn, repeats: int) -> tuple[float, float]:
    """Medians of the wall-clock and the CPU time of ``repeats`` calls of ``fn``."""
    wall, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu)


def one_size(n: int, k: int, repeats: int) -> dict:
    """Medians for ``k`` country cuts on an ``n``-node chain, per reading and path."""
    chain = synthetic_chain(n, seed=1)
    c = chain.compiled
    p = engine.params_from_compiled(c)
    countries = [x for x in c.countries if x != c.home][:k]
    row: dict = {"n": n, "edges": c.m, "scenarios": len(countries)}
    for backend in ("auto", "numba"):
        for to in READINGS:
            spec = cut_spec(chain, [Scenario([Cut(x, to=to)], months=12) for x in countries],
                            p)
            engine.static_loss(c, p, spec, backend=None if backend == "auto" else backend)
            static = _median(lambda s=spec, b=backend: engine.static_loss(
                c, p, s, backend=None if b == "auto" else b), repeats)
            dynamic = _median(lambda s=spec, b=backend: engine.dynamic(
                c, p, s, 12, backend=None if b == "auto" else b), repeats)
            row[f"{backend}_{to}"] = {"static_s": static[0], "dynamic_s": dynamic[0],
                                      "static_cpu_s": static[1], "dynamic_cpu_s": dynamic[1]}
        one = row[f"{backend}_world"]
        for to in ("all", "home"):
            two = row[f"{backend}_{to}"]
            for key in ("static", "dynamic", "static_cpu", "dynamic_cpu"):
                two[f"{key}_ratio"] = two[f"{key}_s"] / one[f"{key}_s"]
    return row


def score_with_baseline(repeats: int) -> dict:
    """``rm.score`` on the 2,000-node chain (seed 1) without and with a ``to: all``
    restriction in force: medians of the wall-clock time after a first call."""
    chain = synthetic_chain(2_000, seed=1)
    out = {}
    for name, base in (("without_s", None), ("with_s", [rm.Cut("AE", to="all")])):
        rm.score(chain, baseline=base)
        out[name] = _median(lambda b=base: rm.score(chain, baseline=b), repeats)[0]
    out["ratio"] = out["with_s"] / out["without_s"]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smallest", action="store_true", help="2,000 nodes only (CI)")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "destinations.json")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    sizes = [(2_000, 10)] if args.smallest else [(20_000, 30), (100_000, 30)]
    load_before = os.getloadavg()
    rows = []
    for n, k in sizes:
        rows.append(one_size(n, k, 1 if args.smallest else args.repeats))
        print(json.dumps(rows[-1]), flush=True)
    score = score_with_baseline(1 if args.smallest else args.repeats)
    print(json.dumps({"score_baseline": score}), flush=True)
    out = {"rows": rows, "score_baseline": score, "load_before": load_before,
           "load_after": os.getloadavg(), "cpus": os.cpu_count(),
           "python": platform.python_version()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
