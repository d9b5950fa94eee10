"""Sensitivity of the top choke points: a tornado over the chain's ranged numbers and a
horizon sweep (docs/model.md §1.6, §2.3, §2.7).

:func:`sensitivity` takes the top nodes of :func:`~riskmodel.scoring.score` and, for
each, sets every ranged number that can move its score at its ``low`` and at its
``high``, one at a time, and rescores the chain (the **tornado**); then rescores the
chain at horizons of 6, 12, 18, 24 and 36 months (the **sweep**). Every score is
:func:`~riskmodel.scoring.score`'s ``choke_score`` and ``rank`` of the chain with that
one number set, so the tornado reads whatever the choke score is; the rescorings share
their work (the chain checked, its restrictions resolved and compiled once, every run's
cuts batched as columns of a few engine calls: :mod:`riskmodel.scoring.variants`), and
go to ``client=`` (a Dask client or an executor) in units that give the serial run's
numbers.

**Ranged numbers** are those :mod:`riskmodel.uncertainty` draws: a node's
``substitutability``, ``lead_time_months``, ``inventory_months``, capital
``service_life_months`` and ``value``; a supplier share (and a world share); an
edge's ``share`` (cost share) and, for an alternative, ``covers``. A supplier share set
higher than the node's other shares leave room for takes the excess from them, in
proportion, so that the shares still sum to at most 1 (as a drawn vector is scaled);
an alternative's ``covers`` set so low that its group would no longer cover the whole
need (a chain the format refuses) is raised to the least that does, and the table's
``value`` says so.

**Which numbers can move a node's score** (:func:`relevant`). A node's choke score is
the end-use loss of a cut of it. Without restrictions in force, every node outside the
cut's **cone** (the node and everything downstream of it that reaches an end use) keeps
availability 1 whatever its numbers: with no cut reaching it, every producer has all
its inputs and its shares sum to its whole supply. So only numbers of cone nodes, of
edges into the cone (an alternative's ``covers`` counts even from outside it) and the
end-use values (the weights of the loss, which are normalised over every end use) can
move it. With restrictions in force, the nodes upstream of the cone are held below 1
by them, to a level their own numbers set, and feed the cone: their numbers count
too. The tests check on random chains, with and without restrictions, that no number
left out moves the score (``scope="all"`` runs every ranged number).

**Robust** (per top node, the rule of :data:`RULE`): a node with a positive score is
robust when, in every run of its tornado and of the sweep, its score stays positive and
its membership of the top ``k`` (``top``) stays as at the base; a node that scores 0 is
robust ("not a choke point") when it scores 0 in every run.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import csgraph

from riskmodel._errors import ArgumentError, NodeNotFoundError
from riskmodel.limits import MAX_MONTHS
from riskmodel.model import Chain, require_chain
from riskmodel.scoring.choke import score
from riskmodel.scoring.horizon import competition_ranks
from riskmodel.scoring.variants import Spot, rescore

__all__ = ["HORIZONS", "MAX_RUNS", "RULE", "cone", "ranged_numbers", "reaching", "relevant",
           "sensitivity", "sensitivity_rows", "swings"]

#: The horizons of the sweep, in months.
HORIZONS = (6, 12, 18, 24, 36)
#: Most rescorings one call makes (two per ranged number, one per horizon).
MAX_RUNS = 5000
#: The robustness rule, as the table's ``.attrs["rule"]`` states it.
RULE = ("robust: a node with a positive score stays positive, and in (or out of) the top "
        "k, in every tornado and sweep run; a node scoring 0 scores 0 in every run")
#: Scores at most this count as 0.
ZERO = 1e-9

#: node fields drawn by the Monte Carlo (riskmodel.uncertainty), in this order
NODE_FIELDS = ("inventory_months", "capital.service_life_months", "substitutability",
               "lead_time_months", "value")
#: the columns of :func:`sensitivity`'s table
COLUMNS = ["node", "kind", "field", "where", "setting", "value", "base_value", "horizon",
           "choke_score", "rank", "change", "robust"]


def ranged_numbers(chain: Chain) -> pd.DataFrame:
    """Every ranged number of ``chain`` (those the Monte Carlo draws), one per row.

    Columns: ``field`` (``inventory_months``, ``supplier share`` ...), ``where`` (a
    node id, ``node/country`` for a share, ``from→to`` for an edge), ``node`` (the node
    whose equations hold it: an edge's ``to``), ``low``, ``base``, ``high``.

    Examples
    --------
    >>> import riskmodel as rm
    >>> r = ranged_numbers(rm.load("semiconductors"))
    >>> r.loc[(r["where"] == "photoresist"), ["field", "low", "base", "high"]].to_numpy()[0]
    array(['inventory_months', 2.0, 3.0, 6.0], dtype=object)
    """
    rows = _ranged(chain)
    return pd.DataFrame([{k: v for k, v in r.items() if k != "spot"} for r in rows],
                        columns=["field", "where", "node", "low", "base", "high"])


def _ranged(chain: Chain) -> list[dict[str, Any]]:
    """The ranged numbers with their places in the tables
    (:class:`~riskmodel.scoring.variants.Spot`)."""
    data = chain.to_data()
    out: list[dict[str, Any]] = []

    def take(df: pd.DataFrame, table: str, column: str, field: str, where: Any,
             node: Any, keep: Any = None) -> None:
        lo_col, hi_col = f"{column}.low", f"{column}.high"
        if column not in df or lo_col not in df or hi_col not in df or not len(df):
            return
        base = df[column].to_numpy(dtype=float)
        lo = df[lo_col].to_numpy(dtype=float)
        hi = df[hi_col].to_numpy(dtype=float)
        ok = ~np.isnan(base) & ~np.isnan(lo) & ~np.isnan(hi) & (hi > lo)
        if keep is not None:
            ok &= keep
        for i in np.flatnonzero(ok):
            out.append({"field": field, "where": str(where[i]), "node": str(node[i]),
                        "low": float(lo[i]), "base": float(base[i]), "high": float(hi[i]),
                        "spot": Spot(table, df.index[i], column)})

    nodes = data.nodes
    ids = nodes["id"].astype(str).to_numpy()
    for f in NODE_FIELDS:
        take(nodes, "nodes", f, f.removeprefix("capital."), ids, ids)
    for table, what in (("suppliers", "supplier share"), ("world_suppliers", "world share")):
        sups = getattr(data, table)
        if len(sups):
            where = (sups["node"].astype(str) + "/" + sups["country"].astype(str)).to_numpy()
            take(sups, table, "share", what, where, sups["node"].astype(str).to_numpy(),
                 (sups["country"] != "other").to_numpy())
    e = data.edges
    if len(e):
        where = (e["from"].astype(str) + "→" + e["to"].astype(str)).to_numpy()
        dst = e["to"].astype(str).to_numpy()
        take(e, "edges", "share", "cost share", where, dst)
        take(e, "edges", "covers", "covers", where, dst, e["group"].notna().to_numpy())
    return out


def relevant(chain: Chain, node: str, numbers: pd.DataFrame, *,
             held: bool = False) -> np.ndarray:
    """Which of ``numbers`` (from :func:`ranged_numbers`) can move ``node``'s choke
    score: those of its cone and the edges into it, and every end-use value; with
    restrictions in force (``held``), those upstream of the cone too (module docstring).

    Examples
    --------
    >>> import riskmodel as rm
    >>> semis = rm.load("semiconductors")
    >>> r = ranged_numbers(semis)
    >>> mask = relevant(semis, "memory_ics", r)
    >>> sorted(set(r.loc[mask & (r["field"] == "inventory_months"), "where"]))
    ['memory_ics']
    """
    c = chain.compiled
    scope = reaching(chain, node) if held else cone(chain, node)
    in_scope = set(c.ids[scope].astype(str))
    end_uses = set(c.ids[c.end_use].astype(str))
    is_value = (numbers["field"] == "value").to_numpy()
    at = numbers["node"].astype(str)
    return np.where(is_value, at.isin(end_uses).to_numpy(), at.isin(in_scope).to_numpy())


def cone(chain: Chain, node: str) -> np.ndarray:
    """Per node of ``chain.compiled``: in ``node``'s downstream cone (the node and every
    node downstream of it that reaches an end use), where its cut can reach.

    >>> import riskmodel as rm
    >>> bike = rm.load("bicycle")
    >>> [str(x) for x in bike.compiled.ids[cone(bike, "rubber")]]
    ['rubber', 'tyres', 'bike_assembly', 'ebike_assembly', 'bicycles', 'e_bikes']
    """
    c = chain.compiled
    adj = sparse.csr_matrix((np.ones(len(c.in_src)), (c.in_src, c.in_dst)), shape=(c.n, c.n))
    feeds = _reach(adj.T.tocsr(), np.flatnonzero(c.end_use))
    return _reach(adj, np.array([c.index.get_loc(node)])) & feeds


def reaching(chain: Chain, node: str) -> np.ndarray:
    """Per node of ``chain.compiled``: it reaches ``node``'s cone (:func:`cone`), so
    that its own cone meets it: the cone and everything upstream of it.

    >>> import riskmodel as rm
    >>> bike = rm.load("bicycle")
    >>> [str(x) for x in bike.compiled.ids[reaching(bike, "e_bikes")]][:6]
    ['steel', 'aluminium', 'rubber', 'frames', 'tyres', 'drivetrain']
    >>> bool(reaching(bike, "e_bikes")[bike.compiled.index.get_loc("bicycles")])
    False
    """
    c = chain.compiled
    mine = cone(chain, node)
    up = sparse.csr_matrix((np.ones(len(c.in_src)), (c.in_dst, c.in_src)), shape=(c.n, c.n))
    return _reach(up, np.flatnonzero(mine)) | mine


def _reach(adj: sparse.csr_matrix, sources: np.ndarray) -> np.ndarray:
    """Per node: reachable from any of ``sources`` along ``adj`` (sources included)."""
    n = adj.shape[0]
    out = np.zeros(n, dtype=bool)
    if not len(sources):
        return out
    # one search from a virtual node feeding every source
    extra = sparse.csr_matrix((np.ones(len(sources)), (np.zeros(len(sources), dtype=int),
                                                       sources)), shape=(1, n))
    big = sparse.bmat([[adj, None], [extra, None]], format="csr")
    big.resize((n + 1, n + 1))
    seen = csgraph.breadth_first_order(big, n, directed=True, return_predecessors=False)
    out[seen[seen < n]] = True
    return out


def sensitivity(chain: Chain, *, nodes: Sequence[str] | None = None, top: int = 5,
                horizon: int | None = None, horizons: Sequence[int] = HORIZONS,
                baseline: Any = None, scope: str = "relevant", max_runs: int = MAX_RUNS,
                client: Any = None, **options: Any) -> pd.DataFrame:
    """A tornado and a horizon sweep of the top choke points, with a robustness verdict.

    Parameters
    ----------
    chain : Chain
    nodes : list of str, optional
        The nodes to test (default: the ``top`` best ranked by :func:`score` among
        those with a supplier to cut).
    top : int
        How many top nodes to test, and the ``k`` of the robustness rule (:data:`RULE`).
    horizon, horizons : int, sequence of int
        The horizon of the tornado (default: :func:`score`'s), and the sweep's.
    baseline : None, False or list of Cut (or restrictions)
        The restrictions in force, as for :func:`score`.
    scope : ``"relevant"`` or ``"all"``
        Run the ranged numbers that can move a tested node's score (:func:`relevant`),
        or all.
    max_runs : int
        Most rescorings allowed (two per number run, one per horizon).
    client : None, dask.distributed.Client or concurrent.futures.Executor
        Where the tornado's runs go (:mod:`riskmodel.distributed`); the serial numbers.
    **options
        Further keyword arguments of :func:`score`.

    Returns
    -------
    DataFrame
        A row per tested node and run (:data:`COLUMNS`): ``kind`` ``base``, ``tornado``
        (``field`` at ``where`` set to its ``low`` or ``high``, ``value``, from
        ``base_value``) or ``horizon``; the node's ``choke_score`` and ``rank`` in the
        run, ``change`` from the base; ``robust``, whose reason is in
        ``.attrs["verdicts"]`` (the rule: ``.attrs["rule"]``).

    Raises
    ------
    NodeNotFoundError, ArgumentError
        For a node not in the chain; a bad argument, or more runs than ``max_runs``.

    Examples
    --------
    Ore half from Japan, with a month of stock (none to 100 months):

    >>> import networkx as nx, riskmodel as rm
    >>> g = nx.DiGraph()
    >>> g.add_node("ore", stage="upstream", suppliers={"JP": 0.5, "CN": 0.5},
    ...            inventory_months=1.0, provenance={"inventory_months": {
    ...                "value": 1.0, "low": 0.0, "high": 100.0}})
    >>> g.add_node("widget", stage="end_use", value=1.0)
    >>> g.add_edge("ore", "widget")
    >>> s = rm.sensitivity(rm.Chain(g, perspective={"home": "CN"}), top=1)
    >>> s.loc[s["kind"] == "tornado", ["setting", "value", "choke_score"]].to_numpy().tolist()
    [['low', 0.0, 0.5], ['high', 100.0, 0.0]]
    >>> print(s.attrs["verdicts"]["ore"])
    not robust: falls to 0 at inventory_months of ore high (100)
    """
    require_chain(chain, "sensitivity")
    _check_args(top, horizon, horizons, scope, max_runs, client)
    opts, base, h = _base(chain, horizon, baseline, options)
    tested = _tested(chain, base, nodes, top)
    numbers = _ranged(chain)
    wanted = _wanted(chain, tested, numbers, held=bool(base.attrs.get("baseline")),
                     scope=scope)
    run = wanted.any(axis=0)
    if (runs := 2 * int(run.sum()) + len(horizons)) > max_runs:
        raise ArgumentError(f"sensitivity of {len(tested)} node(s) needs {runs:,} "
                            f"rescorings, more than max_runs={max_runs:,}; test fewer nodes "
                            "(nodes=[...] or a smaller top) or raise max_runs")
    out = _rows(chain, numbers, wanted, tested, base, opts, h, horizons, client)
    verdicts, robust = _verdicts(out, tested, top)
    out["robust"] = out["node"].map(robust).astype(bool)
    out.attrs = {"chain": chain.name, "top": top, "horizon": h, "horizons": list(horizons),
                 "scope": scope, "ranged": len(numbers), "run": int(run.sum()),
                 "rule": RULE.replace("top k", f"top {top}"), "robust": robust,
                 "verdicts": verdicts, **{k: base.attrs.get(k) for k in (
                     "realised_loss", "baseline")}}
    return out


def _rows(chain: Chain, numbers: list[dict[str, Any]], wanted: np.ndarray,
          tested: list[str], base: pd.DataFrame, opts: dict[str, Any], h: int,
          horizons: Sequence[int], client: Any) -> pd.DataFrame:
    """The table's rows but ``robust``: the base, the tornado and the sweep, from the
    rescorings (:func:`~riskmodel.scoring.variants.rescore`)."""
    run = wanted.any(axis=0)
    picked = np.flatnonzero(run)
    scores, used, swept = rescore(chain, [numbers[i]["spot"] for i in picked for _ in range(2)],
                                  [numbers[i][x] for i in picked for x in ("low", "high")],
                                  opts, h, horizons, client=client)
    ids = pd.Index(chain.compiled.ids)
    return pd.DataFrame(_base_rows(base, tested, h)
                        + _tornado(numbers, run, wanted, tested, base, h, scores, used, ids)
                        + _sweep(tested, base, horizons, swept, ids), columns=COLUMNS[:-1])


def _wanted(chain: Chain, tested: list[str], numbers: list[dict[str, Any]], *, held: bool,
            scope: str) -> np.ndarray:
    """``(tested, numbers)``: which numbers each tested node's tornado runs."""
    if scope == "all" or not numbers:
        return np.ones((len(tested), len(numbers)), dtype=bool)
    table = pd.DataFrame({"field": [x["field"] for x in numbers],
                          "node": [x["node"] for x in numbers]})
    return np.array([relevant(chain, x, table, held=held) for x in tested])


def _base(chain: Chain, horizon: int | None, baseline: Any, options: dict[str, Any]
          ) -> tuple[dict[str, Any], pd.DataFrame, int]:
    """The options of every rescoring, the base scores and their horizon."""
    # the relief split (decompose) is not read: keep it to one node where score has it
    # (decompose=0 fails on chains with world shares: an engine call with no column)
    opts = {**({"decompose": 1} if "decompose" in inspect.signature(score).parameters
               else {}), **options, "baseline": baseline,
            **({} if horizon is None else {"horizon": horizon})}
    base = score(chain, **opts)
    return opts, base, int(base.attrs.get("horizon", horizon or 0))


def _check_args(top: Any, horizon: Any, horizons: Sequence[Any], scope: Any,
                max_runs: Any, client: Any) -> None:
    """Refuse bad arguments before any work, naming the fix."""
    from riskmodel.distributed import check_client

    check_client(client)
    def whole(name: str, v: Any, lo: int, hi: int | None = None) -> None:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo or (
                hi is not None and v > hi):
            rng = f"≥ {lo}" + (f" and ≤ {hi}" if hi is not None else "")
            raise ArgumentError(f"{name} must be a whole number {rng}, found {v!r}")

    whole("top", top, 1)
    whole("max_runs", max_runs, 1)
    if horizon is not None:
        whole("horizon", horizon, 1, MAX_MONTHS)
    for x in horizons:
        whole("each of horizons", x, 1, MAX_MONTHS)
    if scope not in ("relevant", "all"):
        raise ArgumentError(f"scope must be 'relevant' or 'all', found {scope!r}")


def _tested(chain: Chain, base: pd.DataFrame, nodes: Sequence[str] | None,
            top: int) -> list[str]:
    """The nodes to test: ``nodes`` (checked) or the ``top`` best ranked among those
    with a supplier to cut (a node without one scores 0 whatever the numbers)."""
    if nodes is None:
        ranked = base.sort_values("rank")
        cut = ranked["cut_country"].map(lambda x: isinstance(x, str)).to_numpy(bool)
        return [str(x) for x in ranked.index[cut][:top]]
    if isinstance(nodes, str):
        nodes = [nodes]
    from riskmodel.io.collect import suggest

    for x in nodes:
        if x not in base.index:
            hint = suggest(str(x), [str(i) for i in base.index])
            raise NodeNotFoundError(f"no node '{x}' in chain '{chain.name}'"
                                    + (f"; did you mean '{hint}'?" if hint else ""))
    return list(dict.fromkeys(str(x) for x in nodes))


def _base_rows(base: pd.DataFrame, tested: list[str], h: int) -> list[dict[str, Any]]:
    return [{"node": x, "kind": "base", "field": None, "where": None, "setting": "base",
             "value": np.nan, "base_value": np.nan, "horizon": h,
             "choke_score": float(base.loc[x, "choke_score"]),
             "rank": int(base.loc[x, "rank"]), "change": 0.0} for x in tested]


def _scores_of(base: pd.DataFrame, tested: list[str]) -> np.ndarray:
    """The base choke scores of ``tested`` (read once: a row of ``base`` copies its
    ``.attrs``)."""
    return base["choke_score"].reindex(tested).to_numpy(dtype=float)


def _ranks(scores: np.ndarray) -> np.ndarray:
    """Ranks as :func:`~riskmodel.scoring.score` gives them: nodes not scored exactly
    (NaN) after every node scored."""
    return competition_ranks(np.nan_to_num(scores, nan=-1.0))


def _tornado(numbers: list[dict[str, Any]], run: np.ndarray, wanted: np.ndarray,
             tested: list[str], base: pd.DataFrame, h: int, scores: np.ndarray,
             used: np.ndarray, ids: pd.Index) -> list[dict[str, Any]]:
    """The tornado's rows from the runs' scores (:func:`_runs`): each number at its low
    and its high; each tested node gets the rows of the numbers that can move it."""
    rows = []
    at = ids.get_indexer(tested)
    ranks = _ranks(scores)
    was = _scores_of(base, tested)
    for a, i in enumerate(np.repeat(np.flatnonzero(run), 2)):
        num, setting = numbers[i], ("low", "high")[a % 2]
        for t, x in enumerate(tested):
            if not wanted[t, i]:
                continue
            sc = float(scores[a, at[t]])
            rows.append({"node": x, "kind": "tornado", "field": num["field"],
                         "where": num["where"], "setting": setting,
                         "value": float(used[a]), "base_value": num["base"],
                         "horizon": h, "choke_score": sc, "rank": int(ranks[a, at[t]]),
                         "change": sc - was[t]})
    return rows


def _sweep(tested: list[str], base: pd.DataFrame, horizons: Sequence[int],
           scores: np.ndarray, ids: pd.Index) -> list[dict[str, Any]]:
    """The sweep's rows: the chain rescored at each horizon."""
    rows = []
    at = ids.get_indexer(tested)
    ranks = _ranks(scores)
    was = _scores_of(base, tested)
    for b, hh in enumerate(horizons):
        for t, x in enumerate(tested):
            sc = float(scores[b, at[t]])
            rows.append({"node": x, "kind": "horizon", "field": "horizon", "where": None,
                         "setting": str(int(hh)), "value": float(hh), "base_value": np.nan,
                         "horizon": int(hh), "choke_score": sc, "rank": int(ranks[b, at[t]]),
                         "change": sc - was[t]})
    return rows


def _verdicts(out: pd.DataFrame, tested: list[str], k: int
              ) -> tuple[dict[str, str], dict[str, bool]]:
    """Per tested node: the verdict of :data:`RULE` and its reason, in words."""
    verdicts, robust = {}, {}
    for x in tested:
        rows = out[out["node"] == x]
        b = rows[rows["kind"] == "base"].iloc[0]
        runs = rows[rows["kind"] != "base"]
        pos = runs["choke_score"].fillna(0.0).to_numpy() > ZERO
        if b["choke_score"] <= ZERO:
            bad = runs[pos]
            ok = bad.empty
            why = (f"scores 0 in {_all(len(runs))}" if ok else
                   f"scores 0 at the base but {bad['choke_score'].max():.1%} at "
                   f"{_run_name(bad.loc[bad['choke_score'].idxmax()])}")
        else:
            inside = b["rank"] <= k
            flip = runs[~pos | ((runs["rank"] <= k) != inside)]
            ok = flip.empty
            lo, hi = int(runs["rank"].min()) if len(runs) else b["rank"], \
                int(runs["rank"].max()) if len(runs) else b["rank"]
            if ok:
                ranks = f"rank {lo}" if lo == hi else f"ranks {lo}–{hi}"
                why = f"{ranks} in {_all(len(runs))}, always above 0"
            else:
                f = flip.iloc[0]
                what = ("falls to 0" if f["choke_score"] <= ZERO else
                        f"{'leaves' if inside else 'enters'} the top {k} (rank {int(f['rank'])})")
                why = f"{what} at {_run_name(f)}" + (
                    f", and in {len(flip) - 1} more run{'s' if len(flip) > 2 else ''}"
                    if len(flip) > 1 else "")
        robust[x] = bool(ok)
        verdicts[x] = ("robust: " if ok else "not robust: ") + why
    return verdicts, robust


def _all(n: int) -> str:
    """``all 5 runs``, ``the 1 run``, ``no run``."""
    return {0: "no run", 1: "the 1 run"}.get(n, f"all {n} runs")


def _run_name(r: pd.Series) -> str:
    """A run in words: ``inventory_months of memory_ics low (1)`` or ``horizon 36``."""
    if r["kind"] == "horizon":
        return f"horizon {r['setting']}"
    return f"{r['field']} of {r['where']} {r['setting']} ({r['value']:g})"


def swings(sens: pd.DataFrame, node: str) -> pd.DataFrame:
    """One row per number of ``node``'s tornado: the number (``field``, ``where``), its
    ``low`` and ``high``, the node's score and rank at each, and the ``swing``, the
    larger move of the score from its base; largest swing first (ties by name).

    Examples
    --------
    >>> import riskmodel as rm
    >>> s = rm.sensitivity(rm.load("semiconductors"), nodes=["photoresist"], horizons=(),
    ...                    baseline=False)  # unrestricted: fewer numbers can move it
    >>> w = swings(s, "photoresist")
    >>> w.loc[0, "field"], w.loc[0, "where"], round(float(w.loc[0, "swing"]), 3)
    ('supplier share', 'photoresist/JP', 0.126)
    """
    t = sens[(sens["node"] == node) & (sens["kind"] == "tornado")]
    cols = ["field", "where", "low", "high", "score_low", "score_high", "rank_low",
            "rank_high", "swing"]
    if t.empty:
        return pd.DataFrame(columns=cols)
    base = float(sens.loc[(sens["node"] == node) & (sens["kind"] == "base"),
                          "choke_score"].iloc[0])
    wide = t.pivot_table(index=["field", "where"], columns="setting",
                         values=["value", "choke_score", "rank"], aggfunc="first")
    out = pd.DataFrame({
        "field": [f for f, _ in wide.index], "where": [w for _, w in wide.index],
        "low": wide[("value", "low")].to_numpy(), "high": wide[("value", "high")].to_numpy(),
        "score_low": wide[("choke_score", "low")].to_numpy(),
        "score_high": wide[("choke_score", "high")].to_numpy(),
        "rank_low": wide[("rank", "low")].astype(int).to_numpy(),
        "rank_high": wide[("rank", "high")].astype(int).to_numpy()})
    out["swing"] = np.maximum(np.abs(out["score_low"] - base), np.abs(out["score_high"] - base))
    return out.sort_values(["swing", "field", "where"], ascending=[False, True, True],
                           kind="stable").reset_index(drop=True)[cols]


def sensitivity_rows(sens: pd.DataFrame, *, swings_shown: int = 3,
                     uncertainty: pd.DataFrame | None = None) -> list[dict[str, Any]]:
    """The table of :func:`sensitivity` as report-ready rows, one per tested node: its
    base score and rank, its rank range over every run, the ``swings_shown`` numbers
    that move its score most (with the score at their low and high; :func:`swings`),
    the sweep's scores, and the verdict.

    With ``uncertainty`` (the table of :func:`~riskmodel.scoring.score_uncertainty`),
    each row also gets ``p_top`` and the Monte Carlo rank interval, and
    ``robust_overall``: robust here and, for a node with a positive score in the top
    ``k``, in the top ``k`` in at least 80% of the draws (the rule of
    ``score_uncertainty``; a node at 0 needs none).

    Examples
    --------
    >>> import riskmodel as rm
    >>> rows = sensitivity_rows(rm.sensitivity(rm.load("bicycle"), top=1))
    >>> rows[0]["node"], rows[0]["robust"], rows[0]["verdict"]
    ('drivetrain', False, 'not robust: leaves the top 1 (rank 4) at horizon 6')
    """
    out = []
    k = int(sens.attrs.get("top", 5))
    for x, rows in sens.groupby("node", sort=False):
        b = rows[rows["kind"] == "base"].iloc[0]
        top = [{"field": r["field"], "where": r["where"], "low": float(r["score_low"]),
                "high": float(r["score_high"])}
               for _, r in swings(sens, str(x)).head(swings_shown).iterrows()
               if r["swing"] > ZERO]
        sweep = rows[rows["kind"] == "horizon"]
        row = {"node": x, "score": float(b["choke_score"]), "rank": int(b["rank"]),
               "rank_range": (int(rows["rank"].min()), int(rows["rank"].max())),
               "swings": top,
               "sweep": {int(r["horizon"]): float(r["choke_score"])
                         for _, r in sweep.iterrows()},
               "robust": bool(b["robust"]),
               "verdict": sens.attrs.get("verdicts", {}).get(x, "")}
        if uncertainty is not None and x in uncertainty.index:
            u = uncertainty.loc[x]
            needs = b["choke_score"] > ZERO and b["rank"] <= k
            row.update(p_top=float(u["p_top"]),
                       mc_rank=(float(u["rank_p5"]), float(u["rank_p95"])),
                       robust_overall=row["robust"] and (not needs or u["p_top"] >= 0.8))
        out.append(row)
    return out
