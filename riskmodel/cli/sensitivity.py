"""``riskmodel sensitivity``: how the top choke points' scores and ranks move with each
ranged number of the chain (a tornado) and with the horizon (a sweep), and whether each
finding is robust (:func:`riskmodel.scoring.sensitivity`)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from riskmodel.cli.args import months, positive_int
from riskmodel.cli.cluster import add_cluster, cluster_client
from riskmodel.cli.common import (
    EXIT_OK,
    add_command,
    add_no_baseline,
    add_out,
    baseline_arg,
    check_node,
    check_out,
    emit,
)

__all__ = ["add_sensitivity_parser", "cli_sensitivity"]


def add_sensitivity_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``sensitivity`` command to an ``add_subparsers()`` object; return its
    parser.

    >>> p = argparse.ArgumentParser(prog="riskmodel")
    >>> _ = add_sensitivity_parser(p.add_subparsers())
    >>> args = p.parse_args(["sensitivity", "bicycle", "--top", "3", "--json"])
    >>> args.chain, args.top, args.horizon, args.format
    ('bicycle', 3, None, 'json')
    """
    sp = add_command(subparsers, "sensitivity", cli_sensitivity,
                     "Test the top choke points: each ranged number at its low and high "
                     "(a tornado), a horizon sweep, and a robustness verdict per node.")
    sp.add_argument("chain", metavar="CHAIN_OR_FILE", help="built-in chain name or chain file")
    sp.add_argument("--top", type=positive_int, default=5,
                    help="how many top nodes to test, and the k of 'stays in the top k' "
                         "(default 5)")
    sp.add_argument("--node", action="append", metavar="NODE",
                    help="test NODE instead of the top ones; repeatable")
    sp.add_argument("--horizon", type=months, default=None,
                    help="horizon of the tornado's scores, 1 to 600 months (default: the "
                         "choke score's)")
    sp.add_argument("--rows", type=positive_int, default=8,
                    help="numbers shown per node in the table, largest swing first "
                         "(default 8; CSV and JSON hold all)")
    fmt = sp.add_mutually_exclusive_group()
    fmt.add_argument("--format", choices=("table", "csv", "json"), default="table")
    fmt.add_argument("--json", dest="format", action="store_const", const="json",
                     help="same as --format json")
    fmt.add_argument("--csv", dest="format", action="store_const", const="csv",
                     help="same as --format csv")
    add_no_baseline(sp, "each node's choke score as its")
    add_cluster(sp, "the tornado's runs")
    add_out(sp)
    return sp


def cli_sensitivity(args: argparse.Namespace) -> int:
    """Run ``riskmodel sensitivity``: print (or write to ``--out``) the tornado and the
    sweep of each tested node; return 0."""
    from riskmodel.io.render import render, to_jsonable
    from riskmodel.model import load
    from riskmodel.scoring.sensitivity import sensitivity

    check_out(args)
    chain = load(args.chain)
    for node in args.node or []:
        check_node(chain, node, where="--node")
    with cluster_client(args) as client:
        sens = sensitivity(chain, nodes=args.node, top=args.top, horizon=args.horizon,
                           baseline=baseline_arg(args), client=client)
    if args.format == "csv":
        emit(render(sens, "csv", index=False), args)
    elif args.format == "json":
        emit(json.dumps(to_jsonable({"chain": chain.name, "settings": sens.attrs,
                                     "rows": sens.reset_index(drop=True).to_dict("records")}),
                        indent=2, ensure_ascii=False), args)
    else:
        emit(text(chain.title, sens, rows=args.rows), args)
    return EXIT_OK


def text(title: str, sens: Any, *, rows: int = 8) -> str:
    """The table form: per node, its verdict, the ``rows`` numbers that move its score
    most and the horizon sweep."""
    from riskmodel.io.render import render
    from riskmodel.scoring.sensitivity import sensitivity_rows, swings

    a = sens.attrs
    held = a.get("baseline") or []
    lines = [f"{title}: sensitivity of the choke score ({a['horizon']}-month horizon; "
             f"{a['run']} of {a['ranged']} ranged numbers can move the nodes tested, each "
             "run at its low and its high, one at a time)",
             f"  rule: {a['rule']}"]
    if held:
        lines.append(f"  restrictions in force ({len(held)}): realised loss "
                     f"{a['realised_loss']:.1%}; the scores are what each cut adds")
    for r in sensitivity_rows(sens):
        lines += ["", f"{r['node']}: choke score {r['score']:.1%}, rank {r['rank']} "
                  f"(ranks {r['rank_range'][0]}–{r['rank_range'][1]} over the runs); "
                  f"{r['verdict']}"]
        t = swings(sens, r["node"])
        if len(t):
            lines.append(render(t.head(rows).round(4), "table", index=False))
        else:
            lines.append("  no ranged number can move its score")
        lines.append("  horizon sweep: " + ", ".join(
            f"{h} months {v:.1%}" for h, v in r["sweep"].items()))
    return "\n".join(lines)
