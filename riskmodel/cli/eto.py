"""The ``riskmodel import`` command's arguments (argparse only, so ``--help`` stays fast).

The conversion itself is :func:`riskmodel.eto.from_eto`, imported when the command runs.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from typing import Any

from riskmodel._errors import ChainValidationError, OutputFormatError, Problem
from riskmodel.cli.common import add_quiet
from riskmodel.sources.eto.options import COVERS, QUALITATIVE, VARIANTS


def _override_arg(text: str) -> str:
    if not re.fullmatch(r"[^=\s]+=(any|all)", text.strip()):
        raise argparse.ArgumentTypeError(f"expected ID=any or ID=all, found {text!r}")
    return text.strip()


def add_import_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``import`` on an argparse subparsers object (``func=cli_import``).

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="riskmodel")
    >>> _ = add_import_parser(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["import", "eto", "data/eto", "-o", "eto.yaml",
    ...                           "--override", "N19=all"])
    >>> args.override, args.variants
    (['N19=all'], 'any')
    """
    help_ = "Convert a public dataset (the ETO semiconductor supply chain) into a chain file."
    sp = subparsers.add_parser("import", help=help_, description=help_)
    add_quiet(sp)
    sp.add_argument("source", choices=("eto",), help="the dataset's format")
    sp.add_argument("dir", metavar="DIR", help="folder holding the dataset's CSV files")
    sp.add_argument("-o", "--out", required=True, metavar="FILE",
                    help="chain file to write (.yaml, .yml, .json, or a folder name without "
                         "extension for a bundle); never the dataset's folder")
    sp.add_argument("--variants", choices=VARIANTS, default="any",
                    help="read categories as alternatives (any, default) or all needed")
    sp.add_argument("--override", action="append", default=[], type=_override_arg,
                    metavar="ID=any|all", help="reading of one category, e.g. N19=all; "
                                               "repeatable")
    sp.add_argument("--qualitative", choices=QUALITATIVE, default="range",
                    help="value of providers named without a share (default range)")
    sp.add_argument("--covers", choices=COVERS, default="market",
                    help="what an alternative covers: its market share (default) or all")
    sp.add_argument("--no-stage-nodes", dest="stage_nodes", action="store_false",
                    help="leave out the stage capacity nodes")
    sp.add_argument("--format", choices=("yaml", "json", "bundle"), default=None,
                    help="output format (default: from the extension of FILE)")
    sp.add_argument("--force", action="store_true",
                    help="write a bundle into a folder that holds other files (only the "
                         "bundle's files are written), or through a symbolic link")
    sp.set_defaults(func=cli_import)
    return sp


def _parse_overrides(items: Sequence[str]) -> dict[str, str]:
    out, bad = {}, []
    for text in items:
        k, sep, v = str(text).partition("=")
        if not sep or not k.strip() or v.strip() not in VARIANTS:
            bad.append(Problem("error", "malformed --override", where="command line",
                               field="--override", expected="ID=any or ID=all (e.g. N19=all)",
                               found=repr(text), fix="write the category id, =, any or all"))
        else:
            out[k.strip()] = v.strip()
    if bad:
        raise ChainValidationError(bad)
    return out


def cli_import(args: argparse.Namespace) -> int:
    """Run ``riskmodel import eto DIR -o FILE``: convert, save, report; return 0.

    Prints the import's warnings and notes to stderr and a one-line summary to
    stdout. Raises :class:`~riskmodel.ChainValidationError` or ``FileNotFoundError``
    for a bad folder (each problem names file, line, column and fix).

    Examples
    --------
    >>> import argparse, tempfile, pathlib
    >>> from riskmodel.eto import example_folder
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> args = argparse.Namespace(source="eto", dir=str(example_folder(tmp / "eto")),
    ...                           out=str(tmp / "eto.yaml"), variants="any", override=[],
    ...                           qualitative="range")
    >>> cli_import(args)  # doctest: +ELLIPSIS
    imported eto: 10 nodes, 9 edges, ...
    0
    """
    from pathlib import Path

    from riskmodel.io.document import format_for
    from riskmodel.io.terminal import one_line
    from riskmodel.io.write import check_file, check_folder
    from riskmodel.model import save
    from riskmodel.sources.eto.convert import from_eto

    source = getattr(args, "source", "eto")
    if source != "eto":
        raise ChainValidationError([Problem(
            "error", f"unknown import source '{source}'", where="command line",
            field="source", expected="eto", found=repr(source),
            fix="use `riskmodel import eto DIR -o FILE`")])
    # refuse a bad output before reading the dataset: a name without a format, a folder
    # in place of a file, or the dataset itself
    if args.out == "-":
        raise OutputFormatError("-o -: the import writes a chain file; give its name "
                                "(.yaml, .json, or a folder name for a bundle)")
    fmt = getattr(args, "format", None) or format_for(Path(args.out))
    force = bool(getattr(args, "force", False))
    inputs = [args.dir]
    if fmt == "bundle":
        check_folder(args.out, inputs=inputs, force=force)
    else:
        check_file(args.out, inputs=inputs, force=force)
    chain, problems = from_eto(
        args.dir, variants=getattr(args, "variants", None) or "any",
        variant_overrides=_parse_overrides(getattr(args, "override", None) or []),
        qualitative=getattr(args, "qualitative", None) or "range",
        covers=getattr(args, "covers", None) or "market",
        stage_nodes=getattr(args, "stage_nodes", True))
    for p in problems:
        print(f"  {p}", file=sys.stderr)
    out = save(chain, args.out, format=fmt, inputs=inputs, force=force)
    n_est = sum(bool(e.get("estimate")) for _, d in chain.graph.nodes(data=True)
                for e in d.get("provenance", {}).values())
    n_est += sum(bool(e.get("estimate")) for *_, d in chain.graph.edges(data=True)
                 for e in d.get("provenance", {}).values())
    n_all = chain.header["provenance"]["values"]
    warn = sum(p.severity == "warning" for p in problems)
    print(f"imported {one_line(source)}: {len(chain)} nodes, {chain.number_of_edges()} edges, "
          f"stages {'/'.join(chain.stages)}, groups {'/'.join(chain.groups) or 'none'}; "
          f"{n_all - n_est} values sourced, {n_est} estimated; {warn} warning(s); "
          f"wrote {one_line(out)}")
    return 0


