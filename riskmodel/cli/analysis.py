"""The analysis commands: ``score`` (the choke-point ranking, with its uncertainty and
the country leverage) and ``cutsets`` (the smallest sets of countries whose joint cut
stops a product, or what survives one coalition)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from riskmodel.cli.args import (
    fraction,
    month,
    months,
    nonnegative_int,
    positive_int,
)
from riskmodel.cli.common import (
    EXIT_OK,
    add_command,
    add_monte_carlo,
    add_no_baseline,
    add_out,
    add_target,
    baseline_arg,
    check_node,
    check_out,
    emit,
    target_arg,
    target_line,
    usage_error,
)
from riskmodel.cli.pairs import add_pairs_option, emit_pairs

__all__ = ["MAX_SCORE_CELLS", "SCORE_COLUMNS", "add_cutsets_parser", "add_score_parser",
           "cli_cutsets", "cli_score"]

#: cells (draws × nodes) of the score uncertainty's result table the command line
#: allows: 8 bytes each, so about 2 GB
MAX_SCORE_CELLS = 250_000_000

#: the columns of ``riskmodel score``'s table
SCORE_COLUMNS = ["rank", "stage", "choke_score", "time_to_impact", "choke_month",
                 "choke_immediate", "choke_long_run", "cut_country", "exposure", "hhi",
                 "downstream_reach", "spof_count"]
#: the uncertainty columns ``--mc`` adds
_MC_COLUMNS = ["p5", "p95", "rank_p5", "rank_p95", "p_top"]


def add_score_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``score`` command to an ``add_subparsers()`` object; return its parser.

    >>> p = argparse.ArgumentParser(prog="riskmodel")
    >>> _ = add_score_parser(p.add_subparsers())
    >>> args = p.parse_args(["score", "bicycle", "--top", "0", "--explain", "frame"])
    >>> args.chain, args.top, args.horizon, args.explain
    ('bicycle', 0, 24, ['frame'])
    """
    sp = add_command(subparsers, "score", cli_score,
                     "Rank the choke points: indicators and an explainable choke score per "
                     "node.")
    sp.add_argument("chain", metavar="CHAIN_OR_FILE", help="built-in chain name or chain file")
    sp.add_argument("--top", type=nonnegative_int, default=10, help="rows to show (0 = all)")
    sp.add_argument("--horizon", type=months, default=24,
                    help="months over which the choke score averages the end-use loss "
                         "(value-months lost / value x months), 1 to 600 (default 24)")
    sp.add_argument("--month", type=month, default=None,
                    help="month of the single-month reading (column choke_month), 0 to "
                         "600 (default: the horizon)")
    sp.add_argument("--to", choices=("all", "home"), default="all",
                    help="whom each node's cut withholds from: all (default: every "
                         "destination but the cutting country) or home (the chain's home "
                         "alone: a targeted stop)")
    sp.add_argument("--explain", action="append", metavar="NODE",
                    help="explain why NODE ranks where it does; repeatable")
    sp.add_argument("--leverage", action="store_true", help="also rank country leverage")
    sp.add_argument("--leverage-to", metavar="DEST", default="all",
                    help="whom each country's leverage cut withholds from: all (default: "
                         "every destination but the country itself), world, home, or "
                         "destination codes such as CN or DE,PL")
    add_monte_carlo(sp, "uncertainty: N Monte Carlo draws over the ranged values")
    add_no_baseline(sp, "each node's choke score (and each country's leverage) as its")
    add_target(sp)
    add_pairs_option(sp)
    sp.add_argument("--format", choices=("table", "csv", "json"), default="table")
    add_out(sp)
    return sp


def cli_score(args: argparse.Namespace) -> int:
    """Run ``riskmodel score``: print (or write to ``--out``) the ranking, or the
    ``--explain`` texts; return 0."""
    from riskmodel.model import load
    from riskmodel.scoring import explain, leverage, score, score_uncertainty

    check_out(args)
    chain = load(args.chain)
    for node in args.explain or []:
        check_node(chain, node, where="--explain")
    args.resolved_target = target_arg(chain, args)
    if args.target is not None and (args.mc or args.explain):
        raise usage_error(f"--target measures the scores by {args.target}; "
                          f"{'--mc' if args.mc else '--explain'} reads end-use value only "
                          "for now: run it without --target")
    if args.mc and args.mc * chain.compiled.n > MAX_SCORE_CELLS:
        most = max(1, MAX_SCORE_CELLS // chain.compiled.n)
        raise usage_error(f"--mc {args.mc} on {chain.compiled.n:,} nodes needs "
                          f"{args.mc * chain.compiled.n * 8 / 1e9:.1f} GB; give --mc "
                          f"{most:,} or fewer for this chain")
    if args.to == "home" and chain.compiled.home is None:
        raise usage_error("--to home: the chain has a global view and no home; use --to all")
    scores = score(chain, horizon=args.horizon, month=args.month, to=args.to,
                   baseline=baseline_arg(args), target=args.target)
    if args.explain:
        emit("\n".join(explain(scores, node, chain=chain, baseline=baseline_arg(args))
                       for node in args.explain), args)
        return EXIT_OK
    if args.pairs:
        emit_pairs(chain, scores, args)
        return EXIT_OK
    shown = scores if args.top == 0 else scores.head(args.top)
    unc = None
    if args.mc:
        unc = score_uncertainty(chain, draws=args.mc, seed=args.seed, horizon=args.horizon,
                                top=min(args.top or 5, 5), scores=scores,
                                baseline=baseline_arg(args), to=args.to)
        shown = shown.join(unc[_MC_COLUMNS])
    lev = leverage(chain, horizon=args.horizon, to=_leverage_to(chain, args.leverage_to),
                   baseline=baseline_arg(args), target=args.target) if args.leverage else None
    _emit_scores(chain, scores, shown, unc, lev, args)
    return EXIT_OK


def _leverage_to(chain: Any, text: str) -> str | tuple[str, ...]:
    """``--leverage-to``: ``all``, ``world``, ``home`` or destination codes (docs/model.md
    §1.3), checked against the chain."""
    from riskmodel import schema
    from riskmodel.io.destinations import parse_destinations

    to = parse_destinations(text)
    if to is None:
        raise usage_error("--leverage-to names no destination; give all, world, home or "
                          "codes such as CN or DE,PL")
    if to == "home" and chain.home is None:
        raise usage_error("--leverage-to home: the chain has a global view and no home; "
                          "name the destinations, e.g. --leverage-to CN")
    if isinstance(to, tuple):
        bad = [x for x in to if x not in schema.countries() and x not in chain.groups]
        if bad:
            raise usage_error(f"--leverage-to: unknown destination {bad[0]!r}; give ISO "
                              "3166-1 alpha-2 codes (upper case) or the chain's groups")
    return to


def _emit_scores(chain: Any, scores: Any, shown: Any, unc: Any, lev: Any,
                 args: argparse.Namespace) -> None:
    """Emit the shown rows of the ranking (with the uncertainty ``unc`` and the
    leverage ``lev`` when computed) as a table, CSV (the leverage alone when asked) or
    JSON."""
    from riskmodel.io.render import render, to_jsonable

    if args.format == "table":
        cols = SCORE_COLUMNS + (_MC_COLUMNS if unc is not None else [])
        t = args.resolved_target
        what = "end-use value" if t is None else f"{t.name}"
        dest = "the home" if args.to == "home" else "all destinations"
        head = (f"{chain.title}: choke points (choke score: share of {what} lost "
                f"over {args.horizon} months when the node's dominant foreign controlling "
                f"country stops it to {dest}; choke_month: the loss in month "
                f"{scores.attrs['month']}; time_to_impact: the first month it exceeds 0.1%; "
                f"{scores.attrs['exact']})")
        held = scores.attrs.get("baseline") or []
        parts = [head, *([target_line(t)] if t is not None else [])] + (
            [f"restrictions in force ({len(held)}): realised loss "
             f"{scores.attrs['realised_loss']:.1%}; the scores below are what "
             "each further cut adds"] if held else []) + [
            render(shown[cols], "table")]
        if unc is not None:
            parts.append(f"Uncertainty ({args.mc} draws, seed {args.seed}): "
                         f"{unc.attrs['note']}")
        if lev is not None:
            held = lev.attrs.get("baseline", 0)
            on_top = (f", on top of the {held} restriction{'s' if held > 1 else ''} in "
                      f"force, whose realised loss is {lev.attrs['realised_loss']:.1%}"
                      if held else "")
            lost = "end-use loss" if t is None else f"loss of {t.name}"
            parts += ["", f"Country leverage ({lost} over {args.horizon} months if the "
                      "country cuts everything it "
                      f"supplies or controls, to {args.leverage_to}{on_top}):",
                      render(lev, "table")]
        emit("\n".join(parts), args)
    elif args.format == "csv":
        if scores.attrs.get("baseline"):
            shown = shown.assign(realised_loss=scores.attrs["realised_loss"])
        if args.resolved_target is not None:  # every row says what it measured
            shown, lev = (None if x is None else x.assign(target=args.resolved_target.name)
                          for x in (shown, lev))
        emit(render(shown, "csv") if lev is None else render(lev, "csv"), args)
    else:
        payload: dict[str, Any] = {"chain": chain.name, "settings": scores.attrs,
                                   "scores": shown}
        if scores.attrs.get("baseline"):
            payload["realised_loss"] = scores.attrs["realised_loss"]
        if unc is not None:
            payload["uncertainty_note"] = unc.attrs["note"]
        if lev is not None:
            payload["leverage"] = lev
            if lev.attrs.get("baseline"):
                payload["leverage_realised_loss"] = lev.attrs["realised_loss"]
        emit(json.dumps(to_jsonable(payload), indent=2, ensure_ascii=False), args)


def add_cutsets_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``cutsets`` command to an ``add_subparsers()`` object; return its parser.

    >>> p = argparse.ArgumentParser(prog="riskmodel")
    >>> _ = add_cutsets_parser(p.add_subparsers())
    >>> args = p.parse_args(["cutsets", "bicycle", "--coalition", "CN,JP"])
    >>> args.coalition, args.max_size, args.mode
    ('CN,JP', 3, 'immediate')
    """
    sp = add_command(subparsers, "cutsets", cli_cutsets,
                     "Find the smallest sets of countries whose joint cut stops a product.")
    sp.add_argument("chain", metavar="CHAIN_OR_FILE", help="built-in chain name or chain file")
    add_target(sp)
    sp.add_argument("--max-size", type=positive_int, default=3,
                    help="largest set size (default 3)")
    sp.add_argument("--threshold", type=fraction, default=0.05,
                    help="availability below which the target counts as stopped (0.05)")
    sp.add_argument("--mode", choices=("immediate", "long_run"), default="immediate")
    sp.add_argument("--coalition", metavar="CC,CC,...",
                    help="instead: the share of the target that survives this coalition")
    sp.add_argument("--format", choices=("table", "csv", "json"), default="table")
    add_no_baseline(sp, "each set's")
    add_out(sp)
    return sp


def cli_cutsets(args: argparse.Namespace) -> int:
    """Run ``riskmodel cutsets``: print (or write to ``--out``) the minimal cut sets,
    or with ``--coalition`` the share of the target that survives; return 0."""
    from riskmodel.model import load

    members = _coalition_members(args.coalition)
    check_out(args)
    chain = load(args.chain)
    args.resolved_target = target_arg(chain, args)
    if members:
        _emit_coalition(chain, members, args)
    else:
        _emit_cutsets(chain, args)
    return EXIT_OK


def _coalition_members(text: str | None) -> list[str]:
    """The country codes of ``--coalition`` (none without it); a usage error if it
    names none."""
    if text is None:
        return []
    members = [x.strip() for x in text.split(",") if x.strip()]
    if not members:
        raise usage_error(f"--coalition {text!r} names no country; give country "
                          "codes separated by commas (e.g. --coalition CN,JP), or leave out "
                          "--coalition for the cut-set search")
    return members


def _emit_coalition(chain: Any, members: list[str], args: argparse.Namespace) -> None:
    """Emit the share of the target that survives the coalition's cut (a sentence or
    JSON)."""
    from riskmodel.coalitions import coalition
    from riskmodel.realised import baseline_of, describe

    given, _ = baseline_of(chain, baseline_arg(args))
    share = coalition(chain, members, target=args.target, mode=args.mode,
                      baseline=baseline_arg(args))
    t = args.resolved_target
    what = "all end use" if t is None else t.name
    if args.format == "json":
        emit(json.dumps({"chain": chain.name, "coalition": members, "target": what,
                         "target_nodes": list(t.nodes) if t is not None else [],
                         "mode": args.mode, "surviving_share": share,
                         "baseline": describe(given)}, ensure_ascii=False), args)
    else:
        held = (f" on top of the {len(given)} restriction{'s' if len(given) != 1 else ''} "
                "in force") if given else ""
        emit(f"{chain.name}: if {'+'.join(members)} cut everything they supply{held}, "
             f"{share:.1%} of {what} survives ({args.mode}).", args)


def _emit_cutsets(chain: Any, args: argparse.Namespace) -> None:
    """Search the minimal country cut sets; emit them as a table, CSV or JSON."""
    from riskmodel.coalitions import cutsets
    from riskmodel.io.render import render, to_jsonable

    cs = cutsets(chain, target=args.target, max_size=args.max_size, threshold=args.threshold,
                 mode=args.mode, baseline=baseline_arg(args))
    table = cs.assign(countries=["+".join(x) for x in cs["countries"]])
    if args.format == "table":
        head = (f"{chain.name}: minimal country cut sets for {cs.attrs['target']} "
                f"(availability < {args.threshold:.0%}, {args.mode}; {cs.attrs['evaluated']} "
                f"sets of up to {args.max_size} of {cs.attrs['candidates']} countries checked)")
        body = render(table, "table", index=False) if len(cs) else "  none found"
        t = args.resolved_target
        emit("\n".join([head, *([target_line(t)] if t is not None else []),
                        *_held_lines(chain, cs.attrs, args), body]), args)
    elif args.format == "csv":
        if args.resolved_target is not None:  # every row says what it measured
            table = table.assign(target=cs.attrs["target"])
        emit(render(table, "csv", index=False), args)
    else:
        emit(json.dumps(to_jsonable({"settings": cs.attrs, "cutsets": [
            {"size": int(r.size), "countries": list(r.countries),
             "availability": float(r.availability)} for r in cs.itertuples()]}), indent=2),
            args)


def _held_lines(chain: Any, attrs: dict[str, Any], args: argparse.Namespace) -> list[str]:
    """The lines a cut-set table gains for the restrictions in force: how many, and the
    target's availability under them alone; or that --no-baseline left them out."""
    held = attrs.get("baseline") or []
    if attrs.get("note"):
        return [f"  {attrs['note']}: no further cut is needed"]
    if held:
        n = len(held)
        return [f"  restrictions in force ({n}): each set below stops {attrs['target']} on "
                f"top of them ({attrs['realised_availability']:.1%} available under them "
                "alone)"]
    if args.no_baseline and chain.baseline:
        return ["  restrictions in force are ignored (--no-baseline)"]
    return []
