"""``riskmodel diff``: what changed between two versions of a chain (the work is
:func:`riskmodel.diff.diff`, the text :func:`riskmodel.diff.render`)."""

from __future__ import annotations

import argparse
from typing import Any

from riskmodel.cli.args import months, positive_int
from riskmodel.cli.common import EXIT_OK, add_command, add_out, check_out, emit

__all__ = ["add_diff_parser", "cli_diff"]


def add_diff_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``diff`` command to an ``add_subparsers()`` object; return its parser.

    >>> p = argparse.ArgumentParser(prog="riskmodel")
    >>> _ = add_diff_parser(p.add_subparsers())
    >>> args = p.parse_args(["diff", "old.yaml", "new.yaml", "--format", "md"])
    >>> args.old, args.new, args.format, args.top
    ('old.yaml', 'new.yaml', 'md', 20)
    """
    sp = add_command(subparsers, "diff", cli_diff,
                     "What changed between two versions of a chain: nodes, edges, values, "
                     "and how the choke ranking and country leverage moved.")
    sp.add_argument("old", metavar="OLD", help="chain file or built-in name (before)")
    sp.add_argument("new", metavar="NEW", help="chain file or built-in name (after)")
    sp.add_argument("--format", choices=("text", "json", "md"), default="text")
    sp.add_argument("--top", type=positive_int, default=20,
                    help="rows per section (default 20)")
    sp.add_argument("--horizon", type=months, default=12,
                    help="months over which the choke scores average the loss, 1 to 600 "
                         "(default 12)")
    sp.add_argument("--no-scores", action="store_true",
                    help="compare structure and values only (no scoring)")
    add_out(sp)
    return sp


def cli_diff(args: argparse.Namespace) -> int:
    """Run ``riskmodel diff``: print (or write to ``--out``) the comparison; return 0."""
    from riskmodel.diff import diff, render
    from riskmodel.model import load

    check_out(args)
    d = diff(load(args.old), load(args.new), scores=not args.no_scores, horizon=args.horizon)
    emit(render(d, args.format, top=args.top).rstrip("\n"), args)
    return EXIT_OK
