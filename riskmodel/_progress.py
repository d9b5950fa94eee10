"""A small progress bar on stderr: shown only on a terminal, silent in tests and pipes."""

from __future__ import annotations

import os
import sys
import time
from typing import Any


class Progress:
    """``with Progress(total, "label") as bar: bar.update(n)``; silent unless stderr is a
    terminal, the job takes over ``delay`` seconds, and ``RISKMODEL_NO_PROGRESS`` is unset."""

    def __init__(self, total: int, label: str = "", *, enabled: bool | None = None,
                 delay: float = 0.5, stream: Any = None):
        self.total = max(int(total), 1)
        self.label = label
        self.stream = stream or sys.stderr
        if enabled is None:
            enabled = (hasattr(self.stream, "isatty") and self.stream.isatty()
                       and not os.environ.get("RISKMODEL_NO_PROGRESS"))
        self.enabled = bool(enabled)
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
        write = getattr(self.stream, "write_control", self.stream.write)  # a SafeStream's
        write(f"\r{self.label} [{bar:<30}] {frac:5.1%}")
        self.stream.flush()
        self.shown = True

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()
