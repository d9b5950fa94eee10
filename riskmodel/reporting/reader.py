"""What makes a report one a reader can follow, added once its sections are built.

:func:`finish` runs the top choke points' sensitivity test and adds its section
(:mod:`riskmodel.reporting.sensitivity`), the caveats where a statistic rests on few
points (:mod:`riskmodel.reporting.caveats`), the sources by title, author, year and link
(:mod:`riskmodel.reporting.citations`) and, last, the glossary of the terms the report
uses (:mod:`riskmodel.reporting.glossary`). Its imports are lazy: the command line's
``--help`` stays instant.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from riskmodel.model import Chain
    from riskmodel.reporting.data import Computed, ReportData

__all__ = ["finish"]


def finish(data: ReportData, r: Computed, work: Chain, sensitivity: Any,
           tick: Callable[[], None]) -> None:
    """Add the sections "Sensitivity" and "Glossary", the caveats and the sources'
    titles and links to ``data``, built from the computed results ``r``; ``work`` is the
    chain as the report reads it (restrictions in force included), ``sensitivity`` the
    count of top choke points to test (None: the default), ``tick`` the progress step
    (called after the test, and at the end).
    """
    from riskmodel.reporting.caveats import add_caveats
    from riskmodel.reporting.citations import present_sources
    from riskmodel.reporting.enduses import choke_points_only, hide_end_uses
    from riskmodel.reporting.glossary import add_glossary
    from riskmodel.reporting.sensitivity import (
        add_sensitivity,
        check_count,
        report_sensitivity,
    )

    unc = r.uncertainty
    sens = report_sensitivity(work, r.scores, count=check_count(sensitivity),
                              k=int(unc.attrs.get("top", 5)))
    tick()
    data.settings["sensitivity"] = {"nodes": sens.nodes, "skipped": sens.skipped}
    add_sensitivity(data, sens, unc, r.scores)
    hide_end_uses(data, r.chain)
    add_caveats(data, r, choke_points_only(r.chain, r.scores), sens)
    present_sources(data)
    add_glossary(data, r.chain)  # last: it lists the terms the other sections use
    tick()
