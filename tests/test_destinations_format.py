"""The file format of whom a cut reaches (issue 13, items 1-2): a cut's destinations
(``to:``) and a supplier share's jurisdictions (``controlled_by``).

Each validation test starts from a valid literal chain and breaks one thing, checking
what a user reads: the message, the line, the field and the fix.
"""

from __future__ import annotations

import json
import random
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from helpers import COUNTRIES, chain_of, random_chain
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import riskmodel as rm
from riskmodel.cli import main
from riskmodel.io.suppliers import Suppliers
from riskmodel.scenario import Cut, Scenario, parse_cut, read_scenarios, scenario_warnings

CHIPS = """\
schema: riskmodel/chain@1
name: chips
perspective: {home: DE}
groups:
  EUROPE: {members: [NL, DE]}
nodes:
  - id: wafers
    stage: upstream
    suppliers:
      TW: {share: {value: 0.6, low: 0.5, high: 0.7}, controlled_by: [US]}
      KR: 0.2
      other: 0.2
  - id: tools
    stage: upstream
    suppliers: {NL: 0.8, JP: 0.2}
  - {id: cars, stage: end_use, value: 10}
edges:
  - {from: wafers, to: cars}
  - {from: tools, to: cars}
scenarios:
  - id: us_rule
    cuts: [{country: US, nodes: [wafers], to: [CN]}]
  - id: taiwan_home
    cuts: [{country: TW, to: home}]
"""


def _write(tmp_path: Path, text: str, name: str = "chain.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _break(old: str, new: str, text: str = CHIPS) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def _line(text: str, needle: str) -> int:
    return next(i for i, t in enumerate(text.splitlines(), 1) if needle in t)


def _problems(path: Path) -> list[rm.Problem]:
    with pytest.raises(rm.ChainValidationError) as e:
        rm.validate(path)
    return e.value.problems


# ---------------------------------------------------------------------------
# reading: tables, graph, scenarios
# ---------------------------------------------------------------------------

def test_controlled_by_reaches_the_tables_and_the_graph(tmp_path: Path) -> None:
    chain = rm.load(_write(tmp_path, CHIPS))
    sups = chain.suppliers.set_index(["node", "country"])
    assert sups.loc[("wafers", "TW"), "controlled_by"] == ("US",)
    assert sups.loc[("wafers", "KR"), "controlled_by"] is None
    assert sups.loc[("tools", "NL"), "controlled_by"] is None
    assert sups.loc[("wafers", "TW"), "share"] == 0.6
    assert sups.loc[("wafers", "TW"), "share.low"] == 0.5  # the share keeps its range
    assert chain.graph.nodes["wafers"]["controlled_by"] == {"TW": ("US",)}
    assert "controlled_by" not in chain.graph.nodes["tools"]


def test_the_tables_always_carry_the_column() -> None:
    chain = rm.load("bicycle")
    assert "controlled_by" in chain.suppliers.columns
    assert chain.suppliers["controlled_by"].isna().all()


def test_cut_destinations_are_read_from_the_chain(tmp_path: Path) -> None:
    chain = rm.load(_write(tmp_path, CHIPS))
    assert Scenario.from_chain(chain, "us_rule").cuts[0].to == ("CN",)
    assert Scenario.from_chain(chain, "taiwan_home").cuts[0].to == "home"


@pytest.mark.parametrize("fmt,ext", [("yaml", ".yaml"), ("json", ".json"), ("bundle", "")])
def test_load_save_round_trip(tmp_path: Path, fmt: str, ext: str) -> None:
    chain = rm.load(_write(tmp_path, CHIPS))
    out = tmp_path / f"saved{ext}"
    rm.save(chain, out, format=fmt)
    again = rm.load(out)
    assert again.graph.nodes["wafers"]["controlled_by"] == {"TW": ("US",)}
    assert again.graph.nodes["wafers"]["provenance"]["suppliers.TW"]["low"] == 0.5
    assert [c["to"] for s in again.scenarios for c in s["cuts"]] == [["CN"], "home"]
    cols = ["node", "country", "share", "share.low", "share.high", "controlled_by"]
    pd.testing.assert_frame_equal(again.suppliers[cols], chain.suppliers[cols],
                                  check_dtype=False)


def test_a_bundle_joins_the_codes_with_a_bar(tmp_path: Path) -> None:
    chain = rm.load(_write(tmp_path, CHIPS))
    chain.graph.nodes["wafers"]["controlled_by"] = {"TW": ("US", "NL")}
    rm.save(chain, tmp_path / "b", format="bundle")
    text = (tmp_path / "b" / "suppliers.csv").read_text()
    assert text.splitlines()[0].endswith(",controlled_by")
    assert "wafers,TW,0.6,0.5,0.7,US|NL" in text
    assert rm.load(tmp_path / "b").graph.nodes["wafers"]["controlled_by"] == {
        "TW": ("US", "NL")}


def test_a_chain_without_controllers_writes_no_column(tmp_path: Path) -> None:
    rm.save(rm.load("bicycle"), tmp_path / "b", format="bundle")
    assert "controlled_by" not in (tmp_path / "b" / "suppliers.csv").read_text()


def test_a_plain_share_and_a_sourced_share_still_read(tmp_path: Path) -> None:
    text = _break("KR: 0.2", "KR: {value: 0.2, estimate: true, low: 0.1, high: 0.3, "
                  "note: guess}")
    chain = rm.load(_write(tmp_path, text))
    assert chain.graph.nodes["wafers"]["suppliers"] == {"TW": 0.6, "KR": 0.2, "other": 0.2}


# ---------------------------------------------------------------------------
# validation of controlled_by
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("new,message,fix", [
    ("controlled_by: [us]", "unknown jurisdiction 'us' in controlled_by",
     "write `US` (country codes are upper case)"),
    ("controlled_by: [EUROP]", "unknown jurisdiction 'EUROP' in controlled_by",
     "did you mean `EUROPE`?"),
    ("controlled_by: []", "`controlled_by` names no jurisdiction", "remove `controlled_by`"),
    ("controlled_by: 5", "`controlled_by` must be a list of country codes",
     "list the codes"),
    ("controled_by: [US]", "unknown key 'controled_by'", "did you mean `controlled_by`?"),
])
def test_bad_controlled_by(tmp_path: Path, new: str, message: str, fix: str) -> None:
    text = _break("controlled_by: [US]", new)
    # the scenario's cut of US, which controls nothing now, is a second error
    (p,) = [p for p in _problems(_write(tmp_path, text)) if "scenario" not in p.where]
    assert p.message == message
    assert fix in (p.fix or "")
    assert p.line == _line(text, "TW:")
    assert "supplier 'TW'" in (p.where or "")


def test_a_group_may_control_a_share(tmp_path: Path) -> None:
    rm.validate(_write(tmp_path, _break("controlled_by: [US]", "controlled_by: [US, EUROPE]")))


def test_the_producer_may_name_itself(tmp_path: Path) -> None:
    rep = rm.validate(_write(tmp_path, _break("controlled_by: [US]", "controlled_by: [US, TW]")),
                      strict=True)
    assert rep.warnings == []


def test_the_dict_form_needs_a_share(tmp_path: Path) -> None:
    text = _break("{share: {value: 0.6, low: 0.5, high: 0.7}, controlled_by: [US]}",
                  "{controlled_by: [US]}")
    errors = [p for p in _problems(_write(tmp_path, text)) if p.severity == "error"]
    assert [p.message for p in errors] == ["a supplier written as a mapping needs `share`"]
    assert errors[0].line == _line(text, "TW:")


def test_other_takes_no_controller(tmp_path: Path) -> None:
    text = _break("      other: 0.2\n", "      other: {share: 0.2, controlled_by: [US]}\n")
    (p,) = _problems(_write(tmp_path, text))
    assert p.message.startswith("`other` takes no `controlled_by`")
    assert p.line == _line(text, "other: {share")


def test_bundle_controlled_by_column_is_checked(tmp_path: Path) -> None:
    rm.save(rm.load(_write(tmp_path, CHIPS)), tmp_path / "b", format="bundle")
    csv = tmp_path / "b" / "suppliers.csv"
    csv.write_text(csv.read_text().replace("0.7,US", "0.7,US|nl").replace(
        "wafers,KR,0.2,,,", "wafers,KR,0.2,,,|"))
    errors = _problems(tmp_path / "b")
    assert sorted((p.message, p.line, p.column) for p in errors) == [
        ("`controlled_by` names no jurisdiction", 3, 6),
        ("unknown jurisdiction 'nl' in controlled_by", 2, 6)]
    assert all(p.file.endswith("suppliers.csv") for p in errors)


def test_a_graph_edit_naming_no_supplier_is_an_error() -> None:
    chain = chain_of({"a": {"stage": "upstream", "suppliers": {"TW": 1.0}},
                      "b": {"stage": "end_use", "value": 1.0,
                            "controlled_by": {"KR": ["US"]}}}, [("a", "b", {})])
    (p,) = [p for p in chain.check() if p.severity == "error"]
    assert p.message == "controlled_by names 'KR', which is not a supplier of 'b'"
    assert p.fix.startswith("add KR to the node's suppliers")


def test_validate_command_prints_place_and_fix(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    text = _break("controlled_by: [US]", "controlled_by: [us]")
    path = _write(tmp_path, text)
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    line = _line(text, "TW:")
    assert f"{path}:{line}:" in err
    assert "unknown jurisdiction 'us' in controlled_by" in err
    assert "Fix: write `US` (country codes are upper case)" in err


# ---------------------------------------------------------------------------
# a cut by a jurisdiction reaches the shares it controls
# ---------------------------------------------------------------------------

def test_a_cut_by_the_controller_reaches_the_share(tmp_path: Path) -> None:
    chain = rm.load(_write(tmp_path, CHIPS))
    assert scenario_warnings(chain, Scenario([Cut("US", nodes=("wafers",))])) == []
    assert scenario_warnings(chain, Scenario([Cut("US")])) == []
    (w,) = scenario_warnings(chain, Scenario([Cut("US", nodes=("tools",))]))
    assert w.message == ("US supplies nothing of 'tools' (its suppliers: NL 80%, JP 20%); "
                         "the cut changes nothing")


def test_without_controlled_by_the_controller_is_no_country_of_the_chain(
        tmp_path: Path) -> None:
    text = _break("{share: {value: 0.6, low: 0.5, high: 0.7}, controlled_by: [US]}", "0.6")
    text = _break("    cuts: [{country: US, nodes: [wafers], to: [CN]}]\n",
                  "    cuts: [{country: KR, nodes: [wafers], to: [CN]}]\n", text)
    chain = rm.load(_write(tmp_path, text))
    with pytest.raises(rm.ScenarioError, match="unknown country in cut"):
        rm.scenario.resolve(chain, Scenario([Cut("US", nodes=("wafers",))]))


def test_the_warning_names_the_controllers(tmp_path: Path) -> None:
    chain = rm.load(_write(tmp_path, CHIPS))
    (w,) = scenario_warnings(chain, Scenario([Cut("JP", nodes=("wafers",))]))
    assert w.message == ("JP supplies nothing of 'wafers' (its suppliers: TW 60%, KR 20%, "
                         "other 20%; TW controlled by US); the cut changes nothing")
    assert w.fix.startswith("cut one of its suppliers (TW, KR, US)")


def test_suppliers_take_the_controllers_of_compiled_arrays(tmp_path: Path) -> None:
    chain = rm.load("bicycle")
    edited = chain.copy()
    edited.graph.nodes["frames"]["controlled_by"] = {"TW": ("US",)}
    rm.save(edited, tmp_path / "bike.yaml")
    held = rm.load(tmp_path / "bike.yaml").compiled
    assert set(held.controls) == {"US"}  # the engine's form: key → rows it controls
    s = Suppliers.from_compiled(held, chain.groups)
    assert s.supplies("US", "frames") and not s.supplies("US", "tyres")
    assert not Suppliers.from_compiled(chain.compiled, chain.groups).supplies("US", "frames")


# ---------------------------------------------------------------------------
# validation of `to`
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("new,message,fix", [
    ("to: [cn]", "unknown destination 'cn'", "write `CN` (country codes are upper case)"),
    ("to: [EUROP]", "unknown destination 'EUROP'", "did you mean `EUROPE`?"),
    ("to: [CN, all]", "unknown destination 'all'", "write `to: all` alone"),
    ("to: []", "`to` must be `all`, `world`, `home` or a non-empty list of country codes",
     "write e.g. `to: [CN]`"),
    ("to: {CN: 1}", "`to` must be `all`, `world`, `home` or a non-empty list of country codes",
     "write e.g. `to: [CN]`"),
])
def test_bad_destinations(tmp_path: Path, new: str, message: str, fix: str) -> None:
    text = _break("to: [CN]", new)
    (p,) = _problems(_write(tmp_path, text))
    assert (p.message, p.field, p.where) == (message, "to", "scenario 'us_rule', cut #1")
    assert fix in p.fix
    assert p.line == _line(text, "country: US, nodes: [wafers]")


def test_home_in_a_global_view_is_an_error(tmp_path: Path) -> None:
    text = _break("perspective: {home: DE}", "perspective: global")
    (p,) = _problems(_write(tmp_path, text))
    assert p.message == "`to: home` in a global view: the chain has no home"
    assert p.fix == ("name the destinations (e.g. `to: [DE]`), or give the chain a home "
                     "(`perspective: {home: DE}`)")
    assert p.line == _line(text, "to: home")


def test_destinations_need_not_supply_the_chain(tmp_path: Path) -> None:
    text = _break("to: [CN]", "to: [CN, RU, EUROPE]")
    assert rm.validate(_write(tmp_path, text), strict=True).warnings == []


@pytest.mark.parametrize("cut", ["{country: TW, to: [TW]}", "{country: EUROPE, to: [NL]}",
                                 "{country: DE, to: home}"])
def test_a_cut_to_itself_only_is_a_warning(tmp_path: Path, cut: str) -> None:
    text = _break("{country: TW, to: home}", cut)
    (w,) = rm.validate(_write(tmp_path, text)).warnings
    assert w.code == "destination-self"
    assert "a domestic stop" in w.message and "no other country does" in w.message
    assert "keep it if a domestic stop is meant" in w.fix
    with pytest.raises(rm.ChainValidationError):
        rm.validate(_write(tmp_path, text), strict=True)


def test_a_scenario_file_checks_destinations(tmp_path: Path) -> None:
    good = _write(tmp_path, "- id: s\n  cuts: [{country: CN, to: [DE, PL]}]\n", "s.yaml")
    assert read_scenarios(good)[0].cuts[0].to == ("DE", "PL")
    home = _write(tmp_path, "- id: s\n  cuts: [{country: CN, to: home}]\n", "h.yaml")
    assert read_scenarios(home)[0].cuts[0].to == "home"  # the chain is not known yet
    bad = _write(tmp_path, "- id: s\n  cuts:\n  - {country: CN, to: [de]}\n", "b.yaml")
    with pytest.raises(rm.ScenarioError) as e:
        read_scenarios(bad)
    (p,) = e.value.problems
    assert (p.message, p.line) == ("unknown destination 'de'", 3)


def test_resolve_checks_destinations_against_the_chain() -> None:
    chain = rm.load("bicycle")  # a home view (CN)
    rm.scenario.resolve(chain, Scenario([Cut("JP", to="home")]))
    with pytest.raises(rm.ScenarioError, match="unknown destination 'ZZ'"):
        rm.scenario.resolve(chain, Scenario([Cut("JP", to=("ZZ",))]))
    glob = chain_of({"a": {"stage": "upstream", "suppliers": {"JP": 1.0}},
                     "b": {"stage": "end_use", "value": 1.0}}, [("a", "b", {})],
                    perspective="global")
    with pytest.raises(rm.ScenarioError, match="global view"):
        rm.scenario.resolve(glob, Scenario([Cut("JP", to="home")]))


def test_cut_as_dict_and_from_dict_keep_destinations() -> None:
    for to in ("all", "home", ("CN", "RU")):
        cut = Cut("US", to=to)
        assert Scenario.from_dict({"cuts": [cut.as_dict()]}).cuts[0] == cut
    assert "to" not in Cut("US").as_dict()


def test_json_schema_accepts_the_new_fields(tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    schema = rm.schema.json_schema()
    doc = yaml.safe_load(CHIPS)
    jsonschema.Draft202012Validator(schema).validate(doc)
    doc["nodes"][0]["suppliers"]["TW"]["controlled_by"] = []
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(doc)
    doc = yaml.safe_load(CHIPS)
    doc["scenarios"][0]["cuts"][0]["to"] = "somewhere"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(doc)


def test_readme_example_is_valid(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    block = readme.split("**Whom a cut reaches**", 1)[1].split("```yaml\n", 1)[1]
    block = block.split("```", 1)[0]
    nodes, scenarios = block.split("scenarios:")
    chain_text = ("schema: riskmodel/chain@1\nname: readme\nperspective: {home: DE}\n"
                  + nodes + "  - {id: cars, stage: end_use, value: 1}\n"
                  + "edges:\n  - {from: logic_chips, to: cars}\n"
                  + "scenarios:" + scenarios)
    chain = rm.load(_write(tmp_path, chain_text), strict=True)
    assert chain.graph.nodes["logic_chips"]["controlled_by"] == {"TW": ("US",)}
    assert scenario_warnings(chain, Scenario.from_chain(chain, "us_chip_rules")) == []


# ---------------------------------------------------------------------------
# the command line
# ---------------------------------------------------------------------------

def test_parse_cut_reads_destinations() -> None:
    assert parse_cut("CN:graphite,anode@0.5>DE, PL") == Cut(
        "CN", ("graphite", "anode"), 0.5, 0, None, ("DE", "PL"))
    assert parse_cut("CN>all").to == "all" and parse_cut("CN>home").to == "home"
    assert parse_cut("US@0.9>CN").to == ("CN",)
    with pytest.raises(rm.ScenarioError, match="names no destination after '>'"):
        parse_cut("CN>")
    with pytest.raises(rm.ScenarioError, match="cannot read the cut"):
        parse_cut("CN>DE@0.5")


def test_cli_cut_with_destinations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, CHIPS)
    assert main(["simulate", str(path), "--cut", "US:wafers>CN", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "US:wafers>CN" in json.dumps(out)
    glob = _write(tmp_path, _break("perspective: {home: DE}", "perspective: global")
                  .replace("to: home", "to: [DE]"), "g.yaml")
    assert main(["simulate", str(glob), "--cut", "TW>home"]) == 1
    err = capsys.readouterr().err
    assert "`to: home` in a global view" in err and "give the chain a home" in err
    assert main(["simulate", str(path), "--cut", "TW:>DE"]) == 2
    assert "names no node after ':'" in capsys.readouterr().err


def test_export_flattens_the_controllers(tmp_path: Path) -> None:
    from riskmodel.exporting import export_graph

    g = export_graph(rm.load(_write(tmp_path, CHIPS)), scores=False)
    assert g.nodes["wafers"]["controlled_by_TW"] == "US"
    assert "controlled_by" not in g.nodes["wafers"]


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), fmt=st.sampled_from(["yaml", "json", "bundle"]),
       to=st.sampled_from(["all", "home", ("DE",), ("CN", "US")]))
def test_load_save_keeps_controllers_and_destinations(tmp_path: Path, seed: int, fmt: str,
                                                      to) -> None:
    chain = random_chain(seed)
    rng = random.Random(seed)
    for n, d in chain.graph.nodes(data=True):
        held = {k: tuple(rng.sample(COUNTRIES, rng.randint(1, 2)))
                for k in d.get("suppliers", {}) if k != "other" and rng.random() < 0.5}
        if held:
            chain.graph.nodes[n]["controlled_by"] = held
    want = {n: c for n, c in chain.graph.nodes(data="controlled_by") if c}
    cut = Cut(COUNTRIES[seed % len(COUNTRIES)], to=to)
    chain.scenarios[:] = [Scenario([cut], name="s").as_dict()]
    out = Path(tempfile.mkdtemp(dir=tmp_path)) / ("b" if fmt == "bundle" else f"c.{fmt}")
    rm.save(chain, out, format=fmt)
    again = rm.load(out)
    assert {n: c for n, c in again.graph.nodes(data="controlled_by") if c} == want
    assert Scenario.from_chain(again, "s").cuts == (cut,)
