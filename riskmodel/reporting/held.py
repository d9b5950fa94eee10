"""The report's restrictions in force: which it takes, what they cost, and its section.

A chain's ``baseline:`` (docs/model.md §1.5) lists restrictions already in force. A
report reads the chain with them (:func:`chain_as_read`), so that every figure in it is
marginal: what a further cut adds on top of them. :func:`held_info` measures each
restriction's realised loss alone and that of all together (one static long-run pass,
one column each); :func:`held_section` turns that into the report's section
"Restrictions in force", and :func:`held_sentence` into the line the summary and the
method section carry; :func:`add_held` adds both to a built report.
``baseline=False`` (``riskmodel report --no-baseline``) gives the unrestricted report,
which then says that the restrictions are ignored.

Examples
--------
>>> import riskmodel as rm
>>> bike = rm.load("bicycle")
>>> bike.baseline = [rm.Restriction(rm.Cut("JP", nodes=("drivetrain",)), "jp", since="2024")]
>>> info = held_info(bike)
>>> info.table.loc["jp", "realised_loss"] == info.together > 0
True
>>> held_info(bike, False).ignored, len(held_info(bike, False).table)
(True, 0)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from riskmodel.model import Chain
    from riskmodel.reporting.data import ReportData, Section

__all__ = ["HeldInfo", "add_held", "chain_as_read", "held_info", "held_section", "held_sentence"]

#: the columns of the restrictions' table
COLUMNS = ["title", "country", "nodes", "to", "fraction", "since", "source", "url", "ref",
           "realised_loss"]
#: the sentence every figure of a report with restrictions in force stands under
MARGINAL = ("Every other figure in this report is marginal: what each further cut adds on "
            "top of the restrictions in force.")


@dataclass
class HeldInfo:
    """The restrictions in force a report takes: ``table`` (one row per restriction,
    index ``id``, with its ``realised_loss`` alone), ``together`` (the realised loss of
    all of them), and ``ignored`` (the chain has some but ``baseline=False`` left them
    out)."""

    table: pd.DataFrame
    together: float
    ignored: bool
    given: tuple[Any, ...] = ()

    @property
    def count(self) -> int:
        """How many restrictions the report takes."""
        return len(self.table)


def chain_as_read(chain: Chain, baseline: Any = None) -> Chain:
    """The chain a report computes with: ``chain`` itself for ``baseline=None`` (its own
    restrictions), else a copy holding ``baseline`` (False: none; or a list of
    :class:`~riskmodel.Restriction` or their file form), so that every function called
    with it reads the same restrictions."""
    if baseline is None or (baseline is False and not chain.baseline):
        return chain
    from riskmodel.scenario import Cut

    items = [] if baseline is False else list(baseline)
    for i, item in enumerate(items, 1):
        if isinstance(item, Cut):
            raise TypeError(f"restriction {i} of the report's baseline is a bare Cut; a "
                            "report lists each restriction with its id and date: give "
                            f"riskmodel.Restriction(cut, id, since=...) ({item!r:.80})")
    out = chain.copy()
    out.baseline = items
    return out


def held_info(chain: Chain, baseline: Any = None) -> HeldInfo:
    """The restrictions in force ``baseline`` takes on ``chain`` (see
    :func:`riskmodel.realised.baseline_of`), with their realised losses: each alone and
    all together, in their long-run state (one static pass, one column each)."""
    import numpy as np
    import pandas as pd

    from riskmodel import engine
    from riskmodel.realised import baseline_of
    from riskmodel.scenario import Scenario
    from riskmodel.simulation import cut_spec

    given, cuts = baseline_of(chain, baseline)
    table = pd.DataFrame(columns=COLUMNS, index=pd.Index([], name="id"))
    if not cuts:
        return HeldInfo(table, 0.0, baseline is False and bool(chain.baseline))
    p = engine.params_from_compiled(chain.compiled)
    # a cut from month 0 and one from −inf are alike in the long run: ρ = 1 for both
    cols = [Scenario([cut], name=f"r{i}") for i, cut in enumerate(cuts)]
    spec = cut_spec(chain, [*cols, Scenario(list(cuts), name="all")], p)
    loss = np.maximum(0.0, engine.static_loss(chain.compiled, p, spec, mode="long_run"))
    rows = [_row(chain, item, cut, i) | {"realised_loss": float(loss[i])}
            for i, (item, cut) in enumerate(zip(given, cuts, strict=True))]
    table = pd.DataFrame(rows, columns=["id", *COLUMNS]).set_index("id")
    return HeldInfo(table, float(loss[-1]), False, given)


def _row(chain: Chain, item: Any, cut: Any, i: int) -> dict[str, Any]:
    """A restriction's row: its id (``restriction N`` for a bare cut), title, cut, date
    and source (the declared source's title with its year; its address apart)."""
    sid = getattr(item, "source", None)
    src = (chain.sources or {}).get(sid) if sid else None
    src = src if isinstance(src, Mapping) else {}
    title = src.get("title")
    source = (f"{title} ({src['year']})" if title and src.get("year") else title) or sid
    to = cut.to if isinstance(cut.to, str) else list(cut.to)
    return {"id": getattr(item, "id", None) or f"restriction {i + 1}",
            "title": getattr(item, "title", None), "country": cut.country,
            "nodes": list(cut.nodes) if cut.nodes else "everything it supplies or controls",
            "to": to, "fraction": cut.fraction, "since": getattr(item, "since", None),
            "source": source, "url": src.get("url"), "ref": getattr(item, "ref", None)}


def held_sentence(info: HeldInfo) -> str:
    """One line on the restrictions a report takes ('' for a chain with none).

    >>> import pandas as pd
    >>> print(held_sentence(HeldInfo(pd.DataFrame(), 0.0, True)))  # doctest: +NORMALIZE_WHITESPACE
    The chain lists restrictions in force, but they are ignored (--no-baseline): every
    figure is read against the unrestricted chain.
    """
    if info.ignored:
        return ("The chain lists restrictions in force, but they are ignored "
                "(--no-baseline): every figure is read against the unrestricted chain.")
    if not info.count:
        return ""
    n = info.count
    them = f"{n} restriction{'s' if n != 1 else ''} in force"
    return (f"Restrictions in force: the chain lists {them}; together they cost "
            f"{info.together:.1%} of end-use value against the unrestricted chain (their "
            f"realised loss). {MARGINAL}")


def add_held(data: ReportData, info: HeldInfo) -> None:
    """Add the restrictions in force to a built report: their section after the summary
    (when the report takes any), and their line in the summary and the method
    section."""
    from riskmodel.reporting.data import Section

    line = held_sentence(info)
    if not line:
        return
    data.sections[0].paragraphs.insert(1, line)
    data.sections[-1].paragraphs.append(line)
    if info.count:
        section = Section("restrictions", "Restrictions in force")
        held_section(section, info)
        data.sections.insert(1, section)


def held_section(d: Section, info: HeldInfo) -> None:
    """Fill the section "Restrictions in force": what they are, what each costs alone
    and all together, and how the rest of the report reads them."""
    from riskmodel.reporting.data import Table

    n = info.count
    d.paragraphs.append(
        f"The chain lists {n} restriction{'s' if n != 1 else ''} already in force. The "
        "report reads the chain with them held in their long-run state (substitution "
        "complete, stocks spent): together they cost "
        f"{info.together:.1%} of end-use value against the unrestricted chain, their "
        f"realised loss. {MARGINAL} Run with --no-baseline (baseline=False) for the "
        "unrestricted reading.")
    if n > 1:
        d.paragraphs.append(
            "The realised loss of each is that restriction alone; restrictions that reach "
            "the same supply overlap, so theirs need not add up to the total.")
    d.tables.append(Table(
        "restrictions", "Restrictions in force", info.table, formats={
            "nodes": "list", "to": "list", "fraction": "pct", "since": "text",
            "realised_loss": "pct"},
        headers={"to": "withheld from", "ref": "place in source",
                 "realised_loss": "realised loss alone"},
        note=f"All together: realised loss {info.together:.1%} of end-use value."))
