"""The ``riskmodel`` command line.

``main(argv=None) -> int``: errors print one clear line (or one list) to stderr and
return 1; usage errors return 2. Heavy modules are imported only by the command that
needs them, so ``riskmodel --help`` is instant.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from riskmodel._version import __version__
from riskmodel.cli.args import (
    MAX_DRAWS,
    draws,
    fraction,
    month,
    months,
    nonnegative_int,
    positive_int,
    seed,
)

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


_pos_int, _nonneg_int, _fraction = positive_int, nonnegative_int, fraction
#: cells (draws × nodes) of the score uncertainty's result table the command line
#: allows: 8 bytes each, so about 2 GB
MAX_SCORE_CELLS = 250_000_000


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: usage error: {message}\n")


def _print_problems(problems: Sequence[Any], stream: Any = None) -> None:
    stream = stream or sys.stderr
    for p in problems:
        print(f"  {p}", file=stream)


# ---------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------

def _cmd_chains(args: argparse.Namespace) -> int:
    from riskmodel.io.render import render
    from riskmodel.model import builtin_chains

    print(render(builtin_chains(), args.format))
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    from riskmodel._errors import ChainValidationError
    from riskmodel.io.terminal import one_line
    from riskmodel.validation import validate

    results = []
    status = EXIT_OK
    for path in args.files:
        shown = one_line(path)
        try:
            rep = validate(path, strict=args.strict, require_sources=args.require_sources)
            results.append({"file": path, "valid": True,
                            "problems": [p.as_dict() for p in rep.all()]})
            if args.format == "text":
                extra = ", ".join(f"{len(v)} {k}" for k, v in
                                  (("warnings", rep.warnings), ("notes", rep.info)) if v)
                print(f"{shown}: valid" + (f" ({extra})" if extra else ""))
                for p in rep.warnings + rep.info:
                    print(f"  {p}")
        except FileNotFoundError as e:
            status = EXIT_ERROR
            results.append({"file": path, "valid": False, "problems": [
                {"severity": "error", "message": str(e), "file": path}]})
            if args.format == "text":
                print(f"{shown}: error: {e}", file=sys.stderr)
        except ChainValidationError as e:
            status = EXIT_ERROR
            results.append({"file": path, "valid": False,
                            "problems": [p.as_dict() for p in e.problems + e.warnings]})
            if args.format == "text":
                n = len(e.problems)
                print(f"{shown}: invalid, {n} problem{'s' if n != 1 else ''}:", file=sys.stderr)
                _print_problems(e.problems)
                if e.warnings:
                    print(f"  and {len(e.warnings)} warning(s):", file=sys.stderr)
                    _print_problems(e.warnings)
    if args.format == "json":
        print(json.dumps(results, indent=2, ensure_ascii=False))
    return status


def _inputs(args: argparse.Namespace) -> list[str]:
    """The files and folders a command reads: its output must never replace them."""
    from riskmodel.io.document import resolve_path

    out = []
    for name in ("chain", "old", "new"):
        value = getattr(args, name, None)
        if value is None:
            continue
        try:
            path = resolve_path(value)
        except (FileNotFoundError, OSError, ValueError):
            continue
        if path is not None:
            out.append(str(path))
    out += [p for p in getattr(args, "scenario_file", None) or [] if os.path.exists(p)]
    return out


def _check_out(args: argparse.Namespace) -> None:
    """Refuse a bad ``--out`` before the work starts (see :mod:`riskmodel._write`)."""
    if args.out is not None:
        from riskmodel.io.write import check_file

        check_file(args.out, inputs=_inputs(args), force=args.force)


def _emit(text: str, args: argparse.Namespace) -> None:
    """Print ``text``, or write it to ``args.out`` (see :mod:`riskmodel._write`)."""
    if args.out is None:
        print(text)
        return
    from riskmodel.io.terminal import one_line
    from riskmodel.io.write import write_file

    write_file(args.out, text + "\n", inputs=_inputs(args), force=args.force)
    print(f"wrote {one_line(args.out)}", file=sys.stderr)


def _scenarios_from_args(args: argparse.Namespace, chain: Any) -> list[Any]:
    from riskmodel._errors import ScenarioError
    from riskmodel.scenario import Scenario, parse_cut, read_scenarios, scenario_from_cuts

    scenarios: list[Any] = []
    for name in args.scenario or []:
        if name == "all":
            scenarios += [Scenario.from_dict(d) for d in chain.scenarios]
        else:
            scenarios.append(Scenario.from_chain(chain, name))
    for path in args.scenario_file or []:
        scenarios += read_scenarios(path)
    if args.cut:
        for text in args.cut:
            head, colon, rest = text.partition(":")
            if colon and not any(x.strip() for x in rest.partition("@")[0].split(",")):
                raise _usage(f"--cut {text!r} names no node after ':'; list the nodes "
                             f"(e.g. {head.strip()}:node_a,node_b), or leave out the ':' "
                             f"to cut everything {head.strip()} supplies")
        cuts = [parse_cut(text, start=args.start, duration=args.duration) for text in args.cut]
        scenarios.append(scenario_from_cuts(cuts, months=args.months or 24))
    if not scenarios:
        names = ", ".join(str(d.get("id")) for d in chain.scenarios) or "none"
        raise ScenarioError([_problem(
            "no scenario given", fix=f"give --cut CC[:nodes][@fraction], or --scenario NAME "
            f"(this chain's: {names}; or `all`), or --scenario-file FILE")])
    return scenarios


def _problem(message: str, *, fix: str) -> Any:
    from riskmodel._errors import Problem

    return Problem("error", message, where="command line", fix=fix)


def _cmd_simulate(args: argparse.Namespace) -> int:
    import pandas as pd

    from riskmodel.io.render import render, to_jsonable
    from riskmodel.model import load
    from riskmodel.simulation import monte_carlo, simulate, simulate_many

    _check_out(args)
    chain = load(args.chain)
    scenarios = _scenarios_from_args(args, chain)
    if args.mc:
        if len(scenarios) != 1:
            raise _usage("--mc takes one scenario")
        mc = monte_carlo(chain, scenarios[0], draws=args.mc, seed=args.seed, months=args.months,
                         threshold=args.threshold)
        if args.format == "table":
            _emit(str(mc) + "\n\n" + render(mc.percentiles.T, "table"), args)
        elif args.format == "csv":
            _emit(render(mc.draws, "csv"), args)
        else:
            _emit(json.dumps(to_jsonable({
                "chain": chain.name, "scenario": mc.scenario.as_dict(), "draws": args.mc,
                "seed": args.seed, "ranged_values": mc.ranged_values,
                "percentiles": mc.percentiles.T, "loss_percentiles": mc.loss}), indent=2),
                args)
        return EXIT_OK
    if len(scenarios) > 1:
        table = simulate_many(chain, scenarios, months=args.months, threshold=args.threshold)
        _emit(render(table, args.format), args)
        return EXIT_OK
    res = simulate(chain, scenarios[0], months=args.months, threshold=args.threshold)
    if args.format == "table":
        loss = res.end_use_loss.to_frame("end-use loss")
        loss["lowest node"] = res.availability.idxmin(axis=0)
        loss["its availability"] = res.availability.min(axis=0)
        _emit(str(res) + "\n\n" + render(loss, "table"), args)
    elif args.format == "csv":
        wide = pd.concat([res.end_use_loss, res.availability.T], axis=1)
        _emit(render(wide, "csv"), args)
    else:
        _emit(json.dumps(to_jsonable({
            "chain": chain.name, "scenario": res.scenario.as_dict(),
            "threshold": args.threshold, "summary": res.summary,
            "end_use_loss": res.end_use_loss.tolist(),
            "availability": {k: v.tolist() for k, v in res.availability.iterrows()}}),
            indent=2), args)
    return EXIT_OK


SCORE_COLUMNS = ["rank", "stage", "choke_score", "choke_immediate", "choke_long_run",
                 "cut_country", "exposure", "hhi", "downstream_reach", "spof_count"]


def _cmd_score(args: argparse.Namespace) -> int:
    from riskmodel.io.render import render, to_jsonable
    from riskmodel.model import load
    from riskmodel.scoring import explain, leverage, score, score_uncertainty

    _check_out(args)
    chain = load(args.chain)
    for node in args.explain or []:
        _check_node(chain, node, where="--explain")
    if args.mc and args.mc * chain.compiled.n > MAX_SCORE_CELLS:
        most = max(1, MAX_SCORE_CELLS // chain.compiled.n)
        raise _usage(f"--mc {args.mc} on {chain.compiled.n:,} nodes needs "
                     f"{args.mc * chain.compiled.n * 8 / 1e9:.1f} GB; give --mc {most:,} "
                     "or fewer for this chain")
    scores = score(chain, horizon=args.horizon)
    if args.explain:
        _emit("\n".join(explain(scores, node) for node in args.explain), args)
        return EXIT_OK
    shown = scores if args.top == 0 else scores.head(args.top)
    unc = None
    if args.mc:
        unc = score_uncertainty(chain, draws=args.mc, seed=args.seed, horizon=args.horizon,
                                top=min(args.top or 5, 5), scores=scores)
        shown = shown.join(unc[["p5", "p95", "rank_p5", "rank_p95", "p_top"]])
    lev = leverage(chain, horizon=args.horizon) if args.leverage else None
    if args.format == "table":
        cols = SCORE_COLUMNS + ([c for c in ("p5", "p95", "rank_p5", "rank_p95", "p_top")
                                 if unc is not None])
        head = (f"{chain.title}: choke points ({args.horizon}-month choke score, end-use loss "
                f"share; {scores.attrs['exact']})")
        parts = [head, render(shown[cols], "table")]
        if unc is not None:
            parts.append(f"Uncertainty ({args.mc} draws, seed {args.seed}): "
                         f"{unc.attrs['note']}")
        if lev is not None:
            parts += ["", "Country leverage (end-use loss if the country cuts everything it "
                      "supplies):", render(lev, "table")]
        _emit("\n".join(parts), args)
    elif args.format == "csv":
        _emit(render(shown, "csv") if lev is None else render(lev, "csv"), args)
    else:
        payload: dict[str, Any] = {"chain": chain.name, "settings": scores.attrs,
                                   "scores": shown}
        if unc is not None:
            payload["uncertainty_note"] = unc.attrs["note"]
        if lev is not None:
            payload["leverage"] = lev
        _emit(json.dumps(to_jsonable(payload), indent=2, ensure_ascii=False), args)
    return EXIT_OK


def _cmd_cutsets(args: argparse.Namespace) -> int:
    from riskmodel.coalitions import coalition, cutsets
    from riskmodel.io.render import render, to_jsonable
    from riskmodel.model import load

    members: list[str] = []
    if args.coalition is not None:
        members = [x.strip() for x in args.coalition.split(",") if x.strip()]
        if not members:
            raise _usage(f"--coalition {args.coalition!r} names no country; give country "
                         "codes separated by commas (e.g. --coalition CN,JP), or leave out "
                         "--coalition for the cut-set search")
    _check_out(args)
    chain = load(args.chain)
    _check_node(chain, args.target, where="--target")
    if members:
        share = coalition(chain, members, target=args.target, mode=args.mode)
        what = args.target or "all end use"
        if args.format == "json":
            _emit(json.dumps({"chain": chain.name, "coalition": members, "target": what,
                              "mode": args.mode, "surviving_share": share}), args)
        else:
            _emit(f"{chain.name}: if {'+'.join(members)} cut everything they supply, "
                  f"{share:.1%} of {what} survives ({args.mode}).", args)
        return EXIT_OK
    cs = cutsets(chain, target=args.target, max_size=args.max_size, threshold=args.threshold,
                 mode=args.mode)
    table = cs.assign(countries=["+".join(x) for x in cs["countries"]])
    if args.format == "table":
        head = (f"{chain.name}: minimal country cut sets for {cs.attrs['target']} "
                f"(availability < {args.threshold:.0%}, {args.mode}; {cs.attrs['evaluated']} "
                f"sets of up to {args.max_size} of {cs.attrs['candidates']} countries checked)")
        body = render(table, "table", index=False) if len(cs) else "  none found"
        _emit(head + "\n" + body, args)
    elif args.format == "csv":
        _emit(render(table, "csv", index=False), args)
    else:
        _emit(json.dumps(to_jsonable({"settings": cs.attrs, "cutsets": [
            {"size": int(r.size), "countries": list(r.countries),
             "availability": float(r.availability)} for r in cs.itertuples()]}), indent=2),
            args)
    return EXIT_OK


def _check_node(chain: Any, node: str | None, *, where: str) -> None:
    if node is None:
        return
    from riskmodel._errors import NodeNotFoundError
    from riskmodel.io.collect import suggest

    if node not in chain.compiled.index:
        hint = suggest(node, list(chain.compiled.ids))
        raise NodeNotFoundError(f"{where} {node}: no node '{node}' in chain '{chain.name}'; "
                                + (f"did you mean `{hint}`?" if hint else
                                   "give a node id of the chain (`riskmodel score "
                                   "CHAIN --top 0` lists them)"))


def _cmd_diff(args: argparse.Namespace) -> int:
    from riskmodel.diff import diff, render
    from riskmodel.model import load

    _check_out(args)
    d = diff(load(args.old), load(args.new), scores=not args.no_scores, horizon=args.horizon)
    _emit(render(d, args.format, top=args.top).rstrip("\n"), args)
    return EXIT_OK


class _UsageError(Exception):
    pass


def _usage(message: str) -> _UsageError:
    return _UsageError(message)


def _cmd_schema(args: argparse.Namespace) -> int:
    from riskmodel import schema

    if args.format == "markdown":
        print(schema.markdown_reference(), end="")
    else:
        print(json.dumps(schema.json_schema(), indent=2, ensure_ascii=False))
    return EXIT_OK


# ---------------------------------------------------------------------------
# parser
# ---------------------------------------------------------------------------

def _add_out(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--out", metavar="FILE",
                    help="write the output to FILE (replaced atomically; never a folder, "
                         "a symbolic link or one of the inputs)")
    sp.add_argument("--force", action="store_true",
                    help="write through a symbolic link --out to the file it points to")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    p = _Parser(prog="riskmodel",
                description="Supply-chain dependency risk analyzer: choke points, country "
                            "leverage and cut-off simulation.")
    p.add_argument("--version", action="version", version=f"riskmodel {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def add(name: str, func: Callable[[argparse.Namespace], int], help_: str
            ) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_, description=help_)
        sp.set_defaults(func=func)
        return sp

    sp = add("chains", _cmd_chains, "List the built-in chains.")
    sp.add_argument("--format", choices=("table", "csv", "json"), default="table")

    sp = add("validate", _cmd_validate,
             "Check chain files; list every problem with its place and fix.")
    sp.add_argument("files", nargs="+", metavar="FILE",
                    help="chain files (YAML, JSON, bundle folder) or built-in chain names")
    sp.add_argument("--strict", action="store_true", help="treat warnings as errors")
    sp.add_argument("--require-sources", action="store_true",
                    help="every number must be sourced or a marked estimate with a range")
    sp.add_argument("--format", choices=("text", "json"), default="text")

    sp = add("simulate", _cmd_simulate,
             "Play a cut-off scenario month by month: availability, end-use loss, time to "
             "survive and recover.")
    sp.add_argument("chain", metavar="CHAIN_OR_FILE", help="built-in chain name or chain file")
    sp.add_argument("--cut", action="append", metavar="SPEC",
                    help="CC[:node,node][@fraction], e.g. JP or US:euv_lithography@0.9; "
                         "repeat for several cuts")
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
    sp.add_argument("--threshold", type=_fraction, default=0.05,
                    help="end-use loss that counts for time to survive/recover (default 0.05)")
    sp.add_argument("--mc", type=draws, default=None, metavar="N",
                    help=f"Monte Carlo over the chain's ranged values with N draws "
                         f"(at most {MAX_DRAWS:,})")
    sp.add_argument("--seed", type=seed, default=0,
                    help="seed of the Monte Carlo draws (a whole number ≥ 0)")
    sp.add_argument("--format", choices=("table", "csv", "json"), default="table")
    _add_out(sp)

    sp = add("score", _cmd_score,
             "Rank the choke points: indicators and an explainable choke score per node.")
    sp.add_argument("chain", metavar="CHAIN_OR_FILE", help="built-in chain name or chain file")
    sp.add_argument("--top", type=_nonneg_int, default=10, help="rows to show (0 = all)")
    sp.add_argument("--horizon", type=months, default=12,
                    help="month at which the choke score reads the loss, 1 to 600 "
                         "(default 12)")
    sp.add_argument("--explain", action="append", metavar="NODE",
                    help="explain why NODE ranks where it does; repeatable")
    sp.add_argument("--leverage", action="store_true", help="also rank country leverage")
    sp.add_argument("--mc", type=draws, default=None, metavar="N",
                    help=f"uncertainty: N Monte Carlo draws over the ranged values (at most "
                         f"{MAX_DRAWS:,})")
    sp.add_argument("--seed", type=seed, default=0,
                    help="seed of the Monte Carlo draws (a whole number ≥ 0)")
    sp.add_argument("--format", choices=("table", "csv", "json"), default="table")
    _add_out(sp)

    sp = add("cutsets", _cmd_cutsets,
             "Find the smallest sets of countries whose joint cut stops a product.")
    sp.add_argument("chain", metavar="CHAIN_OR_FILE", help="built-in chain name or chain file")
    sp.add_argument("--target", metavar="NODE", help="end-use node (default: all end use)")
    sp.add_argument("--max-size", type=_pos_int, default=3, help="largest set size (default 3)")
    sp.add_argument("--threshold", type=_fraction, default=0.05,
                    help="availability below which the target counts as stopped (0.05)")
    sp.add_argument("--mode", choices=("immediate", "long_run"), default="immediate")
    sp.add_argument("--coalition", metavar="CC,CC,...",
                    help="instead: the share of the target that survives this coalition")
    sp.add_argument("--format", choices=("table", "csv", "json"), default="table")
    _add_out(sp)

    sp = add("diff", _cmd_diff, "What changed between two versions of a chain: nodes, "
             "edges, values, and how the choke ranking and country leverage moved.")
    sp.add_argument("old", metavar="OLD", help="chain file or built-in name (before)")
    sp.add_argument("new", metavar="NEW", help="chain file or built-in name (after)")
    sp.add_argument("--format", choices=("text", "json", "md"), default="text")
    sp.add_argument("--top", type=_pos_int, default=20, help="rows per section (default 20)")
    sp.add_argument("--horizon", type=months, default=12,
                    help="month at which the choke scores are read, 1 to 600 (default 12)")
    sp.add_argument("--no-scores", action="store_true",
                    help="compare structure and values only (no scoring)")
    _add_out(sp)

    from riskmodel.cli.eto import add_import_parser
    from riskmodel.cli.report import add_report_parser

    add_report_parser(sub)
    add_import_parser(sub)

    sp = add("schema", _cmd_schema, "Print the JSON Schema of chain files.")
    sp.add_argument("--format", choices=("json", "markdown"), default="json",
                    help="json (the JSON Schema) or markdown (the reference tables)")
    return p


class _Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where the program is, so that ``finally`` blocks run."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _trap_signals() -> dict[int, Any]:
    """Turn SIGTERM and SIGHUP into :class:`_Terminated` (unless ignored, as under
    ``nohup``); return the handlers they had, for :func:`_restore_signals`."""
    import signal
    import threading

    def handler(signum: int, frame: Any) -> None:
        raise _Terminated(signum)

    previous: dict[int, Any] = {}
    if threading.current_thread() is not threading.main_thread():
        return previous
    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is None or signal.getsignal(sig) is signal.SIG_IGN:
            continue
        with contextlib.suppress(OSError, ValueError):
            previous[sig] = signal.signal(sig, handler)
    return previous


def _restore_signals(previous: dict[int, Any]) -> None:
    import signal

    for sig, old in previous.items():
        signal.signal(sig, old if old is not None else signal.SIG_DFL)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    Everything it prints goes through :class:`riskmodel._terminal.SafeStream`, so no
    control character from a chain file reaches the terminal raw.
    """
    from riskmodel.io.terminal import SafeStream

    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = SafeStream(out), SafeStream(err, "error")
    try:
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as e:
            return int(e.code) if isinstance(e.code, int) else EXIT_USAGE
        if not getattr(args, "func", None):
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        return _run(args)
    finally:
        sys.stdout, sys.stderr = out, err


def _say(message: str) -> None:
    """Print an error line on stderr; a closed or full stderr cannot take it: stay quiet."""
    from riskmodel.io.terminal import StreamError

    with contextlib.suppress(OSError, StreamError):
        print(message, file=sys.stderr)


def _discard_stdout() -> None:
    """Point a failed stdout at /dev/null so the exit does not retry the lost text."""
    try:
        fd = sys.__stdout__.fileno() if sys.__stdout__ is not None else -1
        if fd >= 0:
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, fd)
            os.close(null)
    except (OSError, ValueError, AttributeError):
        pass


def _run(args: argparse.Namespace) -> int:
    """Run the parsed command; turn expected errors into one clear line and exit 1."""
    from riskmodel._errors import RiskmodelError
    from riskmodel.io.terminal import StreamError

    previous = _trap_signals()
    try:
        code = args.func(args)
        sys.stdout.flush()  # a full disk or closed stdout is an error, not a shutdown noise
        return code
    except _UsageError as e:
        _say(f"riskmodel: usage error: {e}")
        return EXIT_USAGE
    except FileNotFoundError as e:
        _say(f"riskmodel: error: {e}")
        return EXIT_ERROR
    except StreamError as e:
        _discard_stdout()
        _say(f"riskmodel: error: {e}")
        return EXIT_ERROR
    except RiskmodelError as e:
        text = str(e)
        _say(f"riskmodel: error: {text}")
        return EXIT_ERROR
    except KeyboardInterrupt as e:
        signum = getattr(e, "signum", 2)
        print("riskmodel: interrupted" if signum == 2 else
              f"riskmodel: stopped by signal {signum}", file=sys.stderr)
        return 128 + signum
    except BrokenPipeError:
        return EXIT_OK
    except Exception as e:  # a bug: say so in one line, no traceback
        if os.environ.get("RISKMODEL_DEBUG"):
            raise
        print(f"riskmodel: internal error ({type(e).__name__}: {e}). This is a bug; please "
              "report it. Set RISKMODEL_DEBUG=1 to see the traceback.", file=sys.stderr)
        return EXIT_ERROR
    finally:
        _restore_signals(previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
