"""Problems found on many rows at once: only the listed ones are built.

A check that finds the same problem on many rows (a warning on 90,000 nodes of a
firm-level chain) reports the first :data:`~riskmodel.io.collect.MAX_PER_CODE` and counts
the rest (":class:`~riskmodel.io.collect.Collector` ... and N more"). :func:`listed`
gives the rows whose problem will be listed and counts the others at once, so that
the message, place and fix are built for those rows only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from riskmodel.io.collect import MAX_PER_CODE, Collector

__all__ = ["listed", "room", "unlisted"]


def listed(c: Collector, code: str, rows: Iterable[Any]) -> Iterator[Any]:
    """The first of ``rows`` that ``c`` still lists for ``code``: add a problem for each
    row given; when the loop ends, the others are counted as problems not listed.

    >>> c = Collector(None, "c.yaml")
    >>> for r in listed(c, "unreachable", np.arange(250)):
    ...     c.add("warning", "unreachable", f"row {r}")
    >>> len(c.problems), c.counts["unreachable"]
    (100, 250)
    """
    rows = np.asarray(rows)
    space = room(c, code)
    yield from rows[:space].tolist()
    unlisted(c, code, len(rows) - space)


def room(c: Collector, code: str) -> int:
    """How many more problems of ``code`` ``c`` lists."""
    return max(0, MAX_PER_CODE - c.counts.get(code, 0))


def unlisted(c: Collector, code: str, n: int) -> None:
    """Count ``n`` problems of ``code`` as found but not listed (once the listed ones
    are added)."""
    if n > 0:
        c.counts[code] = c.counts.get(code, 0) + n
