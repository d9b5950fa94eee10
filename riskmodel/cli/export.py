"""``riskmodel export``: a chain for graph tools (the work is
:func:`riskmodel.exporting.export`)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from riskmodel.cli.common import EXIT_OK, add_command, inputs, note

__all__ = ["add_export_parser", "cli_export"]

FORMATS = ("graphml", "gexf", "json", "csv")  # as riskmodel.exporting.FORMATS (kept light)


def add_export_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``export`` command to an ``add_subparsers()`` object; return its parser.

    >>> p = argparse.ArgumentParser(prog="riskmodel")
    >>> _ = add_export_parser(p.add_subparsers())
    >>> args = p.parse_args(["export", "bicycle", "-o", "bicycle.gexf"])
    >>> args.chain, args.out, args.format, args.no_scores
    ('bicycle', 'bicycle.gexf', None, False)
    """
    sp = add_command(subparsers, "export", cli_export,
                     "Export a chain for graph tools: GraphML (yEd, Cytoscape), GEXF (Gephi), "
                     "node-link JSON (networkx, D3) or CSV tables, with each node's scores "
                     "and sources as plain values.")
    sp.add_argument("chain", metavar="CHAIN_OR_FILE", help="built-in chain name or chain file")
    sp.add_argument("-o", "--out", metavar="FILE",
                    help="FILE.graphml, FILE.gexf, FILE.json, or a folder name for CSV "
                         "tables; - or none: standard output (not for CSV)")
    sp.add_argument("--format", choices=FORMATS, default=None,
                    help="output format (default: from the extension of --out; json on "
                         "standard output)")
    sp.add_argument("--no-scores", action="store_true",
                    help="leave out the choke-point scores (no scoring: faster)")
    sp.add_argument("--force", action="store_true",
                    help="write through a symbolic link, or CSV tables into a folder that "
                         "holds other files (only the two tables are written)")
    return sp


def cli_export(args: argparse.Namespace) -> int:
    """Run ``riskmodel export``: write the export (or print it); return 0."""
    from riskmodel._errors import OutputFormatError
    from riskmodel.exporting import export, format_of, render_export
    from riskmodel.io.terminal import one_line
    from riskmodel.model import load

    to_stdout = args.out in (None, "-")
    fmt = args.format or ("json" if to_stdout else format_of(args.out))
    if to_stdout and fmt == "csv":
        raise OutputFormatError("CSV export writes two tables (nodes.csv, edges.csv): give "
                                "a folder name with --out")
    if not to_stdout:  # refuse a bad output before the work
        from riskmodel.io.write import check_file, check_folder

        check = check_folder if fmt == "csv" else check_file
        check(args.out, inputs=inputs(args), force=args.force)
    chain = load(args.chain)
    if to_stdout:
        sys.stdout.write(render_export(chain, fmt, scores=not args.no_scores)["graph"]
                         .decode("utf-8"))
        return EXIT_OK
    out = export(chain, args.out, format=fmt, scores=not args.no_scores, force=args.force,
                 inputs=inputs(args))
    note(f"wrote {one_line(out)}")
    return EXIT_OK
