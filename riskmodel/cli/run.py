"""``main``: parse the command line, run the command, and turn what goes wrong into one
clear line and an exit code (1 for an error, 2 for a usage error, 128 + N for signal N).

SIGTERM and SIGHUP are raised as :class:`_Terminated` where the program is, so that
``finally`` blocks (temporary files of an atomic write) run before it stops.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from typing import Any

from riskmodel.cli.common import EXIT_ERROR, EXIT_OK, EXIT_USAGE, UsageError
from riskmodel.cli.parser import build_parser

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    Everything it prints goes through :class:`riskmodel.io.terminal.SafeStream`, so no
    control character from a chain file reaches the terminal raw.
    """
    from riskmodel.io.terminal import SafeStream

    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = SafeStream(out), SafeStream(err, "error")
    try:
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as e:
            return int(e.code) if isinstance(e.code, int) else EXIT_USAGE
        if not getattr(args, "func", None):
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        return _run(args)
    finally:
        sys.stdout, sys.stderr = out, err


def _run(args: argparse.Namespace) -> int:
    """Run the parsed command; turn expected errors into one clear line and exit 1."""
    from riskmodel._errors import RiskmodelError
    from riskmodel._progress import quiet_output
    from riskmodel.io.terminal import StreamError

    previous = _trap_signals()
    try:
        with quiet_output(getattr(args, "quiet", False)):
            code = args.func(args)
        sys.stdout.flush()  # a full disk or closed stdout is an error, not a shutdown noise
        return code
    except UsageError as e:
        _say(f"riskmodel: usage error: {e}")
        return EXIT_USAGE
    except FileNotFoundError as e:
        _say(f"riskmodel: error: {e}")
        return EXIT_ERROR
    except StreamError as e:
        _discard_stdout()
        _say(f"riskmodel: error: {e}")
        return EXIT_ERROR
    except RiskmodelError as e:
        text = str(e)
        _say(f"riskmodel: error: {text}")
        return EXIT_ERROR
    except KeyboardInterrupt as e:
        signum = getattr(e, "signum", 2)
        print("riskmodel: interrupted" if signum == 2 else
              f"riskmodel: stopped by signal {signum}", file=sys.stderr)
        return 128 + signum
    except BrokenPipeError:
        return EXIT_OK
    except Exception as e:  # a bug: say so in one line, no traceback
        if os.environ.get("RISKMODEL_DEBUG"):
            raise
        print(f"riskmodel: internal error ({type(e).__name__}: {e}). This is a bug; please "
              "report it. Set RISKMODEL_DEBUG=1 to see the traceback.", file=sys.stderr)
        return EXIT_ERROR
    finally:
        _restore_signals(previous)


def _say(message: str) -> None:
    """Print an error line on stderr; a closed or full stderr cannot take it: stay quiet."""
    from riskmodel.io.terminal import StreamError

    with contextlib.suppress(OSError, StreamError):
        print(message, file=sys.stderr)


def _discard_stdout() -> None:
    """Point a failed stdout at /dev/null so the exit does not retry the lost text."""
    try:
        fd = sys.__stdout__.fileno() if sys.__stdout__ is not None else -1
        if fd >= 0:
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, fd)
            os.close(null)
    except (OSError, ValueError, AttributeError):
        pass


# ---------------------------------------------------------------------------
# signals
# ---------------------------------------------------------------------------

class _Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where the program is, so that ``finally`` blocks run."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _trap_signals() -> dict[int, Any]:
    """Turn SIGTERM and SIGHUP into :class:`_Terminated` (unless ignored, as under
    ``nohup``); return the handlers they had, for :func:`_restore_signals`."""
    import signal
    import threading

    def handler(signum: int, frame: Any) -> None:
        raise _Terminated(signum)

    previous: dict[int, Any] = {}
    if threading.current_thread() is not threading.main_thread():
        return previous
    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is None or signal.getsignal(sig) is signal.SIG_IGN:
            continue
        with contextlib.suppress(OSError, ValueError):
            previous[sig] = signal.signal(sig, handler)
    return previous


def _restore_signals(previous: dict[int, Any]) -> None:
    import signal

    for sig, old in previous.items():
        signal.signal(sig, old if old is not None else signal.SIG_DFL)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
