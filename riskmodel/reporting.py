"""Choke-point reports: one command, ten sections, three formats.

:func:`report` scores a chain and writes a report an analyst can hand on: one
self-contained HTML file (figures embedded, no network requests), Markdown with its
figures beside it as PNG files, and a JSON file of every table (for machines and for
diffing). The sections:

1. summary, 2. chain diagram, 3. choke points, 4. country leverage, 5. minimum cut
sets, 6. standard scenarios, 7. policy alignment, 8. uncertainty, 9. data
provenance, 10. method and settings.

Detection returns data, renderers format it: :func:`collect` computes a
:class:`ReportData` (tables as DataFrames, text as plain strings, figures as
references to :mod:`riskmodel.plot` functions and their inputs); one renderer per
format turns it into text (``_report_html``, ``_report_md`` and :func:`render_json`).
Every string taken from a chain file is escaped by the renderers.

The report is written into a temporary folder beside ``out`` and moved into place only
when complete; ``out`` must be empty, missing, or an earlier report (marked by a
``.riskmodel-report`` file), unless ``force=True``.

Examples
--------
>>> import json, tempfile, pathlib
>>> import riskmodel as rm
>>> out = pathlib.Path(tempfile.mkdtemp()) / "bike"
>>> paths = rm.report("bicycle", out, formats=("json",), mc=10)
>>> sorted(paths)
['dir', 'json']
>>> doc = json.loads(paths["json"].read_text(encoding="utf-8"))
>>> [s["title"] for s in doc["sections"]][:3]
['Summary', 'Chain diagram', 'Choke points']
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:  # heavy modules load on use, so that ``riskmodel --help`` stays instant
    import pandas as pd

    from ._report_data import ReportData
    from .model import Chain

__all__ = ["FORMATS", "REPORT_MARKER", "add_report_parser", "cli_report",
           "collect", "render_json", "report", "safe_name"]

FORMATS = ("html", "md", "json")
REPORT_MARKER = ".riskmodel-report"
REPORT_SCHEMA = "riskmodel/report@1"
DEFAULT_DRAWS = 100
#: Bounds on the cut-set search: candidate countries (those with the most immediate
#: leverage) and end-use targets (the largest by value).
CUTSET_COUNTRIES = 12
CUTSET_TARGETS = 12


# ---------------------------------------------------------------------------
# computation
# ---------------------------------------------------------------------------

def safe_name(name: str) -> str:
    """A file-name-safe form of a chain name.

    >>> safe_name("../../etc/passwd"), safe_name("Robots: CN/JP"), safe_name("...")
    ('etc_passwd', 'Robots_CN_JP', 'chain')
    """
    s = re.sub(r"[^A-Za-z0-9_-]+", "_", str(name)).strip("_-.")
    return s[:64] or "chain"


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    if path.is_dir():
        for p in sorted(x for x in path.rglob("*") if x.is_file()):
            h.update(p.relative_to(path).as_posix().encode() + b"\0")
            h.update(p.read_bytes())
    else:
        h.update(path.read_bytes())
    return h.hexdigest()


def chain_files(chain: Chain) -> list[Path]:
    """The files a chain was read from: its file, or a combined view's file plus the
    files of its member chains."""
    from .io import resolve_path

    if chain.path:
        return [Path(chain.path)]
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
    text = json.dumps(chain.to_dict(), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _pick_scenarios(chain: Chain, scenarios: Iterable[Any] | None) -> list[Any]:
    from .scenario import Scenario, resolve

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


def _cutsets(chain: Chain, lev: pd.DataFrame, progress: Callable[[], None]
             ) -> tuple[pd.DataFrame, dict[str, Any]]:
    import numpy as np
    import pandas as pd

    from .coalitions import cutsets

    c = chain.compiled
    ranked = lev.sort_values(["immediate", "leverage"], ascending=False, kind="stable")
    cands = sorted(str(x) for x in ranked.index[:CUTSET_COUNTRIES])
    end = np.flatnonzero(c.end_use)
    values = np.nan_to_num(np.asarray(c.value, dtype=float)[end], nan=0.0)
    order = end[np.argsort(-values, kind="stable")]
    targets: list[str | None] = [None, *[str(c.ids[j]) for j in order[:CUTSET_TARGETS]]]
    frames = []
    evaluated = 0
    for t in targets:
        cs = cutsets(chain, target=t, max_size=3, countries=cands) if cands else \
            pd.DataFrame(columns=["size", "countries", "availability"])
        evaluated += int(cs.attrs.get("evaluated", 0))
        frames.append(cs.assign(target=t or "all end use"))
        progress()
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    table = table[["target", "size", "countries", "availability"]]
    table["countries"] = [tuple(x) for x in table["countries"]]
    settings = {"max_size": 3, "threshold": 0.05, "mode": "immediate",
                "candidates": cands, "candidates_dropped": max(0, len(lev) - len(cands)),
                "targets": [t or "all end use" for t in targets],
                "targets_dropped": max(0, len(end) - CUTSET_TARGETS), "evaluated": evaluated}
    return table, settings


def collect(chain: Chain, *, scenarios: Iterable[Any] | None = None, mc: int | None = None,
            seed: int = 0, progress: Callable[[], None] | None = None) -> ReportData:
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
        Called once per step (17 steps and one per cut-set target), for a progress bar.

    Examples
    --------
    >>> import riskmodel as rm
    >>> data = collect(rm.load("bicycle"), mc=10)
    >>> [s.title for s in data.sections][-2:]
    ['Data provenance', 'Method and settings']
    >>> data.sections[2].tables[0].frame.index[0]
    'drivetrain'
    """
    from ._report_data import Computed, build
    from .provenance import provenance
    from .scoring import explain, leverage, policy_alignment, score, score_uncertainty
    from .simulation import simulate

    tick = progress or (lambda: None)
    draws = int(mc) if mc else DEFAULT_DRAWS
    picked = _pick_scenarios(chain, scenarios)
    scores = score(chain)
    tick()
    lev = leverage(chain)
    tick()
    cs, cs_settings = _cutsets(chain, lev, tick)
    results = [simulate(chain, s) for s in picked]
    tick()
    pa = policy_alignment(chain, scores)
    tick()
    unc = score_uncertainty(chain, draws=draws, seed=seed, scores=scores)
    tick()
    prov = provenance(chain)
    tick()
    c = chain.compiled
    ranged = int(prov["low"].notna().sum()) if len(prov) else 0
    files = chain_files(chain)
    settings: dict[str, Any] = {
        "riskmodel_version": __version__, "chain": chain.name, "title": chain.title,
        "perspective": chain.perspective, "nodes": c.n, "edges": int(c.m),
        "chain_files": [{"file": f.name, "sha256": _sha256_file(f)} for f in files
                        if f.exists()],
        "chain_data_sha256": _data_hash(chain),
        "horizon_months": int(scores.attrs.get("horizon", 12)), "threshold": 0.05,
        "choke_score_exact": scores.attrs.get("exact"),
        "betweenness": scores.attrs.get("betweenness"),
        "scenarios": [s.name for s in picked],
        "monte_carlo": {"draws": draws, "seed": seed, "ranged_values": ranged,
                        "top": unc.attrs.get("top", 5)},
        "cutsets": cs_settings,
    }
    data = build(Computed(chain, scores, lev, cs, cs_settings, results, pa, unc, prov,
                          settings), explain)
    tick()
    return data


# ---------------------------------------------------------------------------
# rendering
# ---------------------------------------------------------------------------

def render_json(data: ReportData) -> str:
    """The report's tables and texts as JSON (no timestamps, so reports diff cleanly)."""
    from ._render import to_jsonable

    sections = []
    for i, s in enumerate(data.sections, 1):
        sections.append({
            "number": i, "id": s.id, "title": s.title, "paragraphs": s.paragraphs,
            "bullets": s.bullets, "figures": [f.name for f in s.figures],
            "tables": {t.name: to_jsonable(t.frame) if t.index else
                       [to_jsonable(r) for r in t.frame.to_dict("records")] for t in s.tables},
        })
    doc = {"schema": REPORT_SCHEMA, "riskmodel_version": __version__, "chain": data.chain,
           "title": data.title, "settings": data.settings, "sections": sections}
    return json.dumps(to_jsonable(doc), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def render_figures(data: ReportData) -> dict[str, bytes]:
    """Every figure of the report as PNG bytes (drawn by :mod:`riskmodel.plot`)."""
    import warnings

    from . import plot

    out = {}
    for s in data.sections:
        for f in s.figures:
            with warnings.catch_warnings():
                # a label in a script the font lacks is drawn as boxes; not an error here
                warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from")
                warnings.filterwarnings("ignore", message=r"Matplotlib currently does not "
                                        "support")
                out[f.name] = plot.to_png(getattr(plot, f.func), *f.args, **f.kwargs)
    return out


# ---------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------

def _is_report(path: Path) -> bool:
    return (path / REPORT_MARKER).is_file()


def _check_target(out: Path, force: bool) -> None:
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise FileExistsError(f"{out} exists and is not a folder; choose another --out")
    if out.is_dir() and any(out.iterdir()) and not _is_report(out) and not force:
        raise FileExistsError(f"{out} is not empty and is not a riskmodel report; choose "
                              "another --out, or pass --force to replace it")


def _formats(formats: str | Iterable[str]) -> tuple[str, ...]:
    items = [formats] if isinstance(formats, str) else list(formats)
    out: list[str] = []
    for f in items:
        for x in (FORMATS if f == "all" else (f,)):
            if x not in FORMATS:
                raise ValueError(f"unknown report format {x!r}; valid formats: "
                                 f"{', '.join(FORMATS)}, all")
            if x not in out:
                out.append(x)
    if not out:
        raise ValueError(f"no report format given; valid formats: {', '.join(FORMATS)}, all")
    return tuple(out)


def _write_files(tmp: Path, data: ReportData, formats: tuple[str, ...], stem: str
                 ) -> dict[str, Path]:
    from datetime import UTC, datetime

    from ._report_html import render_html
    from ._report_md import render_md

    data.generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    written: dict[str, Path] = {}
    pngs = render_figures(data) if ("html" in formats or "md" in formats) else {}
    if "json" in formats:
        (tmp / f"{stem}.json").write_text(render_json(data), encoding="utf-8")
        written["json"] = Path(f"{stem}.json")
    if "md" in formats:
        figdir = tmp / "figures"
        figdir.mkdir()
        paths = {}
        for name, png in pngs.items():
            (figdir / f"{name}.png").write_bytes(png)
            paths[name] = f"figures/{name}.png"
        (tmp / f"{stem}.md").write_text(render_md(data, paths), encoding="utf-8")
        written["md"] = Path(f"{stem}.md")
    if "html" in formats:
        (tmp / f"{stem}.html").write_text(render_html(data, pngs), encoding="utf-8")
        written["html"] = Path(f"{stem}.html")
    (tmp / REPORT_MARKER).write_text(json.dumps(
        {"report": REPORT_SCHEMA, "riskmodel_version": __version__, "chain": data.chain,
         "files": sorted(str(p) for p in written.values())}, indent=2) + "\n",
        encoding="utf-8")
    return written


def _move_into_place(tmp: Path, out: Path) -> None:
    if not out.exists():
        tmp.rename(out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    old.rmdir()
    out.rename(old)
    try:
        tmp.rename(out)
    except BaseException:
        old.rename(out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def report(chain_or_name: Chain | str | os.PathLike[str], out: str | os.PathLike[str] | None
           = None, *, formats: str | Sequence[str] = ("html", "md", "json"),
           scenarios: Iterable[Any] | None = None, mc: int | None = None, seed: int = 0,
           force: bool = False) -> dict[str, Path]:
    """Write a choke-point report of a chain; return the paths written.

    Parameters
    ----------
    chain_or_name : Chain, str or path
        A chain, a built-in chain name, or a chain file.
    out : path, optional
        The report folder (default ``./report_<chain name>``). It must be missing,
        empty, or an earlier report; ``force=True`` replaces anything.
    formats : sequence of ``"html"``, ``"md"``, ``"json"`` (or ``"all"``)
    scenarios : iterable, optional
        Standard scenario names (default: all of the chain's), Scenario objects or
        scenario mappings.
    mc : int, optional
        Monte Carlo draws for the uncertainty section (default 100).
    seed : int
        Seed of those draws, recorded in the report.
    force : bool
        Replace ``out`` even if it is a non-empty folder that is not a report.

    Returns
    -------
    dict of str to Path
        ``dir`` (the folder) and one entry per format written.

    Raises
    ------
    FileExistsError
        ``out`` is a file, or a non-empty folder that is not a report (without ``force``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import riskmodel as rm
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "robots"
    >>> paths = rm.report("industrial_robots", out, formats="md", mc=10)
    >>> paths["md"].name, sorted(p.name for p in (out / "figures").iterdir())[:2]
    ('industrial_robots.md', ['chain_diagram.png', 'choke_factors.png'])
    >>> rm.report("bicycle", out, formats="json", mc=10)["json"].name  # replaces a report
    'bicycle.json'
    """
    from ._progress import Progress
    from .model import Chain, load

    fmts = _formats(formats)
    chain = chain_or_name if isinstance(chain_or_name, Chain) else load(chain_or_name)
    stem = safe_name(chain.name)
    target = Path(out) if out is not None else Path.cwd() / f"report_{stem}"
    target = Path(os.path.abspath(target))
    _check_target(target, force)
    steps = 8 + CUTSET_TARGETS + 1
    with Progress(steps, "report") as bar:
        data = collect(chain, scenarios=scenarios, mc=mc, seed=seed,
                       progress=lambda: bar.update(1))
        _check_target(target, force)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
        try:
            umask = os.umask(0)
            os.umask(umask)
            tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; a report folder is not
            written = _write_files(tmp, data, fmts, stem)
            _check_target(target, force)
            _move_into_place(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        bar.update(steps)
    return {"dir": target, **{k: target / v for k, v in written.items()}}


# ---------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------

def add_report_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``report`` command to an ``add_subparsers()`` object; return its parser.

    >>> p = argparse.ArgumentParser(prog="riskmodel")
    >>> sp = add_report_parser(p.add_subparsers())
    >>> args = p.parse_args(["report", "bicycle", "--format", "md", "--mc", "50"])
    >>> args.chain, args.format, args.mc, args.func is cli_report
    ('bicycle', ['md'], 50, True)
    """
    from ._args import positive_int

    help_ = ("Write a choke-point report: one self-contained HTML file, Markdown with its "
             "figures, and JSON tables.")
    sp = subparsers.add_parser("report", help=help_, description=help_)
    sp.add_argument("chain", metavar="CHAIN_OR_FILE", help="built-in chain name or chain file")
    sp.add_argument("--out", metavar="DIR",
                    help="report folder (default ./report_<chain name>); must be new, empty "
                         "or an earlier report")
    sp.add_argument("--format", action="append", choices=(*FORMATS, "all"),
                    help="html, md, json or all (default all); repeatable")
    sp.add_argument("--scenario", action="extend", nargs="+", metavar="NAME",
                    help="standard scenarios to play (default: all of the chain's)")
    sp.add_argument("--mc", type=positive_int, default=None, metavar="N",
                    help=f"Monte Carlo draws for the uncertainty section "
                         f"(default {DEFAULT_DRAWS})")
    sp.add_argument("--seed", type=int, default=0, help="seed of the draws (default 0)")
    sp.add_argument("--force", action="store_true",
                    help="replace --out even if it is a non-empty folder that is not a report")
    sp.set_defaults(func=cli_report)
    return sp


def cli_report(args: argparse.Namespace) -> int:
    """Run ``riskmodel report``: write the report, print the written paths; return the
    exit code (1 when the output folder is refused)."""
    try:
        paths = report(args.chain, args.out, formats=args.format or ("all",),
                       scenarios=args.scenario, mc=args.mc, seed=args.seed, force=args.force)
    except (FileExistsError, NotADirectoryError, PermissionError) as e:
        print(f"riskmodel: error: {e}", file=sys.stderr)
        return 1
    for key in FORMATS:
        if key in paths:
            print(paths[key])
    return 0
