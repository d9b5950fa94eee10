"""The commands about chain files themselves: ``chains`` (the built-in chains),
``validate`` (every problem with its place and fix) and ``schema`` (the JSON Schema)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from riskmodel.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    add_command,
    add_out,
    check_out,
    emit,
    print_problems,
)

__all__ = ["add_chains_parser", "add_schema_parser", "add_validate_parser", "cli_chains",
           "cli_schema", "cli_validate"]


def add_chains_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``chains`` command to an ``add_subparsers()`` object; return its parser."""
    sp = add_command(subparsers, "chains", cli_chains, "List the built-in chains.")
    sp.add_argument("--format", choices=("table", "csv", "json"), default="table")
    add_out(sp)
    return sp


def cli_chains(args: argparse.Namespace) -> int:
    """Run ``riskmodel chains``: print the built-in chains; return 0."""
    from riskmodel.io.render import render
    from riskmodel.model import builtin_chains

    check_out(args)
    emit(render(builtin_chains(), args.format), args)
    return EXIT_OK


def add_validate_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``validate`` command to an ``add_subparsers()`` object; return its parser.

    >>> p = argparse.ArgumentParser(prog="riskmodel")
    >>> _ = add_validate_parser(p.add_subparsers())
    >>> args = p.parse_args(["validate", "a.yaml", "b.yaml", "--strict"])
    >>> args.files, args.strict, args.format
    (['a.yaml', 'b.yaml'], True, 'text')
    """
    sp = add_command(subparsers, "validate", cli_validate,
                     "Check chain files; list every problem with its place and fix.")
    sp.add_argument("files", nargs="+", metavar="FILE",
                    help="chain files (YAML, JSON, bundle folder) or built-in chain names")
    sp.add_argument("--strict", action="store_true", help="treat warnings as errors")
    sp.add_argument("--require-sources", action="store_true",
                    help="every number must be sourced or a marked estimate with a range")
    sp.add_argument("--format", choices=("text", "json"), default="text")
    return sp


def cli_validate(args: argparse.Namespace) -> int:
    """Run ``riskmodel validate``: check each file, print what was found (text on
    stdout and stderr, or one JSON list); return 1 when a file is missing or invalid."""
    from riskmodel._errors import ChainValidationError
    from riskmodel.io.files import STDIN
    from riskmodel.io.terminal import one_line
    from riskmodel.validation import validate

    results = []
    status = EXIT_OK
    for path in args.files:
        shown = STDIN if path == "-" else one_line(path)
        try:
            rep = validate(path, strict=args.strict, require_sources=args.require_sources)
            results.append({"file": path, "valid": True,
                            "problems": [p.as_dict() for p in rep.all()]})
            if args.format == "text":
                extra = ", ".join(f"{len(v)} {k}" for k, v in
                                  (("warnings", rep.warnings), ("notes", rep.info)) if v)
                print(f"{shown}: valid" + (f" ({extra})" if extra else ""))
                for p in rep.warnings + rep.info:
                    print(f"  {p}")
        except FileNotFoundError as e:
            status = EXIT_ERROR
            results.append({"file": path, "valid": False, "problems": [
                {"severity": "error", "message": str(e), "file": path}]})
            if args.format == "text":
                print(f"{shown}: error: {e}", file=sys.stderr)
        except ChainValidationError as e:
            status = EXIT_ERROR
            results.append({"file": path, "valid": False,
                            "problems": [p.as_dict() for p in e.problems + e.warnings]})
            if args.format == "text":
                n = len(e.problems)
                print(f"{shown}: invalid, {n} problem{'s' if n != 1 else ''}:", file=sys.stderr)
                print_problems(e.problems)
                if e.warnings:
                    print(f"  and {len(e.warnings)} warning(s):", file=sys.stderr)
                    print_problems(e.warnings)
    if args.format == "json":
        print(json.dumps(results, indent=2, ensure_ascii=False))
    return status


def add_schema_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``schema`` command to an ``add_subparsers()`` object; return its parser."""
    sp = add_command(subparsers, "schema", cli_schema, "Print the JSON Schema of chain files.")
    sp.add_argument("--format", choices=("json", "markdown"), default="json",
                    help="json (the JSON Schema) or markdown (the reference tables)")
    return sp


def cli_schema(args: argparse.Namespace) -> int:
    """Run ``riskmodel schema``: print the JSON Schema or the Markdown reference; return 0."""
    from riskmodel import schema

    if args.format == "markdown":
        print(schema.markdown_reference(), end="")
    else:
        print(json.dumps(schema.json_schema(), indent=2, ensure_ascii=False))
    return EXIT_OK
