"""The ``riskmodel import`` command's arguments (argparse only, so ``--help`` stays fast).

The conversion itself is :func:`riskmodel.eto.from_eto`, imported when the command runs.
"""

from __future__ import annotations

import argparse
import re
from typing import Any

VARIANTS = ("any", "all")
QUALITATIVE = ("range", "midpoint", "zero")
COVERS = ("market", "full")


def _override_arg(text: str) -> str:
    if not re.fullmatch(r"[^=\s]+=(any|all)", text.strip()):
        raise argparse.ArgumentTypeError(f"expected ID=any or ID=all, found {text!r}")
    return text.strip()


def _run(args: argparse.Namespace) -> int:
    from .eto import cli_import

    return cli_import(args)


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
    sp.set_defaults(func=_run)
    return sp
