"""The computation behind a report: every table, text and figure input, as data.

:func:`collect` scores the chain, plays its scenarios, searches cut sets, draws the
Monte Carlo uncertainty and reads the data's provenance, then arranges the results
into a :class:`~riskmodel.reporting.data.ReportData` (:func:`riskmodel.reporting.data.build`).
The method section records the settings and the chain's files with their SHA-256
(:func:`chain_files`, :func:`sha256_file`), and the time of the report when asked
(:func:`report_time`, :func:`stamp`).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from riskmodel._version import __version__
from riskmodel.reporting.reader import finish

if TYPE_CHECKING:  # heavy modules load on use, so that ``riskmodel --help`` stays instant
    import pandas as pd

    from riskmodel.model import Chain
    from riskmodel.reporting.data import ReportData

__all__ = ["CUTSET_COUNTRIES", "CUTSET_TARGETS", "DEFAULT_DRAWS", "chain_files", "collect",
           "report_time", "sha256_file", "stamp"]

DEFAULT_DRAWS = 100
#: Bounds on the cut-set search: candidate countries (those with the most immediate
#: leverage) and end-use targets (the largest by value).
CUTSET_COUNTRIES = 12
CUTSET_TARGETS = 12


def sha256_file(path: Path) -> str | None:
    """The SHA-256 of a chain file, read in blocks; for a bundle folder, of its own files
    (``chain.yaml`` and the CSV tables, each preceded by its name), not of everything else
    in the folder. ``None`` for what is not a regular file or folder (a pipe)."""
    from riskmodel.io.document import BUNDLE_HEADER, BUNDLE_TABLES

    h = hashlib.sha256()
    if path.is_dir():
        names = [BUNDLE_HEADER, *(f"{t}.csv" for t in BUNDLE_TABLES)]
        members = [(n, path / n) for n in names if (path / n).is_file()]
    elif stat.S_ISREG(path.stat().st_mode):
        members = [("", path)]
    else:
        return None
    for name, p in members:
        if name:
            h.update(name.encode() + b"\0")
        with open(p, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def chain_files(chain: Chain) -> list[Path]:
    """The files a chain was read from: its file, or a combined view's file plus the
    files of its member chains."""
    from riskmodel.io.document import resolve_path

    if chain.path:  # read from a file (not standard input)
        return [Path(chain.path)] if Path(chain.path).exists() else []
    path = chain.to_data().path
    if not path or not Path(path).exists():
        return []
    files = [Path(path)]
    try:
        import yaml

        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        for name in (doc or {}).get("chains", []) if isinstance(doc, dict) else []:
            member = resolve_path(str(name))
            if member is not None:
                files.append(Path(member))
    except (OSError, ValueError, TypeError, AttributeError):
        pass
    return files


def _data_hash(chain: Chain) -> str:
    """The SHA-256 of the chain's data as read (its dict form, as sorted JSON)."""
    text = json.dumps(chain.to_dict(), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _pick_scenarios(chain: Chain, scenarios: Iterable[Any] | None) -> list[Any]:
    """The scenarios to play, resolved against the chain (see :func:`collect`)."""
    from riskmodel.scenario import Scenario, resolve

    if scenarios is None:
        picked = [Scenario.from_dict(d) for d in chain.scenarios]
    else:
        picked = []
        for s in scenarios:
            if isinstance(s, Scenario):
                picked.append(s)
            elif isinstance(s, Mapping):
                picked.append(Scenario.from_dict(s))
            elif str(s) == "all":
                picked += [Scenario.from_dict(d) for d in chain.scenarios]
            else:
                picked.append(Scenario.from_chain(chain, str(s)))
    return [resolve(chain, s) for s in picked]


def _cutsets(chain: Chain, lev: pd.DataFrame, progress: Callable[[], None],
             client: Any = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Minimal cut sets of the countries with the most leverage, for all end use and the
    largest end-use targets; the table and the search's settings."""
    import numpy as np
    import pandas as pd

    from riskmodel.coalitions import cutsets

    c = chain.compiled
    ranked = lev.sort_values(["immediate", "leverage"], ascending=False, kind="stable")
    cands = sorted(str(x) for x in ranked.index[:CUTSET_COUNTRIES])
    end = np.flatnonzero(c.end_use)
    values = np.nan_to_num(np.asarray(c.value, dtype=float)[end], nan=0.0)
    order = end[np.argsort(-values, kind="stable")]
    targets: list[str | None] = [None, *[str(c.ids[j]) for j in order[:CUTSET_TARGETS]]]
    frames = []
    evaluated = 0
    stopped: dict[str, float] = {}  # targets the restrictions in force alone stop
    for t in targets:
        cs = (cutsets(chain, target=t, max_size=3, countries=cands, client=client) if cands
              else pd.DataFrame(columns=["size", "countries", "availability"]))
        evaluated += int(cs.attrs.get("evaluated", 0))
        if cs.attrs.get("note"):
            stopped[t or "all end use"] = float(cs.attrs["realised_availability"])
        frames.append(cs.assign(target=t or "all end use"))
        progress()
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    table = table[["target", "size", "countries", "availability"]]
    table["countries"] = [tuple(x) for x in table["countries"]]
    settings = {"max_size": 3, "threshold": 0.05, "mode": "immediate",
                "candidates": cands, "candidates_dropped": max(0, len(lev) - len(cands)),
                "targets": [t or "all end use" for t in targets],
                "targets_dropped": max(0, len(end) - CUTSET_TARGETS), "evaluated": evaluated,
                "stopped_by_baseline": stopped}
    return table, settings


def _settings(chain: Chain, scores: pd.DataFrame, picked: list[Any],
              cs_settings: dict[str, Any]) -> dict[str, Any]:
    """The method section's settings: the version, the chain and its files, the score's
    settings, the scenarios played and the cut-set search."""
    c = chain.compiled
    files = chain_files(chain)
    return {
        "riskmodel_version": __version__, "chain": chain.name, "title": chain.title,
        "perspective": chain.perspective, "nodes": c.n, "edges": int(c.m),
        "chain_files": [{"file": f.name, "sha256": sha256_file(f)} for f in files
                        if f.exists() and sha256_file(f) is not None],
        "chain_data_sha256": _data_hash(chain),
        "horizon_months": int(scores.attrs.get("horizon", 12)), "threshold": 0.05,
        "choke_score_exact": scores.attrs.get("exact"),
        "betweenness": scores.attrs.get("betweenness"),
        "scenarios": [s.name for s in picked], "cutsets": cs_settings}


def _mc_settings(draws: int, seed: int, prov: Any, unc: Any) -> dict[str, Any]:
    """What the report records of its Monte Carlo: draws, seed, ranged values, the top
    tested, and which nodes were drawn when not all were."""
    ranged = int(prov["low"].notna().sum()) if len(prov) else 0
    return ({"draws": draws, "seed": seed, "ranged_values": ranged,
             "top": unc.attrs.get("top", 5)}
            | ({"drawn": unc.attrs["drawn"]} if "drawn" in unc.columns else {}))


def collect(chain: Chain, *, scenarios: Iterable[Any] | None = None, mc: int | None = None,
            seed: int = 0, progress: Callable[[], None] | None = None, baseline: Any = None,
            target: Any = None, client: Any = None, sensitivity: int | None = None) -> ReportData:
    """Compute every table, text and figure input of the report (no rendering).

    Parameters
    ----------
    chain : Chain
    scenarios : iterable, optional
        Scenario names (or ``"all"``), :class:`~riskmodel.Scenario` objects or scenario
        mappings; default: all of the chain's standard scenarios.
    mc : int, optional
        Monte Carlo draws for the uncertainty section (default 100).
    seed : int
        Seed of the draws (recorded in the report).
    progress : callable, optional
        Called once per step (8 steps and one per cut-set target), for a progress bar.
    baseline : None, False or list of Restriction
        The restrictions in force the report takes (docs/model.md §1.5): None, the
        chain's own; False, none (the unrestricted report); or a list of
        :class:`~riskmodel.Restriction`. With any, the report gains the section
        "Restrictions in force" and every other figure is marginal on top of them.
    target : str or list, optional
        Targets the section "Targets" scores after the chain's declared ones
        (:func:`riskmodel.reporting.targets.report_targets`; none at all: no section).
    client : dask.distributed.Client or concurrent.futures.Executor, optional
        Runs the draws and the cut-set search as its tasks (the same numbers).
    sensitivity : int, optional
        Top choke points the section "Sensitivity" tests (tornado, horizon sweep): 3; 0 none.

    Examples
    --------
    >>> import riskmodel as rm
    >>> data = collect(rm.load("bicycle"), mc=10, sensitivity=1)
    >>> [s.title for s in data.sections][-4:]
    ['Sensitivity', 'Data provenance', 'Method and settings', 'Glossary']
    >>> data.sections[2].tables[0].frame.index[0]
    'drivetrain'
    """
    from riskmodel.provenance import provenance
    from riskmodel.realised import describe
    from riskmodel.reporting.data import Computed, build
    from riskmodel.reporting.held import add_held, chain_as_read, held_info
    from riskmodel.reporting.targets import add_targets, report_targets, target_scores
    from riskmodel.scoring import explain, leverage, policy_alignment, score, score_uncertainty
    from riskmodel.simulation import simulate

    tick = progress or (lambda: None)
    draws = int(mc) if mc else DEFAULT_DRAWS
    work = chain_as_read(chain, baseline)  # every call below reads the same restrictions
    held = held_info(chain, False) if baseline is False else held_info(work)
    picked = _pick_scenarios(work, scenarios)
    scores = score(work)
    tick()
    targeted = target_scores(work, report_targets(work, target),
                             horizon=int(scores.attrs.get("horizon", 12)))
    lev = leverage(work)
    tick()
    cs, cs_settings = _cutsets(work, lev, tick, client)
    results = [simulate(work, s) for s in picked]
    tick()
    pa = policy_alignment(work, scores)
    tick()
    unc = score_uncertainty(work, draws=draws, seed=seed, scores=scores, client=client)
    tick()
    prov = provenance(chain)
    tick()
    settings = _settings(chain, scores, picked, cs_settings) | {
        "monte_carlo": _mc_settings(draws, seed, prov, unc),
        "targets": {t.name: list(t.nodes) for t, _ in targeted},
        "baseline": {"restrictions": describe(held.given), "realised_loss": held.together,
                     "ignored": held.ignored}}
    data = build(computed := Computed(chain, scores, lev, cs, cs_settings, results, pa, unc,
                                      prov, settings, held), explain)
    add_held(data, held)
    add_targets(data, targeted, scores)
    finish(data, computed, work, sensitivity, tick)  # sensitivity, caveats, glossary
    return data


# ---------------------------------------------------------------------------
# rendering
# ---------------------------------------------------------------------------


def report_time() -> str:
    """The time a report records when asked: ``SOURCE_DATE_EPOCH`` if set, else now.

    >>> import os
    >>> os.environ["SOURCE_DATE_EPOCH"] = "0"
    >>> report_time()
    '1970-01-01 00:00 UTC'
    >>> del os.environ["SOURCE_DATE_EPOCH"]
    """
    from datetime import UTC, datetime

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None:
        when = datetime.now(UTC)
    else:
        try:
            when = datetime.fromtimestamp(int(epoch), UTC)
        except (ValueError, OverflowError, OSError):
            raise ValueError(f"SOURCE_DATE_EPOCH={epoch!r} is not a time; set it to whole "
                             "seconds since 1970-01-01 UTC, or unset it") from None
    return when.strftime("%Y-%m-%d %H:%M UTC")


def stamp(data: ReportData, when: str) -> None:
    """Record the time the report was made in its method section's settings table."""
    import pandas as pd

    for section in data.sections:
        for table in section.tables if section.id == "method" else []:
            if table.name == "settings":
                row = pd.DataFrame([("report generated", when)], columns=table.frame.columns)
                table.frame = pd.concat([table.frame, row], ignore_index=True)

