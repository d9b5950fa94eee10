"""``riskmodel score --pairs``: conditional criticality, the pairs of cuts that cost
more together than apart (:func:`riskmodel.scoring.pairs`)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from riskmodel.cli.common import baseline_arg, emit

__all__ = ["add_pairs_option", "emit_pairs"]


def add_pairs_option(sp: argparse.ArgumentParser) -> None:
    """Add ``--pairs`` to the ``score`` command.

    >>> p = argparse.ArgumentParser()
    >>> add_pairs_option(p)
    >>> p.parse_args(["--pairs"]).pairs
    True
    """
    sp.add_argument("--pairs", action="store_true",
                    help="instead of the ranking: for the --top nodes (10 if 0), the "
                         "partners whose joint cut costs most beyond the two single cuts "
                         "(conditional criticality)")


def emit_pairs(chain: Any, scores: Any, args: argparse.Namespace) -> None:
    """Emit :func:`~riskmodel.scoring.pairs` for ``args.top`` nodes as a table, CSV or
    JSON."""
    from riskmodel.io.render import render, to_jsonable
    from riskmodel.scoring.pairs import pairs

    p = pairs(chain, top=args.top or 10, scores=scores, baseline=baseline_arg(args))
    if args.format == "csv":
        emit(render(p, "csv", index=False), args)
    elif args.format == "json":
        emit(json.dumps(to_jsonable({"chain": chain.name, "settings": p.attrs,
                                     "pairs": p.to_dict("records")}), indent=2,
                        ensure_ascii=False), args)
    else:
        held = p.attrs.get("baseline") or []
        head = (f"{chain.title}: conditional criticality ({p.attrs['pairs_run']} pairs of "
                f"cuts run, {p.attrs['measure']}, {p.attrs['horizon']} months; excess = "
                f"{p.attrs['excess']})")
        lines = [head] + ([f"  restrictions in force ({len(held)}): every loss is what the "
                           "cuts add on top of them"] if held else [])
        lines.append(render(p.round(4), "table", index=False) if len(p) else
                     "  no pair costs more together than apart")
        emit("\n".join(lines), args)
