"""Restrictions in force: which a run takes, and its realised and marginal figures.

A chain's ``baseline`` lists restrictions already in force (docs/model.md §1.5). They
hold in their long-run state in every month, so a run of them alone is flat: its loss
is the **realised** cost of the baseline against the unrestricted chain. A scenario is
then read as its **marginal** effect on top of them: the loss with the baseline and the
scenario, less the realised loss, month by month (total = realised + marginal).
:func:`riskmodel.simulate`, :func:`~riskmodel.simulate_many` and
:func:`~riskmodel.monte_carlo` take ``baseline=`` (see :func:`baseline_of`).

Examples
--------
>>> import numpy as np
>>> marginal(np.array([0.30, 0.45, 0.3 + 1e-16]), 0.3).round(3).tolist()
[0.0, 0.15, 0.0]
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from riskmodel.scenario import Cut, Scenario, resolve

__all__ = ["NOISE", "baseline_of", "describe", "held_line", "marginal"]

#: Marginal losses within this of 0 are 0: the two runs differ there by rounding only.
NOISE = 1e-12


def baseline_of(chain: Any, baseline: Any = None) -> tuple[tuple[Any, ...], tuple[Cut, ...]]:
    """The restrictions in force a run takes, as given and as cuts.

    ``baseline`` is None (the chain's own, ``chain.baseline``, none if it has no such
    attribute), False or empty (none: the unrestricted reading), or a sequence of
    :class:`~riskmodel.scenario.Cut` or of restrictions (any object whose ``cut`` is a
    ``Cut``). Each is checked against ``chain`` like a scenario's cuts; a restriction in
    force holds from before month 0 for ever, so its cut names no ``start`` or
    ``duration``.

    Raises
    ------
    TypeError
        For an item that is neither a ``Cut`` nor has one as ``cut``.
    ValueError
        For a cut with a ``start`` or ``duration``.
    riskmodel.ScenarioError
        For a cut naming a country, node or destination the chain does not have.

    Examples
    --------
    >>> import riskmodel as rm
    >>> bike = rm.load("bicycle")
    >>> baseline_of(bike, [rm.Cut("JP", nodes=("drivetrain",))])[1]
    (Cut(country='JP', nodes=('drivetrain',), fraction=1.0, start=0, duration=None, to='all'),)
    >>> baseline_of(bike, False)
    ((), ())
    """
    if baseline is None:
        baseline = getattr(chain, "baseline", None) or ()
    if baseline is False:
        return (), ()
    if isinstance(baseline, (str, Cut)) or not isinstance(baseline, Iterable):
        raise TypeError("baseline must be None (the chain's own), False (none) or a list of "
                        f"riskmodel.Cut or restrictions, not {type(baseline).__name__}")
    items = tuple(baseline)
    cuts = []
    for i, item in enumerate(items, 1):
        cut = item if isinstance(item, Cut) else getattr(item, "cut", None)
        if not isinstance(cut, Cut):
            raise TypeError(f"restriction {i} of the baseline must be a riskmodel.Cut or have "
                            f"one as .cut; found {type(item).__name__} {item!r:.60}")
        if cut.start or cut.duration is not None:
            raise ValueError(f"restriction {i} of the baseline ({cut.country}) has a start or "
                             "duration, but a restriction in force holds from before month 0 "
                             "for ever: drop them, or put the cut in the scenario")
        cuts.append(cut)
    if cuts:
        resolve(chain, Scenario(cuts, name="baseline"))
    return items, tuple(cuts)


def marginal(total: np.ndarray, realised: Any) -> np.ndarray:
    """The marginal loss: ``total − realised``, with rounding noise (within
    :data:`NOISE` of 0) set to 0."""
    out = np.asarray(total, dtype=float) - realised
    return np.where(np.abs(out) <= NOISE, 0.0, out)


def held_line(count: int, realised: float, peak: float, final: float) -> str:
    """The line a printed result gains when restrictions are in force.

    >>> print(held_line(2, 0.123, 0.05, 0.04))  # doctest: +NORMALIZE_WHITESPACE
      restrictions in force (2): realised loss 12.3%; this scenario adds: worst month
      after the cut 5.0%, final month 4.0% (the figures below)
    """
    return (f"  restrictions in force ({count}): realised loss {realised:.1%}; this scenario "
            f"adds: worst month after the cut {peak:.1%}, final month {final:.1%} (the "
            "figures below)")


def describe(items: Iterable[Any]) -> list[dict[str, Any]]:
    """Restrictions in force as plain data (for JSON): each cut's fields, with a
    restriction's ``id``, ``since`` and ``source`` where it has them.

    >>> describe([Cut("US", to=("CN",))])
    [{'country': 'US', 'to': ['CN']}]
    """
    out = []
    for item in items:
        cut = item if isinstance(item, Cut) else item.cut
        meta = {k: getattr(item, k) for k in ("id", "since", "source")
                if getattr(item, k, None) is not None}
        out.append({**meta, **cut.as_dict()})
    return out
