"""The command line: exit codes, output formats, and no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from riskmodel import __version__
from riskmodel.cli import main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"riskmodel {__version__}"


def test_the_parser_imports_nothing_heavy() -> None:
    """Building the parser (all commands, `--help`) loads no numpy, pandas, networkx or
    matplotlib, so that `riskmodel --help` stays instant."""
    code = ("import sys; from riskmodel.cli import build_parser; build_parser().format_help(); "
            "print([m for m in ('numpy', 'pandas', 'networkx', 'matplotlib') "
            "if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert main(["frobnicate"]) == 2
    assert "invalid choice: 'frobnicate'" in capsys.readouterr().err


def test_chains_lists_builtins(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["chains", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    bike = next(r for r in rows if r["name"] == "bicycle")
    assert bike["nodes"] == 13 and bike["edges"] == 15


def test_validate_valid_and_invalid(write, valid_yaml: str,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    good = write(valid_yaml, "good.yaml")
    bad = write(valid_yaml.replace("stage: midstream", "stage: midstrem"), "bad.yaml")
    assert main(["validate", str(good)]) == 0
    assert f"{good}: valid" in capsys.readouterr().out
    assert main(["validate", str(good), str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}: invalid, 1 problem" in err
    assert "node 'robots', field 'stage': unknown stage" in err
    assert "did you mean `midstream`?" in err


def test_validate_json_format(write, valid_yaml: str, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write(valid_yaml.replace("share: 0.4", "share: 4"), "bad.yaml")
    assert main(["validate", "--format", "json", str(bad)]) == 1
    (res,) = json.loads(capsys.readouterr().out)
    errors = {p["code"]: p for p in res["problems"] if p["severity"] == "error"}
    assert set(errors) == {"range", "input-share-sum"}
    p = errors["range"]
    line = next(i for i, t in enumerate(bad.read_text().splitlines(), 1) if "share: 4}" in t)
    assert p["field"] == "share" and p["found"] == "4.0" and p["line"] == line
    assert p["expected"] == "a number in [0, 1]"


def test_validate_strict_turns_warnings_into_errors(write, valid_yaml: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    p = write(valid_yaml.replace("      other: 0.1\n", ""), "w.yaml")
    assert main(["validate", str(p)]) == 0
    assert "1 warnings" in capsys.readouterr().out
    assert main(["validate", "--strict", str(p)]) == 1
    assert "supplier shares sum to 0.9 with no `other` declared" in capsys.readouterr().err


def test_validate_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "/no/such/file.yaml"]) == 1
    assert "no such file" in capsys.readouterr().err


def test_schema_is_valid_json_schema_and_accepts_builtins(
        capsys: pytest.CaptureFixture[str]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    from riskmodel.io import builtin_names, resolve_path

    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    jsonschema.Draft202012Validator.check_schema(schema)
    for name in builtin_names():
        path = resolve_path(name)
        if path is None:
            continue
        doc = yaml.safe_load(path.read_text())
        jsonschema.Draft202012Validator(schema).validate(doc)


def test_console_script_runs_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"\xff\xfe garbage")
    r = subprocess.run([sys.executable, "-m", "riskmodel", "validate", str(bad)],
                       capture_output=True, text=True)
    assert r.returncode == 1
    assert "Traceback" not in r.stderr and "not valid UTF-8" in r.stderr
