"""Importing the ETO semiconductor supply chain dataset (riskmodel.eto).

Most tests run on a small invented dataset in the ETO format, written here into a
temporary folder (names and numbers are made up). One test reads the real dataset,
which is CC BY-NC and never committed, from ``RISKMODEL_ETO_DIR`` or
``../shared/data/eto`` and is skipped when it is absent.
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import pytest
from helpers import ETO_DIR

import riskmodel as rm
from riskmodel.cli import main
from riskmodel.cli.eto import add_import_parser, cli_import
from riskmodel.eto import from_eto

# An invented dataset covering every quirk the importer handles:
# - N4 "Patterning tools": alternatives (three scanner generations) with market sizes,
#   and shares of its own that sum up its children's (not used);
# - N8 "Special materials": distinct needs (each child also goes into wafer processing);
# - N15 "Design cores": a category with numbers whose children have none (it carries);
# - org providers summed by HQ (N5, N13), country-level rows preferred (N2, N6);
# - totals above 100% (N7, N13, S1), a 1% share in whole percentages (N15);
# - Major / negligible / blank shares (N10, N11); mixed years (N2);
# - pseudo-providers EUR and Various countries / Various companies;
# - a quoted cell holding a line break (the first provision row).
SYNTH = {
    "stages.csv": """\
stage_id,stage_name,description,market_share_chart_global_market_size_info,\
market_share_chart_caption,market_share_chart_source
S1,Design,Drawing chips.,$90 billion (2023),Design by HQ country.,Invented design survey
S2,Fabrication,Making chips.,,Fab capacity by site.,Invented fab census
S3,"Assembly, testing, and packaging (ATP)",Boxing chips.,,,
""",
    "inputs.csv": """\
input_id,input_name,type,stage_name,stage_id,description,year,\
market_share_chart_global_market_size_info,market_share_chart_caption,market_share_chart_source
N1,Chip design,process,Design,S1,Drawing.,,,,
N2,Layout software,tool_resource,,,Software.,2024,$5 billion (2024),,[Tool survey](https://example.org/tools)
N15,Design cores,design_resource,,,Cores.,2019,,,Invented core study
N16,Small cores,design_resource,,,,,,,
N17,Big cores,design_resource,,,,,,,
N3,Wafer processing,process,Fabrication,S2,"Makes
wafers.",,,,
N4,Patterning tools,tool_resource,,,,2025,$20 billion (2025),,[Tool survey](https://example.org/tools)
N5,Extreme scanners,tool_resource,,,,2025,$12 billion (2025),,[Tool survey](https://example.org/tools)
N6,Deep scanners,tool_resource,,,,2025,$6 billion (2025),,[Tool survey](https://example.org/tools)
N7,Old scanners,tool_resource,,,,2025,$2000 million (2025),,[Tool survey](https://example.org/tools)
N8,Special materials,material_resource,,,,,,,
N9,Masks,material_resource,,,,2019,$3 billion,,
N10,Resists,material_resource,,,,2019,,,
N11,Bulk gases,material_resource,,,,2019,,,
N12,Packaging,process,"Assembly, testing, and packaging (ATP)",S3,,,,,
N13,Bonders,tool_resource,,,,2025,$1.5 billion (2025),,
N14,Finished device,ultimate_output,,,,,,,
""",
    "sequence.csv": """\
input_name,input_id,goes_into_name,goes_into_id,is_type_of_name,is_type_of_id
Layout software,N2,Chip design,N1,,
Design cores,N15,Chip design,N1,,
Small cores,N16,,,Design cores,N15
Big cores,N17,,,Design cores,N15
Chip design,N1,Wafer processing,N3,,
Patterning tools,N4,Wafer processing,N3,,
Extreme scanners,N5,,,Patterning tools,N4
Deep scanners,N6,,,Patterning tools,N4
Old scanners,N7,,,Patterning tools,N4
Special materials,N8,Wafer processing,N3,,
Masks,N9,,,Special materials,N8
Resists,N10,,,Special materials,N8
Masks,N9,Wafer processing,N3,,
Resists,N10,Wafer processing,N3,,
Bulk gases,N11,Wafer processing,N3,,
Wafer processing,N3,Packaging,N12,,
Bonders,N13,Packaging,N12,,
Packaging,N12,Finished device,N14,,
""",
    "providers.csv": """\
provider_name,alias,provider_id,provider_type,country
USA,United States,P1,country,
NLD,Netherlands,P2,country,
JPN,Japan,P3,country,
TWN,Taiwan,P4,country,
Various countries,,P5,country,
EUR,Europe,P6,country,EUR
KOR,South Korea,P7,country,
CHN,China,P8,country,
DEU,Germany,P9,country,
Lensmaker,,P10,organization,NLD
Opticorp,,P11,organization,JPN
Bondco,,P12,organization,SGP
Bondtech,,P13,organization,SGP
Wirely,,P14,organization,USA
Various companies,,P15,organization,Various countries
Gasworks,,P16,organization,FRA
Resistco,,P19,organization,JPN
Resistco,Resist Company,P19,organization,JPN
Maskit,,P18,organization,CHN
Nohq,,P20,organization,
""",
    "provision.csv": """\
provider_name,provider_id,provided_name,provided_id,share_provided,year,source
USA,P1,Layout software,N2,70,2024,"Invented survey,
second line"
Various countries,P5,Layout software,N2,25,2019,Invented older survey
EUR,P6,Layout software,N2,5,2024,Invented survey
Wirely,P14,Layout software,N2,70,2024,Invented survey
Lensmaker,P10,Extreme scanners,N5,100,2025,Invented tool census
NLD,P2,Deep scanners,N6,80,2025,Invented tool census
JPN,P3,Deep scanners,N6,20,2025,Invented tool census
Lensmaker,P10,Deep scanners,N6,80,2025,Invented tool census
Opticorp,P11,Deep scanners,N6,20,2025,Invented tool census
JPN,P3,Old scanners,N7,60,2025,Invented tool census
NLD,P2,Old scanners,N7,35,2025,Invented tool census
Various countries,P5,Old scanners,N7,6,2025,Invented tool census
NLD,P2,Patterning tools,N4,75,2025,Invented tool census
JPN,P3,Patterning tools,N4,25,2025,Invented tool census
JPN,P3,Masks,N9,50,2019,
TWN,P4,Masks,N9,50,2019,
Maskit,P18,Masks,N9,,2019,
Resistco,P19,Resists,N10,,2019,
KOR,P7,Resists,N10,Major,2019,
CHN,P8,Resists,N10,negligible,2019,
USA,P1,Bulk gases,N11,60,2019,
DEU,P9,Bulk gases,N11,Major,2019,
CHN,P8,Bulk gases,N11,negligible,2019,
Gasworks,P16,Bulk gases,N11,,2019,
Nohq,P20,Bulk gases,N11,,2019,
Bondco,P12,Bonders,N13,50.5,2025,Invented tool census
Bondtech,P13,Bonders,N13,30,2025,Invented tool census
Wirely,P14,Bonders,N13,20,2025,Invented tool census
Various companies,P15,Bonders,N13,1,2025,Invented tool census
USA,P1,Design cores,N15,60,2019,
Various countries,P5,Design cores,N15,30,2019,
TWN,P4,Design cores,N15,1,2019,
USA,P1,Small cores,N16,,2019,
CHN,P8,Big cores,N17,,2019,
USA,P1,Design,S1,50,2023,
EUR,P6,Design,S1,20,2023,
TWN,P4,Design,S1,31,2023,
TWN,P4,Fabrication,S2,60,2023,
KOR,P7,Fabrication,S2,30,2023,
CHN,P8,Fabrication,S2,10,2023,
""",
}
N_SEQUENCE_ROWS = 18  # one edge each
N_INPUTS = 17


@pytest.fixture
def eto(tmp_path: Path) -> Path:
    """The invented dataset in a folder."""
    folder = tmp_path / "eto"
    folder.mkdir()
    for name, text in SYNTH.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _sup(chain, node: str) -> dict:
    return dict(chain.graph.nodes[node].get("suppliers") or {})


def _prov(chain, node: str, key: str) -> dict:
    return chain.graph.nodes[node]["provenance"][key]


# ---------------------------------------------------------------------------
# structure
# ---------------------------------------------------------------------------

def test_nodes_stages_and_edges(eto: Path) -> None:
    chain, _ = from_eto(eto)
    assert chain.perspective == "global"
    assert chain.stages == ["design", "fabrication", "atp", "end_use"]
    # every input, plus a node per stage with provision rows (S1, S2; not S3)
    assert len(chain) == N_INPUTS + 2
    # every sequence row, plus one edge from each stage node
    assert chain.number_of_edges() == N_SEQUENCE_ROWS + 2
    g = chain.graph
    stage = {n: d["stage"] for n, d in g.nodes(data=True)}
    assert stage["layout_software"] == "design"
    assert stage["small_cores"] == "design"          # through its category
    assert stage["extreme_scanners"] == "fabrication"
    assert stage["bonders"] == "atp"
    assert stage["finished_device"] == "end_use"
    assert [n for n, s in stage.items() if s == "end_use"] == ["finished_device"]
    assert list(g.successors("stage_design")) == ["wafer_processing"]
    assert list(g.successors("stage_fabrication")) == ["packaging"]
    assert "stage_atp" not in g
    assert g.nodes["extreme_scanners"]["label"] == "Extreme scanners"
    assert "N5" in g.nodes["extreme_scanners"]["note"]
    assert g.nodes["wafer_processing"]["description"] == "Makes\nwafers."
    assert g.edges["layout_software", "chip_design"].get("group") is None
    no_stages, _ = from_eto(eto, stage_nodes=False)
    assert len(no_stages) == N_INPUTS and "stage_design" not in no_stages.graph


def test_alternatives_under_any_with_market_covers(eto: Path) -> None:
    chain, _ = from_eto(eto)
    g = chain.graph
    kids = ["extreme_scanners", "deep_scanners", "old_scanners"]
    edges = [g.edges[k, "patterning_tools"] for k in kids]
    assert {e["group"] for e in edges} == {"types"}
    # each generation covers its share of the generations' market: 12, 6 and 2 of 20
    assert [e["covers"] for e in edges] == [0.6, 0.3, 0.1]
    p = edges[2]["provenance"]["covers"]
    assert p["estimate"] is True and (p["low"], p["high"]) == (0.1, 1.0)
    assert "2 of 20 USD bn (2025)" in p["note"]
    full, _ = from_eto(eto, covers="full")
    fe = full.graph.edges["old_scanners", "patterning_tools"]
    assert fe["group"] == "types" and "covers" not in fe


def test_all_reading_and_overrides(eto: Path) -> None:
    chain, problems = from_eto(eto, variants="all")
    assert len(chain) == N_INPUTS + 2 and problems
    assert all("group" not in d for *_, d in chain.graph.edges(data=True))
    for key in ("N4", "patterning_tools"):
        over, _ = from_eto(eto, variant_overrides={key: "all"})
        assert "group" not in over.graph.edges["extreme_scanners", "patterning_tools"]
        assert "N4 all" in over.description
    back, _ = from_eto(eto, variants="all", variant_overrides={"N4": "any"})
    assert back.graph.edges["deep_scanners", "patterning_tools"]["group"] == "types"


def test_distinct_needs_category(eto: Path) -> None:
    # masks and resists each go into wafer processing: "any" reads them as all needed
    chain, _ = from_eto(eto)
    g = chain.graph
    for kid in ("masks", "resists"):
        assert "group" not in g.edges[kid, "special_materials"]
        assert "distinct need" in g.edges[kid, "special_materials"]["note"]
        assert g.has_edge(kid, "wafer_processing")
    # an override makes them alternatives; without market sizes each covers half
    over, _ = from_eto(eto, variant_overrides={"N8": "any"})
    e = over.graph.edges["resists", "special_materials"]
    assert e["group"] == "types" and e["covers"] == 0.5


def test_unknown_override_and_option(eto: Path) -> None:
    with pytest.raises(rm.ChainValidationError) as err:
        from_eto(eto, variant_overrides={"N5": "any", "N4": "some"})
    text = str(err.value)
    assert "unknown category" in text and "N4 (patterning_tools)" in text
    assert "unknown reading" in text
    with pytest.raises(ValueError, match="variants must be one of 'any', 'all'"):
        from_eto(eto, variants="some")
    with pytest.raises(ValueError, match="qualitative must be one of"):
        from_eto(eto, qualitative="guess")


# ---------------------------------------------------------------------------
# suppliers
# ---------------------------------------------------------------------------

def test_org_providers_aggregated_to_hq(eto: Path) -> None:
    chain, _ = from_eto(eto)
    assert _sup(chain, "extreme_scanners") == {"NL": 1.0}
    # Bondco and Bondtech (both SGP) add up; Various companies count for ROW;
    # the total of 101.5% is scaled to 100%
    s = _sup(chain, "bonders")
    assert set(s) == {"SG", "US", "ROW"}
    assert s["SG"] == pytest.approx(80.5 / 101.5, abs=1e-4)
    assert s["ROW"] == pytest.approx(1 / 101.5, abs=1e-4)
    note = _prov(chain, "bonders", "suppliers.SG")["note"]
    assert "Bondco 50.5%" in note and "Bondtech 30%" in note and "scaled by" in note


def test_country_level_rows_win(eto: Path) -> None:
    chain, _ = from_eto(eto)
    # Wirely (USA, 70%) is not added to the country row USA 70%
    assert _sup(chain, "layout_software") == {"US": 0.7, "ROW": 0.25, "EUROPE": 0.05}
    assert _sup(chain, "deep_scanners") == {"NL": 0.8, "JP": 0.2}
    assert _prov(chain, "deep_scanners", "suppliers.NL")["note"].startswith("ETO: NLD 80%")


def test_totals_above_100_normalised_with_one_warning(eto: Path) -> None:
    chain, problems = from_eto(eto)
    warns = [p for p in problems if p.severity == "warning"]
    assert len(warns) == 1
    w = warns[0]
    assert w.code == "eto-normalised" and w.file.endswith("provision.csv")
    for node in ("N7 old_scanners (101%)", "N13 bonders (101.5%)", "S1 stage_design (101%)"):
        assert node in w.where
    old = _sup(chain, "old_scanners")
    assert sum(old.values()) == pytest.approx(1.0, abs=1e-3)
    assert old["JP"] == pytest.approx(60 / 101, abs=1e-4)


def test_rounded_one_percent_gets_a_range(eto: Path) -> None:
    chain, _ = from_eto(eto)
    p = _prov(chain, "design_cores", "suppliers.TW")
    assert (p["value"], p["low"], p["high"]) == (0.01, 0.0, 0.01)
    assert "rounded up" in p["note"]
    # the shares leave 9% unattributed: the rest is declared as other
    assert _sup(chain, "design_cores")["other"] == pytest.approx(0.09)


@pytest.mark.parametrize("rule", ["range", "midpoint", "zero"])
def test_qualitative_rules(eto: Path, rule: str) -> None:
    chain, problems = from_eto(eto, qualitative=rule)
    s = _sup(chain, "resists")           # JP blank, KR Major, CN negligible, no numbers
    p = {k: _prov(chain, "resists", f"suppliers.{k}") for k in ("JP", "KR", "CN")}
    for e in p.values():
        assert e["estimate"] is True and e["dist"] == "uniform" and e["low"] <= e["value"]
        assert e["value"] <= e["high"] and "(2019)" in e["note"]
    assert p["CN"]["high"] == 0.025 and p["JP"]["high"] == 1.0
    assert sum(s.values()) == pytest.approx(1.0, abs=2e-4)
    if rule == "range":
        assert p["CN"]["value"] == 0.0125 and p["KR"]["low"] == 0.025
        assert s["JP"] == s["KR"] == pytest.approx((1 - 0.0125) / 2, abs=1e-4)
    elif rule == "midpoint":
        assert s["KR"] > s["JP"] > s["CN"] > 0
    else:
        assert s["JP"] == s["KR"] == s["CN"] == 0.0 and s["other"] == 1.0
    gases = _sup(chain, "bulk_gases")    # US 60% given; DE Major, CN negligible, FR blank
    assert gases["US"] == 0.6 and set(gases) >= {"DE", "CN", "FR", "ROW"}  # ROW: no HQ
    assert sum(gases.values()) == pytest.approx(1.0, abs=2e-4)
    assert "Gasworks" in _prov(chain, "bulk_gases", "suppliers.FR")["note"]
    # masks: the numbers total 100%, so Maskit (CHN, no share) is only named in the notes
    assert _sup(chain, "masks") == {"JP": 0.5, "TW": 0.5}
    assert "also names CN (Maskit)" in _prov(chain, "masks", "suppliers.JP")["note"]
    info = next(p for p in problems if p.code == "eto-qualitative")
    assert "N10 resists" in info.where and "N11 bulk_gases" in info.where
    rm.validate(chain, strict=True, require_sources=True)


def test_taxonomy_keeps_supply_at_one_level(eto: Path) -> None:
    chain, problems = from_eto(eto)
    # the category's own shares sum up its children's: not used, but kept in its note
    assert "suppliers" not in chain.graph.nodes["patterning_tools"]
    assert "NL 75%" in chain.graph.nodes["patterning_tools"]["note"]
    # a category with numbers whose children have none carries their supply
    assert _sup(chain, "design_cores")["US"] == 0.6
    assert "suppliers" not in chain.graph.nodes["small_cores"]
    assert "its category design_cores" in chain.graph.nodes["small_cores"]["note"]
    info = next(p for p in problems if p.code == "eto-taxonomy")
    assert {"N4 patterning_tools", "N16 small_cores", "N17 big_cores"} <= set(
        info.where.split(", "))


def test_pseudo_providers_become_groups(eto: Path) -> None:
    chain, _ = from_eto(eto)
    assert set(chain.groups) == {"EUROPE", "ROW"}
    assert {"DE", "NL", "FR"} <= set(chain.groups["EUROPE"]["members"])
    assert chain.groups["ROW"]["members"] == []
    assert _sup(chain, "stage_design")["EUROPE"] == pytest.approx(20 / 101, abs=1e-4)


def test_vintages_and_provenance(eto: Path) -> None:
    chain, problems = from_eto(eto)
    us = _prov(chain, "layout_software", "suppliers.US")
    row = _prov(chain, "layout_software", "suppliers.ROW")
    assert "(2024)" in us["note"] and "(2019)" in row["note"]
    assert us["ref"] == "provision.csv line 2" and row["ref"] == "provision.csv line 4"
    vint = next(p for p in problems if p.code == "eto-vintage")
    assert "N2 layout_software (2019/2024)" in vint.where
    # one declared source per distinct source text; rows without one fall back to
    # their input's chart source, then to the dataset
    sources = chain.sources
    assert sources[us["source"]]["title"] == "Invented survey, second line"
    assert sources[row["source"]]["title"] == "Invented older survey"
    assert _prov(chain, "masks", "suppliers.JP")["source"] == "eto"
    cores = _prov(chain, "design_cores", "suppliers.US")
    assert sources[cores["source"]]["title"] == "Invented core study"
    assert "chart source, inputs.csv line 4" in cores["note"]
    # market sizes become values, in USD bn, with their year
    value = _prov(chain, "old_scanners", "value")
    assert chain.graph.nodes["old_scanners"]["value"] == 2.0
    # line 12: the description of wafer processing spans two lines
    assert value["ref"] == "inputs.csv line 12" and "(2025)" in value["note"]
    assert sources[value["source"]]["url"] == "https://example.org/tools"
    assert chain.currency == "USD bn"
    assert "CC BY-NC 4.0" in chain.description and "variants='any'" in chain.description
    assert "CC BY-NC 4.0" in sources["eto"]["note"]
    prov = chain.header["provenance"]
    assert prov["values"] > 0 and prov["sourced"] + prov["estimated"] == pytest.approx(1)


def test_validates_strictly_and_round_trips(eto: Path, tmp_path: Path) -> None:
    chain, _ = from_eto(eto)
    rm.validate(chain, strict=True, require_sources=True)
    for target in ("c.yaml", "c.json", "bundle"):
        out = rm.save(chain, tmp_path / target)
        rm.validate(out, strict=True, require_sources=True)
        again = rm.load(out, strict=True)
        assert again.to_dict() == chain.to_dict()
        assert again.graph.nodes["bonders"]["provenance"] == \
            chain.graph.nodes["bonders"]["provenance"]


def test_row_order_does_not_change_shares(eto: Path) -> None:
    chain, _ = from_eto(eto)
    text = (eto / "provision.csv").read_text(encoding="utf-8")
    header, *rows = list(csv.reader(text.splitlines(keepends=True)))
    with (eto / "provision.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([header, *rows[::-1]])
    again, _ = from_eto(eto)
    for n in chain.graph:
        assert _sup(again, n) == _sup(chain, n), n


# ---------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------

def test_missing_folder_and_files(eto: Path, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such folder"):
        from_eto(tmp_path / "nowhere")
    (eto / "sequence.csv").unlink()
    (eto / "stages.csv").unlink()
    with pytest.raises(rm.ChainValidationError) as err:
        from_eto(eto)
    files = sorted(Path(p.file).name for p in err.value.problems)
    assert files == ["sequence.csv", "stages.csv"]
    assert all(p.message == "file missing" for p in err.value.problems)


def test_missing_column(eto: Path) -> None:
    text = SYNTH["provision.csv"].replace("share_provided", "share", 1)
    (eto / "provision.csv").write_text(text)
    with pytest.raises(rm.ChainValidationError) as err:
        from_eto(eto)
    (p,) = err.value.problems
    assert p.file.endswith("provision.csv") and p.line == 1 and p.field == "share_provided"
    assert "column 'share_provided' is missing" in str(p) and "add the column" in str(p)


def test_bad_rows_name_file_line_and_column(eto: Path) -> None:
    text = (SYNTH["provision.csv"]
            .replace("Bondtech,P13,Bonders,N13,30,", "Bondtech,P13,Bonders,N13,30%,")
            .replace("KOR,P7,Fabrication,S2,30,", "KOR,P7,Fabrication,S9,30,"))
    (eto / "provision.csv").write_text(text)
    with pytest.raises(rm.ChainValidationError) as err:
        from_eto(eto)
    lines = text.splitlines()
    share = next(p for p in err.value.problems if p.field == "share_provided")
    # line numbers count the line break inside the first row's quoted source
    assert lines[share.line - 1].startswith("Bondtech,P13")
    assert share.file.endswith("provision.csv") and share.column == 5
    assert share.message == "share is not a number" and "'30%'" in str(share)
    assert "no % sign" in share.fix
    target = next(p for p in err.value.problems if p.field == "provided_id")
    assert lines[target.line - 1].startswith("KOR,P7,Fabrication,S9")


def test_provider_with_two_countries(eto: Path) -> None:
    text = SYNTH["providers.csv"].replace("Resistco,Resist Company,P19,organization,JPN",
                                          "Resistco,Resist Company,P19,organization,KOR")
    (eto / "providers.csv").write_text(text)
    with pytest.raises(rm.ChainValidationError, match="provider P19 is given two countries"):
        from_eto(eto)


# ---------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------

def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="riskmodel")
    add_import_parser(parser.add_subparsers(dest="command"))
    return parser


def test_cli_import(eto: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "eto.yaml"
    args = _parser().parse_args(["import", "eto", str(eto), "-o", str(out),
                                 "--override", "N4=all", "--qualitative", "zero"])
    assert args.func.__module__ == "riskmodel.cli.eto"
    assert args.func(args) == 0
    cap = capsys.readouterr()
    assert cap.out.startswith(f"imported eto: {N_INPUTS + 2} nodes, {N_SEQUENCE_ROWS + 2} edges")
    assert f"wrote {out}" in cap.out and len(cap.out.splitlines()) == 1
    assert "warning" in cap.err and "N7 old_scanners" in cap.err
    chain = rm.load(out, strict=True)
    assert "group" not in chain.graph.edges["old_scanners", "patterning_tools"]
    assert "qualitative='zero'" in chain.description
    assert main(["validate", "--strict", "--require-sources", str(out)]) == 0
    bundle = tmp_path / "bundle"
    args = _parser().parse_args(["import", "eto", str(eto), "-o", str(bundle),
                                 "--format", "bundle"])
    assert cli_import(args) == 0
    assert (bundle / "suppliers.csv").is_file()


def test_cli_import_errors(eto: Path, tmp_path: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as ex:
        _parser().parse_args(["import", "eto", str(eto), "-o", "x.yaml", "--override", "N4"])
    assert ex.value.code == 2 and "expected ID=any or ID=all" in capsys.readouterr().err
    args = argparse.Namespace(source="eto", dir=str(eto), out=str(tmp_path / "x.yaml"),
                              variants="any", override=["N4:all"], qualitative="range")
    with pytest.raises(rm.ChainValidationError, match="malformed --override"):
        cli_import(args)
    (eto / "inputs.csv").unlink()
    args.override = []
    with pytest.raises(rm.ChainValidationError, match=r"inputs\.csv"):
        cli_import(args)
    assert not (tmp_path / "x.yaml").exists()


# ---------------------------------------------------------------------------
# the real dataset (CC BY-NC: read from outside the repository, never committed)
# ---------------------------------------------------------------------------

_HAVE_ETO = all((ETO_DIR / f).is_file() for f in (
    "inputs.csv", "stages.csv", "sequence.csv", "providers.csv", "provision.csv"))


def _rows(name: str) -> list[dict[str, str]]:
    with (ETO_DIR / name).open(newline="", encoding="utf-8-sig") as f:
        return [{k: (v or "").strip() for k, v in r.items()} for r in csv.DictReader(f)]


@pytest.mark.skipif(not _HAVE_ETO, reason=f"ETO dataset not found at {ETO_DIR} (it is CC "
                    "BY-NC and not in the repository); set RISKMODEL_ETO_DIR to its folder")
def test_real_dataset_structure(tmp_path: Path) -> None:
    t0 = time.perf_counter()
    chain, problems = from_eto(ETO_DIR)
    elapsed = time.perf_counter() - t0
    print(f"ETO import: {elapsed:.2f} s, {len(chain)} nodes, {chain.number_of_edges()} edges")

    inputs, stages, seq, prov = (_rows(f) for f in (
        "inputs.csv", "stages.csv", "sequence.csv", "provision.csv"))
    kind = {r["input_id"]: r["type"] for r in inputs}
    stage_of = {r["input_id"]: r["stage_id"] for r in inputs}
    order = [r["stage_id"] for r in stages]
    with_rows = [s for s in order if s in {r["provided_id"] for r in prov}]
    pairs = {(r["input_id"], r["goes_into_id"] or r["is_type_of_id"]) for r in seq}
    # a stage node feeds where its processes' output goes in a later stage
    cross = {(s, v) for s in with_rows for r in seq if (u := r["input_id"], v := r[
        "goes_into_id"]) and v and kind[u] == "process" and stage_of[u] == s and (
        kind[v] == "ultimate_output" or (kind[v] == "process" and order.index(
            stage_of[v]) > order.index(s)))}
    assert len(chain) == len(inputs) + len(with_rows)
    assert chain.number_of_edges() == len(pairs) + len(cross)
    assert chain.perspective == "global"
    ends = [n for n, d in chain.graph.nodes(data=True) if d["stage"] == chain.stages[-1]]
    assert len(ends) == sum(k == "ultimate_output" for k in kind.values()) >= 1
    assert set(chain.groups) <= {"EUROPE", "ROW"}
    ids = {n for n in chain.graph}
    assert all(n.replace("_", "").isalnum() and n == n.lower() for n in ids)

    # the lithography tools form one alternatives group under "any", none under "all"
    litho_id = next(r["input_id"] for r in inputs if r["input_name"] == "Lithography tools")
    litho = next(n for n, d in chain.graph.nodes(data=True)
                 if d["note"].startswith(f"ETO input {litho_id} "))
    kids = [r["input_id"] for r in seq if r["is_type_of_id"] == litho_id]
    edges = [d for *_, d in chain.graph.in_edges(litho, data=True)]
    assert len(edges) == len(kids) >= 2
    assert {d.get("group") for d in edges} == {"types"}
    assert sum(d["covers"] for d in edges) == pytest.approx(1.0, abs=1e-6)
    all_chain, _ = from_eto(ETO_DIR, variants="all")
    assert all(d.get("group") is None for *_, d in all_chain.graph.in_edges(litho, data=True))
    assert len(all_chain) == len(chain)

    rm.validate(chain, strict=True, require_sources=True)
    out = rm.save(chain, tmp_path / "eto.yaml")
    assert main(["validate", "--strict", str(out)]) == 0
    assert {p.severity for p in problems} <= {"warning", "info"}
