"""``riskmodel simulate``: play cut-off scenarios month by month (one scenario, several,
or a Monte Carlo run over one), as a table, CSV or JSON."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from riskmodel.cli.args import fraction, month, months
from riskmodel.cli.cluster import add_cluster, cluster_client
from riskmodel.cli.common import (
    EXIT_OK,
    add_command,
    add_monte_carlo,
    add_no_baseline,
    add_out,
    add_target,
    baseline_arg,
    check_out,
    emit,
    print_problems,
    scenarios_from_args,
    target_arg,
    target_line,
    usage_error,
)

__all__ = ["add_simulate_parser", "cli_simulate"]


def add_simulate_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``simulate`` command to an ``add_subparsers()`` object; return its parser.

    >>> p = argparse.ArgumentParser(prog="riskmodel")
    >>> _ = add_simulate_parser(p.add_subparsers())
    >>> args = p.parse_args(["simulate", "bicycle", "--cut", "CN", "--months", "12"])
    >>> args.chain, args.cut, args.months, args.threshold
    ('bicycle', ['CN'], 12, 0.05)
    """
    sp = add_command(subparsers, "simulate", cli_simulate,
                     "Play a cut-off scenario month by month: availability, end-use loss, "
                     "time to survive and recover.")
    sp.add_argument("chain", metavar="CHAIN_OR_FILE", help="built-in chain name or chain file")
    sp.add_argument("--cut", action="append", metavar="SPEC",
                    help="CC[:node,node][@fraction][>dest,dest], e.g. JP or "
                         "'US:eda_software@0.9>CN' on semiconductors (quote a '>'); a "
                         "cut of a node CC does not supply is warned of; after '>': all "
                         "(default: every country but CC), home (the focal market) or "
                         "country codes; repeat for several cuts")
    sp.add_argument("--scenario", action="append", metavar="NAME",
                    help="a standard scenario of the chain (or `all`); repeatable")
    sp.add_argument("--scenario-file", action="append", metavar="FILE",
                    help="YAML/JSON file of scenarios")
    sp.add_argument("--start", type=month, default=0,
                    help="month the --cut cuts start (0 to 600)")
    sp.add_argument("--duration", type=month, default=None,
                    help="months the --cut cuts last, 0 to 600 (default: permanent)")
    sp.add_argument("--months", type=months, default=None,
                    help="horizon, 1 to 600 months (default 24)")
    sp.add_argument("--threshold", type=fraction, default=0.05,
                    help="end-use loss that counts for time to survive/recover (default 0.05)")
    add_monte_carlo(sp, "Monte Carlo over the chain's ranged values with N draws")
    add_no_baseline(sp)
    add_target(sp)
    add_cluster(sp, "the Monte Carlo draws or the scenarios")
    sp.add_argument("--format", choices=("table", "csv", "json"), default="table")
    add_out(sp)
    return sp


def cli_simulate(args: argparse.Namespace) -> int:
    """Run ``riskmodel simulate``: print (or write to ``--out``) the scenarios' results;
    return 0. ``--mc`` takes one scenario; several scenarios give one summary table."""
    from riskmodel.io.render import render
    from riskmodel.model import load
    from riskmodel.simulation import simulate_many

    check_out(args)
    chain = load(args.chain)
    args.resolved_target = target_arg(chain, args)
    scenarios = scenarios_from_args(args, chain)
    _warn(chain, scenarios)
    if args.mc and len(scenarios) != 1:
        raise usage_error("--mc takes one scenario")
    with cluster_client(args, needed=bool(args.mc) or len(scenarios) > 1) as client:
        if args.mc:
            _emit_monte_carlo(chain, scenarios[0], args, client)
        elif len(scenarios) > 1:
            table = simulate_many(chain, scenarios, months=args.months,
                                  threshold=args.threshold, baseline=baseline_arg(args),
                                  target=args.target, client=client)
            t = args.resolved_target
            head = target_line(t) + "\n" if t is not None and args.format == "table" else ""
            if t is not None and args.format != "table":  # every row says what it measured
                table = table.assign(target=t.name)
            emit(head + render(table, args.format), args)
        else:
            _emit_simulation(chain, scenarios[0], args)
    return EXIT_OK


def _warn(chain: Any, scenarios: list[Any]) -> None:
    """Print the scenarios' warnings on ``chain`` (a cut that changes nothing) to
    stderr; the results follow as usual."""
    from riskmodel.scenario import scenario_warnings

    problems = [p for sc in scenarios for p in scenario_warnings(chain, sc)]
    if problems:
        n = len(problems)
        print(f"riskmodel: {n} warning{'s' if n > 1 else ''}:", file=sys.stderr)
        print_problems(problems)


def _emit_monte_carlo(chain: Any, scenario: Any, args: argparse.Namespace,
                      client: Any = None) -> None:
    """Run ``args.mc`` draws of one scenario (on ``client`` when given); emit the
    percentiles (table, JSON) or every draw (CSV)."""
    from riskmodel.io.render import render, to_jsonable
    from riskmodel.montecarlo import monte_carlo
    from riskmodel.realised import describe

    mc = monte_carlo(chain, scenario, draws=args.mc, seed=args.seed, months=args.months,
                     threshold=args.threshold, baseline=baseline_arg(args),
                     target=args.target, client=client)
    if args.format == "table":
        emit(str(mc) + "\n\n" + render(mc.percentiles.T, "table"), args)
    elif args.format == "csv":
        draws = mc.draws if args.resolved_target is None else mc.draws.assign(target=mc.target)
        emit(render(draws, "csv"), args)
    else:
        emit(json.dumps(to_jsonable({
            "chain": chain.name, "scenario": mc.scenario.as_dict(), "draws": args.mc,
            "seed": args.seed, "ranged_values": mc.ranged_values, "target": mc.target,
            **({"note": mc.note} if mc.note else {}),
            **({"baseline": describe(mc.baseline)} if mc.baseline else {}),
            "percentiles": mc.percentiles.T, "loss_percentiles": mc.loss}), indent=2), args)


def _emit_simulation(chain: Any, scenario: Any, args: argparse.Namespace) -> None:
    """Simulate one scenario; emit its summary and monthly end-use loss (table), the
    loss and every node's availability by month (CSV), or all of it (JSON). With
    restrictions in force, the end-use loss is the scenario's marginal effect, beside
    their realised loss and the total."""
    import pandas as pd

    from riskmodel.io.render import render, to_jsonable
    from riskmodel.realised import describe
    from riskmodel.simulation import simulate

    res = simulate(chain, scenario, months=args.months, threshold=args.threshold,
                   baseline=baseline_arg(args), target=args.target)
    held = bool(res.baseline)
    extra = [res.realised_loss, res.total_loss] if held else []
    if args.format == "table":
        what = "end-use loss" if args.resolved_target is None else f"loss of {res.target}"
        loss = res.end_use_loss.to_frame("marginal loss" if held else what)
        if held:
            loss["realised loss"] = res.realised_loss
            loss["total loss"] = res.total_loss
        loss["lowest node"] = res.availability.idxmin(axis=0)
        loss["its availability"] = res.availability.min(axis=0)
        t = args.resolved_target
        emit((target_line(t) + "\n" if t is not None else "") + str(res) + "\n\n"
             + render(loss, "table"), args)
    elif args.format == "csv":
        loss = res.end_use_loss if res.target == "end-use value" else \
            res.end_use_loss.rename(f"loss_of_{res.target}")
        wide = pd.concat([loss, *extra, res.availability.T], axis=1)
        emit(render(wide, "csv"), args)
    else:
        emit(json.dumps(to_jsonable({
            "chain": chain.name, "scenario": res.scenario.as_dict(),
            "plausibility": res.scenario.level,
            "threshold": args.threshold, "target": res.target, "summary": res.summary,
            "end_use_loss": res.end_use_loss.tolist(),
            **({"baseline": describe(res.baseline), "realised_loss":
                res.realised_loss.tolist(), "total_loss": res.total_loss.tolist()}
               if held else {}),
            "availability": {k: v.tolist() for k, v in res.availability.iterrows()}}),
            indent=2), args)
