"""Nothing hostile in a chain file reaches a terminal raw or runs in a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
import yaml

from riskmodel.cli import main
from riskmodel.io.terminal import SafeStream, escape, inert_cell

#: raw controls a terminal would act on (what escape() must leave none of)
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
OSC52 = "\x1b]52;c;ZWNobyBoaQ==\x07"


def _chain(**node_a: object) -> dict:
    return {
        "schema": "riskmodel/chain@1", "name": "hostile",
        "title": f"Evil {OSC52} chain \x9b2J \u202eright-to-left",
        "perspective": {"home": "CN"},
        "nodes": [
            {"id": "a", "stage": "upstream", "label": "=cmd|'/c calc'!A1",
             "suppliers": {"JP": 0.6, "CN": 0.4}, **node_a},
            {"id": "b", "stage": "midstream", "label": "\x1b[2Jwipe", "suppliers": {"CN": 1}},
            {"id": "c", "stage": "end_use", "value": 1, "label": "@SUM(1)"}],
        "edges": [{"from": "a", "to": "b"}, {"from": "b", "to": "c"}],
        "scenarios": [{"id": "jp", "title": f"cut {OSC52}", "cuts": [{"country": "JP"}]}],
    }


@pytest.fixture
def hostile(tmp_path):
    p = tmp_path / "hostile.yaml"
    p.write_text(yaml.safe_dump(_chain(), allow_unicode=True), encoding="utf-8")
    return p


@pytest.mark.parametrize("argv", [
    ["score"], ["score", "--format", "csv"], ["score", "--format", "json"],
    ["score", "--explain", "b"], ["simulate", "--scenario", "jp"],
    ["simulate", "--scenario", "jp", "--format", "csv"], ["validate"]])
def test_no_raw_control_reaches_the_terminal(hostile, capsys, argv):
    code = main([argv[0], str(hostile), *argv[1:]])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert not RAW.search(out) and not RAW.search(err), (out + err)[:2000]
    if argv[0] == "score" and len(argv) == 1:
        assert "Evil \\u001b]52;c;ZWNobyBoaQ==\\u0007 chain \\u009b2J" in out


def test_json_output_stays_json_and_keeps_the_text(hostile, capsys):
    assert main(["score", str(hostile), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    labels = {r["node"]: r["label"] for r in data["scores"]}
    assert labels["b"] == "\x1b[2Jwipe"  # escaped for the terminal, decoded by JSON


def test_country_key_in_a_validation_error_is_escaped(tmp_path, capsys):
    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump(_chain(suppliers={"J\x1b]52;c;aGk=\x07": 0.5}),
                                allow_unicode=True), encoding="utf-8")
    assert main(["validate", str(p)]) == 1
    out, err = capsys.readouterr()
    assert not RAW.search(out + err)
    assert "J\\u001b]52;c;aGk=\\u0007" in err


def test_csv_cells_cannot_run_as_formulas(hostile, tmp_path, capsys):
    out_file = tmp_path / "scores.csv"
    assert main(["score", str(hostile), "--format", "csv", "--top", "0",
                 "--out", str(out_file)]) == 0
    rows = {r["node"]: r for r in csv.DictReader(io.StringIO(out_file.read_text("utf-8")))}
    assert rows["a"]["label"] == "'=cmd|'/c calc'!A1"
    assert rows["c"]["label"] == "'@SUM(1)"
    assert float(rows["a"]["choke_score"]) == pytest.approx(0.6)  # numbers untouched
    for r in rows.values():
        for cell in r.values():
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
            assert not cell.startswith("-") or re.fullmatch(r"-[0-9.e+-]+", cell), cell


def test_escape_and_inert_cell():
    assert escape("a\x1bb\x07c\td\ne\u202ef\ud800") == "a\\u001bb\\u0007c\td\ne\\u202ef\\ud800"
    assert [inert_cell(x) for x in ("+1", "\tx", "\rx", "plain", 3, -1.5)] == \
        ["'+1", "'\tx", "'\rx", "plain", 3, -1.5]


def test_safe_stream_escapes_but_lets_the_progress_bar_draw():
    buf = io.StringIO()
    s = SafeStream(buf)
    print("x\x1b[2J", file=s)
    s.writelines(["\x07", "ok"])
    s.write_control("\rbar")
    assert buf.getvalue() == "x\\u001b[2J\n\\u0007ok\rbar"
