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

Writing follows :mod:`riskmodel._write`. A new report folder is built as a temporary
sibling and renamed into place when complete. An existing ``out`` must be empty or an
earlier report (marked by a ``.riskmodel-report`` file listing the files it wrote);
then only the report's own files are replaced, each atomically, and the earlier
report's files this one no longer writes are removed: files a user added stay. A
non-empty folder that is not a report is refused unless ``force=True``, and even then
only the report's own files are added or replaced. The chain's own file or folder is
never written.

Reports are reproducible: two runs with the same inputs give byte-identical files. The
time is written (in the method section) only when asked with ``timestamp=True``, and
is then ``SOURCE_DATE_EPOCH`` when that is set.

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

import hashlib
import json
import os
import re
import stat
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from riskmodel._errors import OutputExistsError
from riskmodel._version import __version__

if TYPE_CHECKING:  # heavy modules load on use, so that ``riskmodel --help`` stays instant
    import pandas as pd

    from riskmodel.model import Chain
    from riskmodel.reporting.data import ReportData

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


def _sha256_file(path: Path) -> str | None:
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


def _cutsets(chain: Chain, lev: pd.DataFrame, progress: Callable[[], None]
             ) -> tuple[pd.DataFrame, dict[str, Any]]:
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
    from riskmodel.provenance import provenance
    from riskmodel.reporting.data import Computed, build
    from riskmodel.scoring import explain, leverage, policy_alignment, score, score_uncertainty
    from riskmodel.simulation import simulate

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
                        if f.exists() and _sha256_file(f) is not None],
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
    from riskmodel.io.render import to_jsonable

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

    from riskmodel import plot

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

def _previous_files(path: Path) -> list[str] | None:
    """The files an earlier report in ``path`` wrote (from its marker); ``None`` when
    ``path`` is not a report folder. A marker that cannot be read lists nothing."""
    marker = path / REPORT_MARKER
    try:
        st = marker.lstat()
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    try:
        files = json.loads(marker.read_text(encoding="utf-8"))["files"] \
            if st.st_size < 1 << 20 else []
    except (OSError, ValueError, KeyError, TypeError):
        files = []
    ok = []
    for f in files if isinstance(files, list) else []:
        parts = f.split("/") if isinstance(f, str) else [""]
        if all(p not in ("", ".", "..") for p in parts) and f != REPORT_MARKER:
            ok.append(f)
    return ok


def _report_folder(target: Path, force: bool) -> list[str] | None:
    """Check that ``target`` may take a report; return the earlier report's files."""
    real = Path(os.path.realpath(target))
    previous = _previous_files(real) if real.is_dir() else None
    if (previous is None and not force and not target.is_symlink() and real.is_dir()
            and any(real.iterdir())):
        raise OutputExistsError(
            f"{target} is not empty and is not a riskmodel report; choose another --out, "
            "or pass --force to add the report's files to it (nothing else in the folder "
            "is touched)")
    return previous


def _inputs(chain: Chain) -> list[str]:
    """The chain's own files and folder: a report never writes over them."""
    out = [str(f) for f in chain_files(chain)]
    if chain.path:
        out.append(str(chain.path))
    return out


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


def _stamp(data: ReportData, when: str) -> None:
    """Record the time the report was made in its method section's settings table."""
    import pandas as pd

    for section in data.sections:
        for table in section.tables if section.id == "method" else []:
            if table.name == "settings":
                row = pd.DataFrame([("report generated", when)], columns=table.frame.columns)
                table.frame = pd.concat([table.frame, row], ignore_index=True)


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


def _render_files(data: ReportData, formats: tuple[str, ...], stem: str
                  ) -> tuple[dict[str, bytes], dict[str, Path]]:
    """Every file of the report (relative path to bytes, the marker last) and the main
    file of each format."""
    from riskmodel.reporting.html import render_html
    from riskmodel.reporting.md import render_md

    files: dict[str, bytes] = {}
    written: dict[str, Path] = {}
    pngs = render_figures(data) if ("html" in formats or "md" in formats) else {}
    if "json" in formats:
        files[f"{stem}.json"] = render_json(data).encode("utf-8")
        written["json"] = Path(f"{stem}.json")
    if "md" in formats:
        paths = {}
        for name, png in pngs.items():
            files[f"figures/{name}.png"] = png
            paths[name] = f"figures/{name}.png"
        files[f"{stem}.md"] = render_md(data, paths).encode("utf-8")
        written["md"] = Path(f"{stem}.md")
    if "html" in formats:
        files[f"{stem}.html"] = render_html(data, pngs).encode("utf-8")
        written["html"] = Path(f"{stem}.html")
    files[REPORT_MARKER] = _marker(data.chain, files)
    return files, written


def _marker(chain: str, files: Iterable[str]) -> bytes:
    return (json.dumps({"report": REPORT_SCHEMA, "riskmodel_version": __version__,
                        "chain": chain, "files": sorted(f for f in files
                                                        if f != REPORT_MARKER)},
                       indent=2) + "\n").encode("utf-8")


def report(chain_or_name: Chain | str | os.PathLike[str], out: str | os.PathLike[str] | None
           = None, *, formats: str | Sequence[str] = ("html", "md", "json"),
           scenarios: Iterable[Any] | None = None, mc: int | None = None, seed: int = 0,
           force: bool = False, timestamp: bool = False) -> dict[str, Path]:
    """Write a choke-point report of a chain; return the paths written.

    Parameters
    ----------
    chain_or_name : Chain, str or path
        A chain, a built-in chain name, or a chain file.
    out : path, optional
        The report folder (default ``./report_<chain name>``). It must be missing,
        empty, or an earlier report (whose own files are replaced; files added to it
        stay).
    formats : sequence of ``"html"``, ``"md"``, ``"json"`` (or ``"all"``)
    scenarios : iterable, optional
        Standard scenario names (default: all of the chain's), Scenario objects or
        scenario mappings.
    mc : int, optional
        Monte Carlo draws for the uncertainty section (default 100).
    seed : int
        Seed of those draws, recorded in the report.
    force : bool
        Write into ``out`` even if it is a non-empty folder that is not a report (only
        the report's files are added or replaced), or through a symbolic link.
    timestamp : bool
        Record the time of the report in its method section (``SOURCE_DATE_EPOCH``
        when set). Without it, two runs give byte-identical files.

    Returns
    -------
    dict of str to Path
        ``dir`` (the folder) and one entry per format written.

    Raises
    ------
    FileExistsError
        ``out`` is a file, a symbolic link (without ``force``), one of the chain's own
        files or folders, or a non-empty folder that is not a report (without ``force``).
        It is a :class:`riskmodel.OutputError`, as are failed writes.

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
    from riskmodel._progress import Progress
    from riskmodel.io.write import check_folder, write_folder
    from riskmodel.model import Chain, load

    fmts = _formats(formats)
    chain = chain_or_name if isinstance(chain_or_name, Chain) else load(chain_or_name)
    stem = safe_name(chain.name)
    target = Path(out) if out is not None else Path.cwd() / f"report_{stem}"
    target = Path(os.path.abspath(target))
    inputs = _inputs(chain)
    when = report_time() if timestamp else None
    _report_folder(target, force)
    check_folder(target, inputs=inputs, force=force, existing_ok=True, parents=True)
    steps = 8 + CUTSET_TARGETS + 1
    with Progress(steps, "report") as bar:
        data = collect(chain, scenarios=scenarios, mc=mc, seed=seed,
                       progress=lambda: bar.update(1))
        if when is not None:
            _stamp(data, when)
        files, written = _render_files(data, fmts, stem)
        previous = _report_folder(target, force)
        if previous:
            # first list the old files and the new together, so that a run stopped
            # halfway leaves every file it wrote known as the report's own
            write_folder(target, {REPORT_MARKER: _marker(data.chain, {*previous, *files})},
                         inputs=inputs, force=force, existing_ok=True)
        write_folder(target, files, inputs=inputs, force=force, existing_ok=True,
                     remove=previous or (), parents=True)
        bar.update(steps)
    return {"dir": target, **{k: target / v for k, v in written.items()}}
