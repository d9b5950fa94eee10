"""Argument types shared by the command-line parsers (argparse only: loads instantly).

The upper bounds are the library's own limits (:mod:`riskmodel.limits`): a scenario runs
for 1 to 600 months (and cuts start and last up to 600 months), so horizons do too;
Monte Carlo runs take at most :data:`~riskmodel.limits.MAX_DRAWS` draws.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from riskmodel.limits import MAX_DRAWS, MAX_MONTHS


def int_at_least(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number ≥ ``low`` (and ≤ ``high``), with a clear message.

    >>> int_at_least(1, 600)("601")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: expected a whole number ≥ 1 and ≤ 600, found 601
    """

    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, found {text!r}") from None
        if v < low or (high is not None and v > high):
            want = f"≥ {low}" + ("" if high is None else f" and ≤ {high}")
            raise argparse.ArgumentTypeError(f"expected a whole number {want}, found {v}")
        return v

    parse.__name__ = f"whole number ≥ {low}" if high is None else \
        f"whole number ≥ {low} and ≤ {high}"
    return parse


positive_int = int_at_least(1)
nonnegative_int = int_at_least(0)
#: a seed of the random draws (numpy takes any whole number ≥ 0)
seed = int_at_least(0)
#: a number of months: a scenario's length or a horizon
months = int_at_least(1, MAX_MONTHS)
#: a month a cut starts, or how long it lasts
month = int_at_least(0, MAX_MONTHS)
#: a number of Monte Carlo draws
draws = int_at_least(1, MAX_DRAWS)


def fraction(text: str) -> float:
    """An argparse type: a number in [0, 1]."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1], found {text!r}") from None
    if not 0 <= v <= 1:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1], found {v}")
    return v
