"""The argument parser: :func:`build_parser` puts together the commands each command
module defines (argparse only, so ``riskmodel --help`` is instant)."""

from __future__ import annotations

import argparse
import sys

from riskmodel._version import __version__
from riskmodel.cli.analysis import add_cutsets_parser, add_score_parser
from riskmodel.cli.chains import add_chains_parser, add_schema_parser, add_validate_parser
from riskmodel.cli.common import EXIT_USAGE
from riskmodel.cli.diff import add_diff_parser
from riskmodel.cli.export import add_export_parser
from riskmodel.cli.sensitivity import add_sensitivity_parser
from riskmodel.cli.simulate import add_simulate_parser

__all__ = ["build_parser"]


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors say so and exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: usage error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests).

    The commands appear in ``--help`` in the order they are added here.

    >>> args = build_parser().parse_args(["score", "bicycle", "--top", "3"])
    >>> args.command, args.top, args.func.__name__
    ('score', 3, 'cli_score')
    """
    from riskmodel.cli.eto import add_import_parser
    from riskmodel.cli.report import add_report_parser

    p = _Parser(prog="riskmodel",
                description="Supply-chain dependency risk analyzer: choke points, country "
                            "leverage and cut-off simulation.")
    p.add_argument("--version", action="version", version=f"riskmodel {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for add in (add_chains_parser, add_validate_parser, add_simulate_parser,
                add_score_parser, add_sensitivity_parser, add_cutsets_parser,
                add_diff_parser, add_report_parser,
                add_export_parser,
                add_import_parser, add_schema_parser):
        add(sub)
    return p
