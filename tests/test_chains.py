"""The built-in chains: valid, fully traceable, and what their data shows.

The finding tests check the statements of chains/README.md ("Findings") against the
engine, including the findings the sourced data does NOT support, so that the README
stays true. No number in the chains was tuned to make these pass.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import riskmodel as rm
from riskmodel.provenance import provenance, summary

ROOT = Path(__file__).resolve().parents[1]
CHAINS = ("semiconductors", "industrial_robots", "generative_ai", "rare_earth_magnets",
          "gallium_germanium_graphite")
#: the focal market of each chain (China's view, except the other side's)
HOME = {"rare_earth_magnets": "JP", "gallium_germanium_graphite": "EU"}


@pytest.mark.parametrize("name", [*CHAINS, "combined"])
def test_builtin_chain_is_strictly_valid_and_sourced(name: str) -> None:
    report = rm.validate(name, strict=True, require_sources=True)
    assert not report.errors and not report.warnings
    chain = rm.load(name)
    assert len(chain) >= 20 and chain.home == HOME.get(name, "CN")


@pytest.mark.parametrize("name", CHAINS)
def test_every_number_is_sourced_or_a_marked_estimate(name: str) -> None:
    chain = rm.load(name)
    table = provenance(chain)
    assert (table["class"] != "unsourced").all(), table[table["class"] == "unsourced"]
    est = table[table["class"] == "estimate"]
    assert est["note"].notna().all() and est["low"].notna().all() and est["high"].notna().all()
    cited = table[table["class"] == "sourced"]
    assert cited["ref"].str.match(r"lines? \d+|para\. \d+").all()
    # the header records the shares, and they are true
    s = summary(chain)
    head = chain.header["provenance"]
    assert head["values"] == s["values"]
    assert head["sourced"] == pytest.approx(s["sourced"], abs=0.001)
    assert head["estimated"] == pytest.approx(s["estimated"], abs=0.001)


@pytest.mark.parametrize("name", CHAINS)
def test_readme_provenance_figures_are_current(name: str) -> None:
    text = (ROOT / "chains" / "README.md").read_text(encoding="utf-8")
    s = summary(rm.load(name))
    row = next(line for line in text.splitlines() if line.startswith(f"| {name} | "))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert int(cells[1]) == s["values"], row
    assert float(cells[2].split()[0]) == pytest.approx(s["sourced"], abs=0.001), row
    assert float(cells[3].split()[0]) == pytest.approx(s["estimated"], abs=0.001), row


def test_cited_quotes_are_in_the_seeds() -> None:
    """A sourced value's note quotes its seed line (when the seeds are present)."""
    seeds = ROOT.parent / "shared" / "seeds"
    if not seeds.is_dir():
        pytest.skip("the seed documents (../shared/seeds) are not beside the repository")
    bad = []
    for name in CHAINS:
        chain = rm.load(name)
        files = {k: v.get("file") for k, v in chain.sources.items()}
        for r in provenance(chain).itertuples():
            if r._5 != "sourced" or not files.get(r.source):
                continue
            lines = (seeds / files[r.source]).read_text(encoding="utf-8").splitlines()
            nums = [int(x) for x in re.findall(r"\d+", r.ref)]
            span = " ".join(lines[nums[0] - 1: nums[-1]])
            note = r.note or ""
            inner = re.findall(r"“([^”]+)”", note)  # a lead-in, then the seed's words
            quote = re.sub(r"\s+", " ", (inner[0] if inner else note).strip().strip('"'))
            if quote and re.sub(r"\s+", " ", quote) not in re.sub(r"\s+", " ", span):
                bad.append((name, r.id, r.field, r.ref, quote[:60]))
    assert not bad, bad


# -- findings --------------------------------------------------------------------

@pytest.fixture(scope="module")
def robots() -> tuple[rm.Chain, object]:
    chain = rm.load("industrial_robots")
    return chain, rm.score(chain)


def test_robots_top_choke_points_are_upstream_core_parts(robots) -> None:
    _, s = robots
    assert list(s.index[:2]) == ["reduction_gears", "plc_controllers"]
    assert (s["stage"].iloc[:2] == "upstream").all()
    assert s.loc["reduction_gears", "choke_score"] > s.loc["robot_bodies", "choke_score"]


def test_robots_support_peaks_midstream(robots) -> None:
    chain, s = robots
    pa = rm.policy_alignment(chain, s)
    assert pa.by_stage["subsidy_intensity"].idxmax() == "midstream"
    assert pa.by_stage["rd_intensity"].idxmax() == "midstream"


def test_robots_controllers_are_buffered_at_twelve_months(robots) -> None:
    """README: partly supported — servo mechanisms now outrank robot bodies at month 12
    (a Japanese cut reaches foreign servo and robot makers too); controllers do not:
    stocks along their path absorb their cut (they do in the long run only through
    estimated figures)."""
    _, s = robots
    assert s.loc["servo_mechanisms", "choke_score"] > s.loc["robot_bodies", "choke_score"]
    assert s.loc["robot_controllers", "choke_score"] < s.loc["robot_bodies", "choke_score"]
    assert s.loc["robot_controllers", "relief_stock"] > 0
    assert s.loc["robot_controllers", "choke_long_run"] > \
        s.loc["robot_bodies", "choke_long_run"]


def test_semiconductors_coalition_on_top_of_the_restrictions_in_force() -> None:
    """README: unrestricted, US+JP+NL leave the domestic advanced-logic fab 1.0% of its
    supply; on top of the restrictions in force 7.8%, because the rows the rules already cut
    have their substitutes in place (docs/model.md §1.5), so no set of up to three countries
    brings it under 5%."""
    chain = rm.load("semiconductors")
    target = "domestic_advanced_logic_fab"
    assert rm.coalition(chain, ["US", "JP", "NL"], target=target, baseline=False) == \
        pytest.approx(0.0105, abs=1e-4)
    assert rm.coalition(chain, ["US", "JP", "NL"], target=target) == pytest.approx(0.0784, abs=1e-4)
    assert rm.cutsets(chain, target=target, max_size=3).empty
    assert [tuple(x) for x in rm.cutsets(chain, target=target, max_size=3,
                                         baseline=False)["countries"]] == [("JP", "NL")]


def test_semiconductors_top_choke_points_are_japanese_materials_and_imported_chips() -> None:
    """README: on top of the restrictions in force (realised loss 0.082), the top choke points
    are Japanese photoresist and imported memory; foreign leading-edge foundry access ranks
    3rd, EUV last (it never shipped: its cut is in the realised loss)."""
    s = rm.score(rm.load("semiconductors"))
    assert s.attrs["realised_loss"] == pytest.approx(0.082, abs=0.001)
    assert list(s.index[:3]) == ["photoresist", "memory_ics", "foreign_leading_edge_foundry"]
    assert s["choke_score"].iloc[:3].round(3).tolist() == [0.646, 0.334, 0.251]
    assert s.loc["euv_lithography", "rank"] == len(s)


def test_generative_ai_restrictions_in_force_take_the_accelerators() -> None:
    """README: the US rules in force and the 2025 stop cost 0.345 of end-use value (realised);
    what is left to cut of accelerators adds 0.013 at month 12, so accelerators fall to 2nd,
    behind cloud compute (0.016); unrestricted they still lead."""
    chain = rm.load("generative_ai")
    s = rm.score(chain)
    assert s.attrs["realised_loss"] == pytest.approx(0.345, abs=0.001)
    assert list(s.index[:2]) == ["cloud_compute", "ai_accelerators"]
    assert s.loc["ai_accelerators", "choke_score"] == pytest.approx(0.013, abs=0.001)
    free = rm.score(chain, baseline=False)
    assert free.index[0] == "ai_accelerators"
    assert free["choke_score"].iloc[0] > 3 * free["choke_score"].iloc[1]
