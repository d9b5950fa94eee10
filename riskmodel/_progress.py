"""A small progress bar on stderr, with the time left: shown only on a terminal, silent
in tests, pipes and under ``--quiet``."""

from __future__ import annotations

import contextlib
import contextvars
import os
import sys
import time
from collections.abc import Iterator
from typing import Any

_QUIET: contextvars.ContextVar[bool] = contextvars.ContextVar("riskmodel_quiet", default=False)


@contextlib.contextmanager
def quiet_output(on: bool = True) -> Iterator[None]:
    """Within the block, no progress bar is drawn and :func:`is_quiet` is true (the
    command line's ``--quiet``).

    >>> with quiet_output():
    ...     is_quiet(), Progress(10, enabled=True).enabled
    (True, False)
    >>> is_quiet()
    False
    """
    token = _QUIET.set(bool(on))
    try:
        yield
    finally:
        _QUIET.reset(token)


def is_quiet() -> bool:
    """Whether notes and progress are silenced (see :func:`quiet_output`)."""
    return _QUIET.get()


def time_left(elapsed: float, fraction: float) -> str:
    """The time left at a steady pace, as ``m:ss`` (``h:mm:ss`` past an hour).

    >>> time_left(30.0, 0.25), time_left(10.0, 0.0), time_left(4000.0, 0.5)
    ('1:30', '?', '1:06:40')
    """
    if fraction <= 0:
        return "?"
    seconds = round(elapsed * (1 - fraction) / fraction)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """``with Progress(total, "label") as bar: bar.update(n)``; silent unless stderr is a
    terminal, the job takes over ``delay`` seconds, ``RISKMODEL_NO_PROGRESS`` is unset and
    output is not quiet (:func:`quiet_output`)."""

    def __init__(self, total: int, label: str = "", *, enabled: bool | None = None,
                 delay: float = 0.5, stream: Any = None):
        self.total = max(int(total), 1)
        self.label = label
        self.stream = stream or sys.stderr
        if enabled is None:
            enabled = (hasattr(self.stream, "isatty") and self.stream.isatty()
                       and not os.environ.get("RISKMODEL_NO_PROGRESS"))
        self.enabled = bool(enabled) and not is_quiet()
        self.delay = delay
        self.done = 0
        self.t0 = time.monotonic()
        self.shown = False

    def update(self, n: int = 1) -> None:
        self.done += n
        if not self.enabled or time.monotonic() - self.t0 < self.delay:
            return
        frac = min(1.0, self.done / self.total)
        bar = "#" * int(frac * 30)
        left = time_left(time.monotonic() - self.t0, frac)
        write = getattr(self.stream, "write_control", self.stream.write)  # a SafeStream's
        write(f"\r{self.label} [{bar:<30}] {frac:5.1%}, {left} left ")
        self.stream.flush()
        self.shown = True

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()
