"""Destination classes benchmark: what a scenario costs with two classes against one.

On a synthetic chain (``riskmodel.synthetic.synthetic_chain``, home CN) each of the
``k`` scenarios is one country cutting everything it supplies, read three ways:

- ``to: world`` — a lost supply, withheld from every producer: one destination class
  (the fast paths as before destinations);
- ``to: all`` — an export ban: the cutting country and everyone else, two classes;
- ``to: home`` — a stop aimed at the home: the home and everyone else, two classes.

For each it times the immediate static loss and 12 months of dynamics, by the engine's
choice of path (``auto``) and by the column-block kernel for all (``numba``), and
reports the ratio of two classes to one (issue 13's target: at most 2x).

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

from riskmodel import engine
from riskmodel.scenario import Cut, Scenario
from riskmodel.simulation import cut_spec
from riskmodel.synthetic import synthetic_chain

HERE = Path(__file__).resolve().parent
READINGS = ("world", "all", "home")


def _median(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


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
            row[f"{backend}_{to}"] = {"static_s": static, "dynamic_s": dynamic}
        one = row[f"{backend}_world"]
        for to in ("all", "home"):
            two = row[f"{backend}_{to}"]
            two["static_ratio"] = two["static_s"] / one["static_s"]
            two["dynamic_ratio"] = two["dynamic_s"] / one["dynamic_s"]
    return row


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
    out = {"rows": rows, "load_before": load_before, "load_after": os.getloadavg(),
           "cpus": os.cpu_count(), "python": platform.python_version()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
