"""``riskmodel report``: the command's arguments and its run (the work is
:func:`riskmodel.reporting.report`)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from riskmodel.cli.cluster import add_cluster, cluster_client
from riskmodel.cli.common import (
    add_monte_carlo,
    add_no_baseline,
    add_quiet,
    add_target,
    baseline_arg,
)
from riskmodel.io.terminal import one_line
from riskmodel.reporting import DEFAULT_DRAWS, FORMATS

__all__ = ["add_report_parser", "cli_report"]



def add_report_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``report`` command to an ``add_subparsers()`` object; return its parser.

    >>> p = argparse.ArgumentParser(prog="riskmodel")
    >>> sp = add_report_parser(p.add_subparsers())
    >>> args = p.parse_args(["report", "bicycle", "--format", "md", "--mc", "50"])
    >>> args.chain, args.format, args.mc, args.func is cli_report
    ('bicycle', ['md'], 50, True)
    """
    help_ = ("Write a choke-point report: one self-contained HTML file, Markdown with its "
             "figures, and JSON tables.")
    sp = subparsers.add_parser("report", help=help_, description=help_)
    add_quiet(sp)
    sp.add_argument("chain", metavar="CHAIN_OR_FILE", help="built-in chain name or chain file")
    sp.add_argument("--out", metavar="DIR",
                    help="report folder (default ./report_<chain name>); must be new, empty "
                         "or an earlier report")
    sp.add_argument("--format", action="append", choices=(*FORMATS, "all"),
                    help="html, md, json or all (default all); repeatable")
    sp.add_argument("--scenario", action="extend", nargs="+", metavar="NAME",
                    help="standard scenarios to play (default: all of the chain's)")
    add_monte_carlo(sp, "Monte Carlo draws for the uncertainty section",
                    default_draws=DEFAULT_DRAWS)
    sp.add_argument("--force", action="store_true",
                    help="write into --out even if it is a non-empty folder that is not a "
                         "report (only the report's files are added or replaced), or "
                         "through a symbolic link")
    sp.add_argument("--timestamp", action="store_true",
                    help="record the time in the method section (SOURCE_DATE_EPOCH when "
                         "set); without it, reruns give identical files")
    sp.add_argument("--sensitivity", type=int, default=None, metavar="N",
                    help="top choke points the sensitivity section tests with a tornado "
                         "and a horizon sweep (default 3; 0: none, the quickest report)")
    add_no_baseline(sp, "every figure as a further cut's")
    add_target(sp, repeat=True)
    add_cluster(sp, "the Monte Carlo draws and the cut-set search")
    sp.set_defaults(func=cli_report)
    return sp


def _targets(args: argparse.Namespace) -> list[list[str]] | None:
    """The ``--target`` options as the report's ``target=``: one target each (its
    comma-separated nodes, or a declared name), scored in the section "Targets".

    >>> _targets(argparse.Namespace(target=["fab", "tools,masks"]))
    [['fab'], ['tools', 'masks']]
    """
    given = getattr(args, "target", None)
    if not given:
        return None
    return [[x.strip() for x in t.split(",") if x.strip()] for t in given]


def cli_report(args: argparse.Namespace) -> int:
    """Run ``riskmodel report``: write the report, print the written paths; return the
    exit code (1 when the output folder is refused)."""
    from riskmodel._errors import OutputError
    from riskmodel.reporting import report, report_time

    if args.out == "-":
        print("riskmodel: error: a report is a folder of files, so it cannot go to "
              "standard output; give --out DIR (or none: ./report_<chain>)", file=sys.stderr)
        return 1
    try:
        if getattr(args, "timestamp", False):
            report_time()  # a bad SOURCE_DATE_EPOCH fails before the work
        with cluster_client(args) as client:
            paths = report(args.chain, args.out, formats=args.format or ("all",),
                           scenarios=args.scenario, mc=args.mc, seed=args.seed,
                           force=args.force, timestamp=getattr(args, "timestamp", False),
                           baseline=baseline_arg(args), target=_targets(args), client=client,
                           sensitivity=getattr(args, "sensitivity", None))
    except (OutputError, FileExistsError, NotADirectoryError, PermissionError) as e:
        print(f"riskmodel: error: {e}", file=sys.stderr)
        return 1
    except ValueError as e:
        if "SOURCE_DATE_EPOCH" not in str(e):
            raise
        print(f"riskmodel: error: {e}", file=sys.stderr)
        return 1
    for key in FORMATS:
        if key in paths:
            print(one_line(paths[key]))
    return 0
