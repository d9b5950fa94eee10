"""Hardening benchmarks: deep linear chains and chains with very many supplier groups.

- ``linear``: a path ``a1 → a2 → … → an`` (each node 60% from a foreign supplier, with
  stocks and substitution; one end use at the end), timing :func:`riskmodel.score`, in
  a home view (``linear``) and a global one (``linear_global``: every producer needs
  its inputs, so a cut reaches undiminished to the end use).
  Every node's cut reaches everything below it, so a naive exact score costs the
  square of the depth.
- ``groups``: a chain of ``nodes`` nodes that declares ``groups`` country groups, each
  used as a supplier key of one node (so the chain names that many supplier keys),
  timing :func:`riskmodel.leverage`, :func:`riskmodel.cutsets` and
  :func:`riskmodel.report` (JSON only).

Run ``python benchmarks/bench_hardening.py [--sizes 10000 100000] [--groups 200000]``
(``--smallest``: one small size of each, as the test suite runs it);
figures go to ``benchmarks/results/hardening.json`` (git-ignored). A step that runs
past ``--budget`` seconds is stopped and recorded as such (each step runs in a
subprocess).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from riskmodel.synthetic import linear_chain

HERE = Path(__file__).resolve().parent


def groups_chain(groups: int, *, nodes: int = 1000, home: str = "CN"):
    """``nodes`` nodes in four layers; group ``Gi`` (members: two of a few real countries)
    supplies 0.5/(groups/nodes) of node ``i mod nodes``, so every node has ``groups/nodes``
    group suppliers beside JP and the home country."""
    from riskmodel.io.tables import ChainData, complete, empty_edges, empty_nodes, empty_suppliers
    from riskmodel.model import Chain

    rng = np.random.default_rng(0)
    ids = np.char.add("n", np.arange(nodes).astype(str)).astype(object)
    layer = np.arange(nodes) * 4 // nodes
    stage = np.array(["upstream", "midstream", "downstream", "end_use"], dtype=object)[layer]
    node_t = complete(pd.DataFrame({
        "id": ids, "stage": stage, "value": np.where(layer == 3, rng.uniform(1, 10, nodes),
                                                     np.nan),
        "substitutability": rng.uniform(0, 0.5, nodes),
        "lead_time_months": rng.integers(0, 12, nodes).astype(float),
        "inventory_months": rng.choice([0.0, 1.0, 2.0], nodes)}), empty_nodes())
    names = np.char.add("G", np.arange(groups).astype(str)).astype(object)
    per = max(1, groups // nodes)
    real = ["DE", "FR", "NL", "IT", "ES", "PL"]
    gdecl = {str(g): {"label": str(g), "members": [real[i % 6], real[(i + 1) % 6]]}
             for i, g in enumerate(names)}
    gnode = ids[np.arange(groups) % nodes]
    sup = pd.concat([
        pd.DataFrame({"node": gnode, "country": names, "share": np.full(groups, 0.5 / per)}),
        pd.DataFrame({"node": ids, "country": "JP", "share": 0.3}),
        pd.DataFrame({"node": ids, "country": home, "share": 0.2})], ignore_index=True)
    # each node past the first layer takes two inputs from the layer before
    src, dst = [], []
    for j in range(nodes):
        if layer[j] == 0:
            continue
        before = np.flatnonzero(layer == layer[j] - 1)
        src += list(rng.choice(before, size=min(2, len(before)), replace=False))
        dst += [j] * min(2, len(before))
    edges = complete(pd.DataFrame({"from": ids[src], "to": ids[dst]}), empty_edges())
    header = {"schema": "riskmodel/chain@1", "name": f"groups_{groups}",
              "perspective": {"home": home},
              "stages": ["upstream", "midstream", "downstream", "end_use"],
              "groups": gdecl, "sources": {}, "scenarios": []}
    return Chain.from_data(ChainData(header, node_t, complete(sup, empty_suppliers()), edges),
                           checked=True)


def _step(kind: str, size: int, what: str, queue: mp.Queue) -> None:
    import riskmodel as rm

    chain = linear_chain(size) if kind == "linear" else linear_chain(size, home=None) \
        if kind == "linear_global" else groups_chain(size)
    _ = chain.compiled
    t0 = time.perf_counter()
    if what == "score":
        s = rm.score(chain)
        note = s.attrs["exact"]
    elif what == "leverage":
        note = f"{len(rm.leverage(chain))} countries"
    elif what == "cutsets":
        try:
            note = f"{len(rm.cutsets(chain, max_size=2))} sets"
        except rm.RiskmodelError as e:
            note = f"refused: {e}"
    else:
        with tempfile.TemporaryDirectory() as tmp:
            try:
                rm.report(chain, Path(tmp) / "r", formats="json", mc=10)
                note = "json report"
            except rm.RiskmodelError as e:
                note = f"refused: {e}"
    queue.put((time.perf_counter() - t0, note))


def run(kind: str, size: int, what: str, budget: float) -> dict:
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    proc = ctx.Process(target=_step, args=(kind, size, what, q))
    t0 = time.perf_counter()
    proc.start()
    proc.join(budget)
    if proc.is_alive():
        proc.kill()
        proc.join()
        return {"kind": kind, "size": size, "what": what, "seconds": None,
                "note": f"stopped after {budget:g} s"}
    if proc.exitcode != 0 or q.empty():
        return {"kind": kind, "size": size, "what": what, "seconds": None,
                "note": f"failed (exit {proc.exitcode}) after {time.perf_counter() - t0:.1f} s"}
    secs, note = q.get()
    return {"kind": kind, "size": size, "what": what, "seconds": round(secs, 3), "note": note}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    ap.add_argument("--groups", type=int, nargs="*", default=[200_000])
    ap.add_argument("--budget", type=float, default=300.0, help="seconds per step")
    ap.add_argument("--out", default=str(HERE / "results" / "hardening.json"))
    ap.add_argument("--smallest", action="store_true", help="2,000 nodes and groups only")
    args = ap.parse_args(argv)
    if args.smallest:
        args.sizes, args.groups = [2_000], [2_000]
    load_before = os.getloadavg()
    rows = []
    for n in args.sizes:
        for kind in ("linear", "linear_global"):
            rows.append(run(kind, n, "score", args.budget))
            print(rows[-1], flush=True)
    for g in args.groups:
        for what in ("leverage", "cutsets", "report"):
            rows.append(run("groups", g, what, args.budget))
            print(rows[-1], flush=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"python": sys.version.split()[0], "machine": platform.machine(),
                               "cpus": os.cpu_count(), "load_before": load_before,
                               "load_after": os.getloadavg(), "results": rows}, indent=2),
                   encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
