"""What the command modules share: exit codes, the usage error, ``--out`` handling,
scenarios from the arguments, and the node check.

Light on purpose (argparse, json, os, sys): everything heavier is imported inside the
function that needs it, so ``riskmodel --help`` stays instant.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["EXIT_ERROR", "EXIT_OK", "EXIT_USAGE", "UsageError", "add_command", "add_out",
           "check_node", "check_out", "emit", "inputs", "print_problems", "problem",
           "scenarios_from_args", "usage_error"]

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A command line that parses but makes no sense: ``main`` prints it and exits 2."""


def usage_error(message: str) -> UsageError:
    """The :class:`UsageError` to raise for ``message``."""
    return UsageError(message)


def add_command(subparsers: Any, name: str, func: Callable[[argparse.Namespace], int],
                help_: str) -> argparse.ArgumentParser:
    """Add the command ``name``, run by ``func``, to an ``add_subparsers()`` object.

    >>> p = argparse.ArgumentParser(prog="riskmodel")
    >>> sp = add_command(p.add_subparsers(), "hello", lambda args: 0, "Say hello.")
    >>> sp.description, p.parse_args(["hello"]).func(None)
    ('Say hello.', 0)
    """
    sp = subparsers.add_parser(name, help=help_, description=help_)
    sp.set_defaults(func=func)
    add_quiet(sp)
    return sp


def add_quiet(sp: argparse.ArgumentParser) -> None:
    """Add ``-q/--quiet`` (no progress bar, no note of the files written)."""
    sp.add_argument("-q", "--quiet", action="store_true",
                    help="print no progress bar and no note of the files written (errors "
                         "and warnings still go to stderr)")


def add_monte_carlo(sp: argparse.ArgumentParser, what: str, *,
                    default_draws: int | None = None) -> None:
    """Add ``--mc N`` (``what`` says what the draws are for) and ``--seed S``."""
    from riskmodel.cli.args import MAX_DRAWS, draws, seed

    default = f"default {default_draws:,}, " if default_draws else ""
    sp.add_argument("--mc", type=draws, default=None, metavar="N",
                    help=f"{what} ({default}at most {MAX_DRAWS:,})")
    sp.add_argument("--seed", type=seed, default=0,
                    help="seed of the Monte Carlo draws, a whole number ≥ 0 (default 0)")


def add_no_baseline(sp: argparse.ArgumentParser, what: str = "the scenario's") -> None:
    """Add ``--no-baseline``: leave out the chain's restrictions in force (its
    ``baseline:``, docs/model.md §1.5); read it with :func:`baseline_arg`. ``what``
    names whose marginal effect is reported by default."""
    sp.add_argument("--no-baseline", action="store_true",
                    help="leave out the restrictions in force (the chain's baseline:) and "
                         "measure against the unrestricted chain; by default a chain with "
                         f"a baseline reports their realised loss and {what} marginal "
                         "effect on top of them")


def add_target(sp: argparse.ArgumentParser, *, repeat: bool = False) -> None:
    """Add ``--target NODE[,NODE...]``: measure the shortfall of these nodes (or of a
    target the chain declares) instead of end-use value (:mod:`riskmodel.targets`);
    ``repeat`` lets it be given several times, one target each."""
    sp.add_argument("--target", metavar="NODE[,NODE...]",
                    action="append" if repeat else "store",
                    help="measure the loss as the shortfall of these nodes (weighted by "
                         "value if every one has a value, else equally), or of a target "
                         "the chain declares under targets:, instead of end-use value"
                         + ("; repeatable, one target each" if repeat else ""))


def target_arg(chain: Any, args: argparse.Namespace) -> Any:
    """The resolved ``--target`` (None without it); an unknown node or name fails here,
    before any work, with the nearest id."""
    from riskmodel.targets import resolve

    return resolve(chain, getattr(args, "target", None))


def target_line(target: Any) -> str:
    """The header line naming what a table's losses measure: ``loss of <target>``.

    >>> from riskmodel.targets import Target
    >>> target_line(Target("logic", ("fab_a", "fab_b"), "equal"))
    'loss of logic (fab_a, fab_b, weighted equally) instead of end-use value'
    """
    nodes = "" if target.nodes == (target.name,) else ", ".join(target.nodes) + ", "
    how = "weighted by value" if target.weighting == "value" else "weighted equally"
    if len(target.nodes) == 1:
        return f"loss of {target.name}" + (f" ({target.nodes[0]})" if nodes else "") \
            + " instead of end-use value"
    return f"loss of {target.name} ({nodes}{how}) instead of end-use value"


def baseline_arg(args: argparse.Namespace) -> bool | None:
    """The ``baseline=`` of the API for ``--no-baseline``: False (none), or None (the
    chain's own)."""
    return False if getattr(args, "no_baseline", False) else None


def note(text: str) -> None:
    """Print an informational line to stderr, unless ``--quiet``."""
    from riskmodel._progress import is_quiet

    if not is_quiet():
        print(text, file=sys.stderr)


def add_out(sp: argparse.ArgumentParser) -> None:
    """Add ``--out FILE`` and ``--force`` to a command that prints one text."""
    sp.add_argument("--out", metavar="FILE",
                    help="write the output to FILE (replaced atomically; never a folder, "
                         "a symbolic link or one of the inputs); - for standard output")
    sp.add_argument("--force", action="store_true",
                    help="write through a symbolic link --out to the file it points to")


def print_problems(problems: Sequence[Any], stream: Any = None) -> None:
    """Print each problem on a line of its own, indented, to ``stream`` (stderr)."""
    stream = stream or sys.stderr
    for p in problems:
        print(f"  {p}", file=stream)


def inputs(args: argparse.Namespace) -> list[str]:
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


def check_out(args: argparse.Namespace) -> None:
    """Refuse a bad ``--out`` before the work starts (see :mod:`riskmodel.io.write`)."""
    if args.out not in (None, "-"):
        from riskmodel.io.write import check_file

        check_file(args.out, inputs=inputs(args), force=args.force)


def emit(text: str, args: argparse.Namespace) -> None:
    """Print ``text``, or write it to ``args.out`` (see :mod:`riskmodel.io.write`)."""
    if args.out in (None, "-"):
        print(text)
        return
    from riskmodel.io.terminal import one_line
    from riskmodel.io.write import write_file

    write_file(args.out, text + "\n", inputs=inputs(args), force=args.force)
    note(f"wrote {one_line(args.out)}")


def scenarios_from_args(args: argparse.Namespace, chain: Any) -> list[Any]:
    """The scenarios ``--scenario``, ``--scenario-file`` and ``--cut`` give, in that
    order; raise :class:`~riskmodel.ScenarioError` when they give none."""
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
            nodes = rest.partition("@")[0].partition(">")[0]
            if colon and not any(x.strip() for x in nodes.split(",")):
                raise usage_error(f"--cut {text!r} names no node after ':'; list the nodes "
                                  f"(e.g. {head.strip()}:node_a,node_b), or leave out the "
                                  f"':' to cut everything {head.strip()} supplies")
        cuts = [parse_cut(text, start=args.start, duration=args.duration) for text in args.cut]
        scenarios.append(scenario_from_cuts(cuts, months=args.months or 24))
    if not scenarios:
        names = ", ".join(str(d.get("id")) for d in chain.scenarios) or "none"
        raise ScenarioError([problem(
            "no scenario given", fix=f"give --cut CC[:nodes][@fraction][>dest], or --scenario NAME "
            f"(this chain's: {names}; or `all`), or --scenario-file FILE")])
    return scenarios


def problem(message: str, *, fix: str) -> Any:
    """An error :class:`~riskmodel.Problem` found on the command line."""
    from riskmodel._errors import Problem

    return Problem("error", message, where="command line", fix=fix)


def check_node(chain: Any, node: str | None, *, where: str) -> None:
    """Raise :class:`~riskmodel.NodeNotFoundError` when ``node`` (given by the option
    ``where``) is not in ``chain``, suggesting the closest id; accept ``None``."""
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
