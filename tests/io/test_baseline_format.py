"""Restrictions in force (``baseline:``) in chain files: read, kept, written back.

A chain's baseline survives YAML, JSON and CSV bundles (in the bundle's chain.yaml),
copies and edits in Python; the date forms stay as written; the JSON Schema, the
README's example and ``riskmodel diff`` know the format.
"""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

import networkx as nx
import pytest
from helpers import CHIPS_BASELINE_HEAD, random_chain

import riskmodel as rm
from riskmodel import schema
from riskmodel.diff import diff, render
from riskmodel.scenario import Cut

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")

#: the chip chain of tests/helpers.py, its third restriction withheld from every
#: destination and left unsourced
CHIPS_YAML = CHIPS_BASELINE_HEAD + """\
  - {id: nl_duv_2023, country: NL, nodes: [euv_lithography], to: world, since: 2023-09}
"""

US_RULES = rm.Restriction(Cut("US", ("logic_chips",), 0.8, to=("CN",)),
                          "us_advanced_computing_2022", since="2022-10-07", source="bis_2022",
                          ref="line 1178", title="US advanced computing rules",
                          note="the foreign direct product rule reaches TW")
NL_EUV = rm.Restriction(Cut("NL"), "nl_euv_2019", since="2019", source="bis_2022")
NL_DUV = rm.Restriction(Cut("NL", ("euv_lithography",), to="world"), "nl_duv_2023",
                        since="2023-09")


def _chips(tmp_path: Path) -> rm.Chain:
    p = tmp_path / "chips.yaml"
    p.write_text(CHIPS_YAML, encoding="utf-8")
    return rm.load(p)


def test_the_baseline_is_read_as_restrictions(tmp_path: Path) -> None:
    chain = _chips(tmp_path)
    assert chain.baseline == (US_RULES, NL_EUV, NL_DUV)
    assert chain.baseline[0].cut == Cut("US", ("logic_chips",), 0.8, 0, None, ("CN",))
    # the YAML reader gives a date as text and a bare year as a number: both kept as text
    assert [r.since for r in chain.baseline] == ["2022-10-07", "2019", "2023-09"]


def test_a_chain_without_a_baseline_has_an_empty_one(tmp_path: Path) -> None:
    bike = rm.load("bicycle")
    assert bike.baseline == ()
    assert "baseline" not in bike.to_dict()
    again = rm.load(rm.save(bike, tmp_path / "b"))
    assert again.baseline == () and "baseline" not in (tmp_path / "b" / "chain.yaml").read_text()


@pytest.mark.parametrize("target", ["c.yaml", "c.json", "bundle"])
def test_load_save_is_the_identity(tmp_path: Path, target: str) -> None:
    chain = _chips(tmp_path)
    again = rm.load(rm.save(chain, tmp_path / target))
    assert again.baseline == chain.baseline
    assert again.to_dict() == chain.to_dict()
    assert again.to_dict()["baseline"][1] == {"id": "nl_euv_2019", "country": "NL",
                                              "since": "2019", "source": "bis_2022"}


def test_the_bundle_keeps_the_baseline_in_its_header(tmp_path: Path) -> None:
    out = rm.save(_chips(tmp_path), tmp_path / "bundle")
    assert sorted(p.name for p in out.iterdir()) == [
        "chain.yaml", "edges.csv", "nodes.csv", "suppliers.csv"]
    header = (out / "chain.yaml").read_text(encoding="utf-8")
    # dates quoted, so that no YAML 1.1 reader takes them for dates or numbers
    assert "since: '2022-10-07'" in header and "since: '2019'" in header
    assert "since: 2023-09" in header


def test_json_takes_a_year_as_a_number(tmp_path: Path) -> None:
    doc = _chips(tmp_path).to_dict()
    doc["baseline"][1]["since"] = 2019
    p = tmp_path / "c.json"
    p.write_text(json.dumps(doc), encoding="utf-8")
    chain = rm.load(p)
    assert chain.baseline[1] == NL_EUV
    saved = json.loads(rm.save(chain, tmp_path / "again.json").read_text())
    assert saved["baseline"][1]["since"] == "2019"


def test_a_chain_built_in_python_takes_a_baseline(tmp_path: Path) -> None:
    g = nx.DiGraph()
    g.add_node("ore", stage="upstream", suppliers={"AU": 0.7, "CN": 0.3})
    g.add_node("steel", stage="end_use", value=10.0)
    g.add_edge("ore", "steel")
    cn = rm.Restriction(Cut("CN", ("ore",)), "cn_ore", since=datetime.date(2023, 8, 1))
    chain = rm.Chain(g, name="steel", perspective={"home": "DE"},
                     baseline=[cn, {"id": "au_ore", "country": "AU", "since": 2024}])
    assert chain.baseline == (
        rm.Restriction(Cut("CN", ("ore",)), "cn_ore", since="2023-08-01"),
        rm.Restriction(Cut("AU"), "au_ore", since="2024"))
    for target in ("c.yaml", "c.json", "bundle"):
        assert rm.load(rm.save(chain, tmp_path / target)).baseline == chain.baseline


def test_copies_and_edits_keep_their_own_baseline(tmp_path: Path) -> None:
    chain = _chips(tmp_path)
    edited = chain.copy()
    assert edited.baseline == chain.baseline
    edited.baseline = edited.baseline[:1]
    assert edited.baseline == (US_RULES,) and len(chain.baseline) == 3
    edited.graph.nodes["phones"]["value"] = 20.0  # a graph edit keeps the baseline
    assert rm.load(rm.save(edited, tmp_path / "e.yaml")).baseline == (US_RULES,)
    edited.baseline = []
    assert "baseline" not in edited.to_dict()


def test_a_malformed_baseline_set_in_python_is_refused() -> None:
    chain = rm.load("bicycle")
    with pytest.raises(rm.ChainValidationError) as e:
        chain.baseline = [{"id": "jp", "country": "JP", "since": "2024", "start": 2}]
    (p,) = e.value.problems
    assert (p.where, p.field, p.message) == (
        "restriction 'jp'", "start",
        "a restriction in force has no start: it holds since `since`")
    assert chain.baseline == ()  # unchanged


def test_names_set_in_python_are_checked_before_computing() -> None:
    chain = rm.load("bicycle")
    chain.baseline = [rm.Restriction(Cut("JP", ("drivetrane",)), "jp", since="2024")]
    with pytest.raises(rm.ChainValidationError) as e:
        chain.compiled  # noqa: B018 - compiling checks the edited chain
    (p,) = e.value.problems
    assert (p.where, p.field, p.message, p.fix) == (
        "restriction 'jp'", "nodes", "cut names unknown node 'drivetrane'",
        "did you mean `drivetrain`?")
    chain.baseline = [rm.Restriction(Cut("JP", ("drivetrain",)), "jp", since="2024")]
    assert chain.compiled.n == 13


def test_restriction_file_form() -> None:
    assert US_RULES.as_dict() == {
        "id": "us_advanced_computing_2022", "title": "US advanced computing rules",
        "country": "US", "nodes": ["logic_chips"], "fraction": 0.8, "to": ["CN"],
        "since": "2022-10-07", "source": "bis_2022", "ref": "line 1178",
        "note": "the foreign direct product rule reaches TW"}
    assert rm.Restriction.from_dict(US_RULES.as_dict()) == US_RULES
    assert NL_DUV.as_dict() == {"id": "nl_duv_2023", "country": "NL",
                                "nodes": ["euv_lithography"], "to": "world",
                                "since": "2023-09"}


def test_the_json_schema_describes_the_baseline() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    s = schema.json_schema()
    assert s["properties"]["baseline"]["items"] == {"$ref": "#/$defs/restriction"}
    assert s["$defs"]["restriction"]["required"] == ["id", "country", "since"]
    doc = {"schema": schema.SCHEMA_ID, "name": "t",
           "nodes": [{"id": "a", "stage": "end_use"}],
           "baseline": [{"id": "x", "country": "US", "since": "2022-10-07", "to": "world"},
                        {"id": "y", "country": "US", "since": 2022}]}
    jsonschema.validate(doc, s)
    for bad in ({"since": "2022/10/07"}, {"start": 3}, {"since": 22}):
        broken = json.loads(json.dumps(doc))
        broken["baseline"][0].update(bad)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, s)


def test_the_readme_example_is_valid(tmp_path: Path) -> None:
    block = re.search(r"### Restrictions in force\n.*?```yaml\n(.*?)```", README, re.S)
    assert block
    chain = CHIPS_YAML.split("sources:")[0] + """\
nodes:
  - {id: euv_lithography, stage: upstream, suppliers: {NL: 0.9, US: 0.1}}
  - {id: logic_chips, stage: midstream, suppliers: {TW: {share: 0.6, controlled_by: [US]},
                                                    CN: 0.4}}
  - {id: phones, stage: end_use, value: 10}
edges:
  - {from: euv_lithography, to: logic_chips}
  - {from: logic_chips, to: phones}
""" + block.group(1)
    p = tmp_path / "readme.yaml"
    p.write_text(chain, encoding="utf-8")
    report = rm.validate(p, strict=True)
    assert report.ok and not report.warnings
    (r,) = rm.load(p).baseline
    assert (r.id, r.cut.to, r.since, r.ref) == ("us_advanced_computing_2022", ("CN",),
                                                "2022-10-07", "line 1178")


def test_diff_reports_a_changed_baseline(tmp_path: Path) -> None:
    old = _chips(tmp_path)
    new = old.copy()
    new.baseline = [US_RULES, NL_DUV]
    d = diff(old, new)
    assert [(r.field, r.status) for r in d.header.itertuples()] == [
        ("baseline.nl_euv_2019", "removed")]
    text = render(d)
    assert "- baseline.nl_euv_2019: country NL; since 2019; source bis_2022 -> (none)" in text
    assert "The restrictions in force (baseline) changed" in text
    assert diff(old, old.copy()).header.empty


def test_a_combined_view_qualifies_the_baseline(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "chips.yaml").write_text(CHIPS_YAML, encoding="utf-8")
    (tmp_path / "more.yaml").write_text(CHIPS_YAML.replace("name: chips", "name: more")
                                        .split("baseline:")[0], encoding="utf-8")
    view = tmp_path / "view.yaml"
    view.write_text("schema: riskmodel/combined@1\nname: view\nchains: [chips.yaml, more.yaml]\n",
                    encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # the view names its chains by relative paths
    baseline = rm.load(view).baseline
    assert [(r.id, r.cut.nodes) for r in baseline] == [
        ("chips_us_advanced_computing_2022", ("chips.logic_chips",)),
        ("chips_nl_euv_2019", None), ("chips_nl_duv_2023", ("chips.euv_lithography",))]


@pytest.mark.parametrize("seed", range(6))
def test_random_baselines_round_trip_and_validate(tmp_path: Path, seed: int) -> None:
    chain = random_chain(seed, home="CN" if seed % 2 else None, baseline=True)
    assert chain.baseline, "every seed here draws a baseline"
    assert not [p for p in chain.check() if p.severity == "error"]
    for target in ("c.yaml", "c.json", "bundle"):
        again = rm.load(rm.save(chain, tmp_path / f"{seed}{target}"))
        assert again.baseline == chain.baseline and again.to_dict() == chain.to_dict()
    # the chain drawn for a seed is the same with or without a baseline
    assert random_chain(seed, home="CN" if seed % 2 else None).to_dict() == {
        k: v for k, v in chain.to_dict().items() if k != "baseline"}
