"""The ``riskmodel`` command line.

``main(argv=None) -> int``: errors print one clear line (or one list) to stderr and
return 1; usage errors return 2. Heavy modules are imported only by the command that
needs them, so ``riskmodel --help`` is instant.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from ._version import __version__

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: usage error: {message}\n")


def _print_problems(problems: Sequence[Any], stream: Any = None) -> None:
    stream = stream or sys.stderr
    for p in problems:
        print(f"  {p}", file=stream)


# ---------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------

def _cmd_chains(args: argparse.Namespace) -> int:
    from ._render import render
    from .model import builtin_chains

    print(render(builtin_chains(), args.format))
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    from ._errors import ChainValidationError
    from .validation import validate

    results = []
    status = EXIT_OK
    for path in args.files:
        try:
            rep = validate(path, strict=args.strict, require_sources=args.require_sources)
            results.append({"file": path, "valid": True,
                            "problems": [p.as_dict() for p in rep.all()]})
            if args.format == "text":
                extra = ", ".join(f"{len(v)} {k}" for k, v in
                                  (("warnings", rep.warnings), ("notes", rep.info)) if v)
                print(f"{path}: valid" + (f" ({extra})" if extra else ""))
                for p in rep.warnings + rep.info:
                    print(f"  {p}")
        except FileNotFoundError as e:
            status = EXIT_ERROR
            results.append({"file": path, "valid": False, "problems": [
                {"severity": "error", "message": str(e), "file": path}]})
            if args.format == "text":
                print(f"{path}: error: {e}", file=sys.stderr)
        except ChainValidationError as e:
            status = EXIT_ERROR
            results.append({"file": path, "valid": False,
                            "problems": [p.as_dict() for p in e.problems + e.warnings]})
            if args.format == "text":
                n = len(e.problems)
                print(f"{path}: invalid, {n} problem{'s' if n != 1 else ''}:", file=sys.stderr)
                _print_problems(e.problems)
                if e.warnings:
                    print(f"  and {len(e.warnings)} warning(s):", file=sys.stderr)
                    _print_problems(e.warnings)
    if args.format == "json":
        print(json.dumps(results, indent=2, ensure_ascii=False))
    return status


def _cmd_schema(args: argparse.Namespace) -> int:
    from . import schema

    if args.format == "markdown":
        print(schema.markdown_reference(), end="")
    else:
        print(json.dumps(schema.json_schema(), indent=2, ensure_ascii=False))
    return EXIT_OK


# ---------------------------------------------------------------------------
# parser
# ---------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    p = _Parser(prog="riskmodel",
                description="Supply-chain dependency risk analyzer: choke points, country "
                            "leverage and cut-off simulation.")
    p.add_argument("--version", action="version", version=f"riskmodel {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def add(name: str, func: Callable[[argparse.Namespace], int], help_: str
            ) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_, description=help_)
        sp.set_defaults(func=func)
        return sp

    sp = add("chains", _cmd_chains, "List the built-in chains.")
    sp.add_argument("--format", choices=("table", "csv", "json"), default="table")

    sp = add("validate", _cmd_validate,
             "Check chain files; list every problem with its place and fix.")
    sp.add_argument("files", nargs="+", metavar="FILE",
                    help="chain files (YAML, JSON, bundle folder) or built-in chain names")
    sp.add_argument("--strict", action="store_true", help="treat warnings as errors")
    sp.add_argument("--require-sources", action="store_true",
                    help="every number must be sourced or a marked estimate with a range")
    sp.add_argument("--format", choices=("text", "json"), default="text")

    sp = add("schema", _cmd_schema, "Print the JSON Schema of chain files.")
    sp.add_argument("--format", choices=("json", "markdown"), default="json",
                    help="json (the JSON Schema) or markdown (the reference tables)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return int(e.code) if isinstance(e.code, int) else EXIT_USAGE
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    from ._errors import RiskmodelError

    try:
        return args.func(args)
    except FileNotFoundError as e:
        print(f"riskmodel: error: {e}", file=sys.stderr)
        return EXIT_ERROR
    except RiskmodelError as e:
        text = str(e)
        print(f"riskmodel: error: {text}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("riskmodel: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as e:  # a bug: say so in one line, no traceback
        if os.environ.get("RISKMODEL_DEBUG"):
            raise
        print(f"riskmodel: internal error ({type(e).__name__}: {e}). This is a bug; please "
              "report it. Set RISKMODEL_DEBUG=1 to see the traceback.", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
