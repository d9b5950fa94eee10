"""Argument types shared by the command-line parsers (argparse only: loads instantly)."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def int_at_least(low: int) -> Callable[[str], int]:
    """An argparse type: a whole number ≥ ``low``, with a clear message otherwise."""

    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, found {text!r}") from None
        if v < low:
            raise argparse.ArgumentTypeError(f"expected a whole number ≥ {low}, found {v}")
        return v

    parse.__name__ = f"whole number ≥ {low}"
    return parse


positive_int = int_at_least(1)
nonnegative_int = int_at_least(0)


def fraction(text: str) -> float:
    """An argparse type: a number in [0, 1]."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1], found {text!r}") from None
    if not 0 <= v <= 1:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1], found {v}")
    return v
