"""How a choke score is read over its horizon (docs/model.md §2.3): the reading's
settings, the exposure and the per-month relief of the pruning bounds averaged over the
horizon (:mod:`riskmodel.scoring.choke`), and the one tie rule of every choke ranking.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from riskmodel.engine.equations import net_fraction, ramp
from riskmodel.model import Chain
from riskmodel.scoring.cuts import TO_CHOICES, months_read

__all__ = ["HORIZON", "Reading", "bound_exposure", "check_reading", "competition_ranks",
           "left_on_average"]

#: The default horizon of the choke score, in months (docs/model.md §2.3).
HORIZON = 24


@dataclass(frozen=True)
class Reading:
    """How a choke cut is read: over ``horizon`` months, the single month ``month``
    (None: ``horizon``), withholding from ``to``."""

    horizon: int
    month: int | None
    to: str

    @property
    def months(self) -> int:
        return months_read(self.horizon, self.month)


def check_reading(chain: Chain, horizon: int, month: int | None, to: str) -> None:
    """Refuse a horizon, month or destination :func:`score` cannot read."""
    from riskmodel.limits import MAX_MONTHS

    for name, v in (("horizon", horizon), ("month", month)):
        if v is None and name == "month":
            continue
        if (not isinstance(v, (int, np.integer)) or isinstance(v, bool)
                or not (name == "month" or v >= 1) or v < 0 or v > MAX_MONTHS):
            low = 1 if name == "horizon" else 0
            raise ValueError(f"score: {name} must be a whole number of months from {low} "
                             f"to {MAX_MONTHS}, not {v!r}")
    if to not in TO_CHOICES:
        raise ValueError(f"score: to must be one of {', '.join(TO_CHOICES)}, not {to!r}")
    if to == "home" and chain.compiled.home is None:
        raise ValueError(f"score: to='home' needs a home view, and chain '{chain.name}' "
                         "has a global view (perspective: global); use to='all'")


def bound_exposure(most: sparse.csr_matrix, keys: list[str],
                    countries: list[str | None]) -> np.ndarray:
    """Per node, the largest share its cut withholds from any destination class (the
    focal market's or the world's shares): the ``exposure`` of bounds (2) and (3)."""
    col = {x: i for i, x in enumerate(keys)}
    code = np.array([-1 if x is None else col[x] for x in countries], dtype=np.int64)
    row = np.repeat(np.arange(most.shape[0]), np.diff(most.indptr))
    hit = most.indices == code[row]
    out = np.zeros(most.shape[0])
    out[row[hit]] = np.asarray(most.data, dtype=float)[hit]
    return out


def left_on_average(subst: np.ndarray, lead: np.ndarray, horizon: int) -> np.ndarray:
    """The mean over months ``0 .. horizon − 1`` of the net fraction ``1 − s·ρ(t)`` a
    full cut from month 0 leaves (``ρ(t) = min(1, t / L)``): bound (3)'s factor.

    Examples
    --------
    >>> import numpy as np
    >>> from riskmodel.scoring.horizon import left_on_average
    >>> # s = 0.6 over 4 months: 1, 0.85, 0.7, 0.55, then 0.4 for 8 months
    >>> float(left_on_average(np.array([0.6]), np.array([4.0]), 12)[0].round(4))
    0.525
    """
    total = np.zeros(len(subst))
    for t in range(horizon):
        total += net_fraction(1.0, subst, ramp(float(t), lead))
    return total / horizon


def competition_ranks(scores: np.ndarray) -> np.ndarray:
    """Ranks of ``scores`` (along the last axis), highest first, with the one tie rule
    of every choke ranking (docs/model.md §2.3): scores equal to 12 decimals share the
    best rank of their tie, and the next rank skips them (1, 2, 2, 4).

    Examples
    --------
    >>> import numpy as np
    >>> from riskmodel.scoring.horizon import competition_ranks
    >>> competition_ranks(np.array([0.5, 0.2, 0.2 + 1e-15, 0.1, 0.0, 0.0])).tolist()
    [1, 2, 2, 4, 5, 5]
    """
    from scipy.stats import rankdata

    x = -np.round(np.asarray(scores, dtype=float), 12)
    return rankdata(x, method="min", axis=-1).astype(np.int64)
