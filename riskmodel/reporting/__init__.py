"""Choke-point reports: one command, ten sections, three formats.

:func:`report` scores a chain and writes a report an analyst can hand on: one
self-contained HTML file (figures embedded, an explorable chain diagram, no network
requests), Markdown with its figures beside it as PNG files, and a JSON file of every
table (for machines and for diffing). The sections:

1. summary, 2. chain diagram, 3. choke points (end uses in their own table), 4.
country leverage, 5. minimum cut sets, 6. standard scenarios, 7. policy alignment, 8.
uncertainty, 9. sensitivity (the top choke points' tornado and horizon sweep, and a
robustness verdict), 10. data provenance, 11. method and settings, 12. glossary (every
indicator and abbreviation used, the chain's country codes, the method's sources).
Where a statistic rests on few points, its section says so ("Caveat: ...").
A chain with named targets (its ``targets:``,
or ``target=``) gets "Targets" after "Choke points": each target's own choke points
beside their end-use scores. A chain with restrictions in force (its
``baseline:``) gets "Restrictions in force" as section 2, and every other figure is
then marginal: what a further cut adds on top of them (``baseline=False``, the
command line's ``--no-baseline``, leaves them out).

Detection returns data, renderers format it: :func:`collect` computes a
:class:`~riskmodel.reporting.data.ReportData` (tables as DataFrames, text as plain
strings, figures as references to :mod:`riskmodel.plot` functions and their inputs);
one renderer per format turns it into text. Every string taken from a chain file is
escaped by the renderers.

Writing follows :mod:`riskmodel.io.write`: a new report folder appears whole or not
at all, an earlier report's own files are replaced, files a user added stay, and the
chain's own file or folder is never written (see :mod:`riskmodel.reporting.folder`).

Reports are reproducible: two runs with the same inputs give byte-identical files. The
time is written (in the method section) only when asked with ``timestamp=True``, and
is then ``SOURCE_DATE_EPOCH`` when that is set.

Modules
-------
- ``compute``: :func:`collect`, every table, text and figure input of a report;
- ``data``: the report's sections as plain data, built from the computed results;
- ``held``: the restrictions in force: the chain as the report reads it, their
  realised losses and their section;
- ``targets``: the section "Targets", each named target's choke points;
- ``enduses``: the choke ranking without the end uses, and the end uses' own table;
- ``sensitivity``: the section "Sensitivity" (tornado, horizon sweep, verdicts);
- ``caveats``: the caveats where a statistic rests on few points;
- ``citations``: sources by title, author, year and link; the method's sources;
- ``glossary``: the section "Glossary";
- ``render``: the JSON renderer, the figures as PNG, and every file's bytes;
- ``html``, ``md``: the HTML and Markdown renderers;
- ``graph``, ``explore``: the HTML report's explorable chain diagram (its data, and
  its page with the inlined cytoscape.js of ``vendor/``, run by hash alone);
- ``folder``: the report folder, its marker, and the safe writes into it.

Examples
--------
>>> import json, tempfile, pathlib
>>> import riskmodel as rm
>>> out = pathlib.Path(tempfile.mkdtemp()) / "bike"
>>> paths = rm.report("bicycle", out, formats=("json",), mc=10, sensitivity=0)
>>> sorted(paths)
['dir', 'json']
>>> doc = json.loads(paths["json"].read_text(encoding="utf-8"))
>>> [s["title"] for s in doc["sections"]][:3]
['Summary', 'Chain diagram', 'Choke points']
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from riskmodel.reporting.compute import (
    CUTSET_COUNTRIES,
    CUTSET_TARGETS,
    DEFAULT_DRAWS,
    chain_files,
    collect,
    report_time,
    sha256_file,
    stamp,
)
from riskmodel.reporting.folder import (
    REPORT_MARKER,
    REPORT_SCHEMA,
    chain_inputs,
    prepare_report_folder,
    safe_name,
    write_report,
)
from riskmodel.reporting.render import (
    FORMATS,
    render_figures,
    render_files,
    render_json,
    report_formats,
)
from riskmodel.reporting.targets import report_targets

if TYPE_CHECKING:
    from riskmodel.model import Chain

__all__ = ["CUTSET_COUNTRIES", "CUTSET_TARGETS", "DEFAULT_DRAWS", "FORMATS", "REPORT_MARKER",
           "REPORT_SCHEMA", "chain_files", "collect", "render_figures", "render_json", "report",
           "report_time", "safe_name", "sha256_file"]


def report(chain_or_name: Chain | str | os.PathLike[str], out: str | os.PathLike[str] | None
           = None, *, formats: str | Sequence[str] = ("html", "md", "json"),
           scenarios: Iterable[Any] | None = None, mc: int | None = None, seed: int = 0,
           force: bool = False, timestamp: bool = False, baseline: Any = None, target: Any = None,
           client: Any = None, sensitivity: int | None = None) -> dict[str, Path]:
    """Write a choke-point report of a chain; return the paths written.

    Parameters
    ----------
    chain_or_name : Chain, str or path
        A chain, a built-in chain name, or a chain file.
    out : path, optional
        The report folder (default ``./report_<chain name>``): missing, empty, or an
        earlier report (whose own files are replaced; files added to it stay).
    formats : sequence of ``"html"``, ``"md"``, ``"json"`` (or ``"all"``)
    scenarios : iterable, optional
        Scenario names (default: all of the chain's), Scenario objects or mappings.
    mc, seed : int, optional
        Monte Carlo draws for the uncertainty section (default 100), and their seed.
    force : bool
        Write into ``out`` even if it is a non-empty folder that is not a report (only
        the report's files are added or replaced), or through a symbolic link.
    timestamp : bool
        Record the time in the method section (``SOURCE_DATE_EPOCH`` when set); without
        it, two runs give byte-identical files.
    baseline : None, False or list of Restriction
        The restrictions in force (docs/model.md §1.5): None, the chain's own; False,
        none (``--no-baseline``: the unrestricted report, which says they are ignored);
        or a list of :class:`~riskmodel.Restriction`. With any, the report gains the
        section "Restrictions in force" (each one's realised loss alone and all
        together) and every other figure is marginal: what a further cut adds on top.
    target : str or list, optional
        Targets scored in the section "Targets" after the chain's declared ones
        (:func:`~riskmodel.reporting.targets.report_targets`); the rest is end-use value.
    client : dask.distributed.Client or concurrent.futures.Executor, optional
        Runs the draws and the cut-set search as its tasks (:mod:`riskmodel.distributed`).
    sensitivity : int, optional
        Top choke points the section "Sensitivity" tests (tornado, horizon sweep): 3; 0 none.

    Returns
    -------
    dict of str to Path
        ``dir`` (the folder) and one entry per format written.

    Raises
    ------
    FileExistsError
        ``out`` is a file, a symbolic link (without ``force``), one of the chain's own
        files or folders, or a non-empty folder that is not a report (without ``force``):
        a :class:`riskmodel.OutputError`, as are failed writes. NodeNotFoundError: a
        ``target`` names no node; ArgumentError: ``sensitivity`` < 0 (before any write).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import riskmodel as rm
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "robots"
    >>> paths = rm.report("industrial_robots", out, formats="md", mc=10, sensitivity=0)
    >>> paths["md"].name, sorted(p.name for p in (out / "figures").iterdir())[:2]
    ('industrial_robots.md', ['chain_diagram.png', 'choke_factors.png'])
    >>> rm.report("bicycle", out, formats="json", mc=10,
    ...           sensitivity=0)["json"].name  # replaces a report
    'bicycle.json'
    """
    from riskmodel._progress import Progress

    fmts, chain, stem, inputs, folder = _prepared(chain_or_name, out, formats, target,
                                                  sensitivity)
    when = report_time() if timestamp else None
    prepare_report_folder(folder, inputs, force)
    with Progress(9 + CUTSET_TARGETS + 1, "report") as bar:
        data = collect(chain, scenarios=scenarios, mc=mc, seed=seed, baseline=baseline,
                       progress=lambda: bar.update(1), target=target, client=client,
                       sensitivity=sensitivity)
        if when is not None:
            stamp(data, when)
        files, written = render_files(data, fmts, stem)
        write_report(folder, files, chain=data.chain, inputs=inputs, force=force)
        bar.update(bar.total)
    return {"dir": folder, **{k: folder / v for k, v in written.items()}}


def _prepared(chain_or_name: Any, out: Any, formats: Any, target: Any, sensitivity: Any
              ) -> tuple[tuple[str, ...], Chain, str, list[str], Path]:
    """The report's formats, chain, file stem, input files and folder, the arguments
    checked before any write (a target naming no node, a ``sensitivity`` below 0)."""
    from riskmodel.model import Chain, load
    from riskmodel.reporting.sensitivity import check_count

    fmts = report_formats(formats)
    chain = chain_or_name if isinstance(chain_or_name, Chain) else load(chain_or_name)
    stem, inputs = safe_name(chain.name), chain_inputs(chain)
    folder = Path(os.path.abspath(Path.cwd() / f"report_{stem}" if out is None else out))
    report_targets(chain, target)
    check_count(sensitivity)
    return fmts, chain, stem, inputs, folder
