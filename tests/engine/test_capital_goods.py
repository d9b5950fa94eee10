"""Capital goods (docs/model.md §1.5): a `capital` node is an installed base that wears
out where new units are missing, in place of a stock. Hand-computed months on tiny
chains, every fast path against the reference, the file format and its checks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from helpers import chain_of, random_chain, random_scenario

import riskmodel as rm
from riskmodel import engine, schema
from riskmodel.engine import reference
from riskmodel.scenario import Cut, Scenario
from riskmodel.simulation import cut_spec
from riskmodel.uncertainty import sample_params

PATHS = (("numpy", 1), ("numba", 1), ("numba", 40))  # numba with 40 columns: the block kernel


def _tools(life: float = 4.0, **litho: object) -> rm.Chain:
    """Lithography tools (all from NL, an installed base of ``life`` months) that the
    home country's chip plants need."""
    return chain_of({"litho": {"stage": "upstream", "suppliers": {"NL": 1.0},
                               "capital": {"service_life_months": life}, **litho},
                     "chips": {"stage": "end_use", "value": 1.0}},
                    [("litho", "chips", {})])


def _months(chain: rm.Chain, cuts: list[Cut], months: int, node: str = "chips"
            ) -> dict[str, list[float]]:
    """Availability of ``node`` month by month, by the reference and each fast path
    (the scenario in the last of the path's columns, the others uncut)."""
    sc = Scenario(cuts, months=months)
    out = {"reference": [A[node] for A in reference.simulate(chain, sc)]}
    c = chain.compiled
    p = engine.params_from_compiled(c)
    i = c.index.get_loc(node)
    for backend, k in PATHS:
        spec = cut_spec(chain, [Scenario([], months=months)] * (k - 1) + [sc], p)
        dyn = engine.dynamic(c, p, spec, months, record=True, backend=backend)
        out[f"{backend}/{k}"] = list(dyn.availability[:, i, k - 1])
    return out


def _assert_all(got: dict[str, list[float]], expected: list[float]) -> None:
    for path, months in got.items():
        assert months == pytest.approx(expected, abs=1e-12), path


# -- hand-computed months ------------------------------------------------------

FULL_STOP = [0.75 ** t for t in range(6)]  # B ← B + (0 − B)/4: 1, 0.75, 0.5625, ...


def test_full_stop_wears_the_base_down_gradually() -> None:
    # L = 4: each month 1/4 of the base wears out and no new tools replace it; the chip
    # plants see the base, so they decline gradually instead of stopping at once
    _assert_all(_months(_tools(), [Cut("NL")], 6), FULL_STOP)


def test_without_capital_the_same_stop_is_immediate() -> None:
    plain = chain_of({"litho": {"stage": "upstream", "suppliers": {"NL": 1.0}},
                      "chips": {"stage": "end_use", "value": 1.0}}, [("litho", "chips", {})])
    _assert_all(_months(plain, [Cut("NL")], 3), [0.0, 0.0, 0.0])


HALF_FLOW = [0.5 + 0.5 * 0.75 ** t for t in range(5)]  # B ← B + (0.5 − B)/4


def test_partial_cut_wears_the_base_towards_the_flow() -> None:
    # half the new tools arrive: the base falls towards 0.5, never below it
    _assert_all(_months(_tools(), [Cut("NL", fraction=0.5)], 5), HALF_FLOW)


def test_substitution_reduces_the_missing_flow() -> None:
    # half the lost tools replaced at once (no lead time): a flow of 0.5, as above
    chain = _tools(substitutability=0.5)
    _assert_all(_months(chain, [Cut("NL")], 4), HALF_FLOW[:4])


# two months of stop (flow 0 in months 0-1), then the full flow again: the base falls
# to 0.5625 and recovers by a quarter of the gap each month
RECOVERY = [1.0, 0.75, 0.5625, 0.671875, 0.75390625, 0.8154296875]


def test_end_of_the_cut_lets_the_base_recover_at_its_pace() -> None:
    _assert_all(_months(_tools(), [Cut("NL", duration=2)], 6), RECOVERY)


def test_base_replaces_the_stock() -> None:
    # the tools' own inventory is not used: the same months as without it
    _assert_all(_months(_tools(inventory_months=3.0), [Cut("NL")], 6), FULL_STOP)


def test_users_downstream_see_the_base_through_their_own_stock() -> None:
    # fabs hold one month of chips: the loss reaches them a month later, as for any input
    chain = chain_of({"litho": {"stage": "upstream", "suppliers": {"NL": 1.0},
                                "capital": {"service_life_months": 2.0}},
                      "chips": {"stage": "midstream", "inventory_months": 1.0},
                      "phones": {"stage": "end_use", "value": 1.0}},
                     [("litho", "chips", {}), ("chips", "phones", {})])
    # base (L = 2): 1, 0.5, 0.25, 0.125 = the chips' supply, topped up by a stock of 1
    # month: A = min(1, S + stock): 1, 1 (stock 0.5 left), 0.75 (none left), 0.125
    _assert_all(_months(chain, [Cut("NL")], 4, "phones"), [1.0, 1.0, 0.75, 0.125])


def test_static_bounds_have_no_buffer() -> None:
    chain = _tools(substitutability=0.5)
    sc = Scenario([Cut("NL")])
    c = chain.compiled
    p = engine.params_from_compiled(c)
    for backend in ("numpy", "numba"):
        spec = cut_spec(chain, [sc], p)
        imm = engine.static(c, p, spec, mode="immediate", backend=backend)
        lr = engine.static(c, p, spec, mode="long_run", backend=backend)
        assert imm[c.index.get_loc("chips"), 0] == pytest.approx(0.0)
        assert lr[c.index.get_loc("chips"), 0] == pytest.approx(0.5)
    assert reference.availability(chain, sc)["chips"] == pytest.approx(0.0)


def test_simulate_api_reports_the_gradual_decline() -> None:
    res = rm.simulate(_tools(), Scenario([Cut("NL")], months=6))
    assert list(res.end_use_loss) == pytest.approx([1 - b for b in FULL_STOP])


# -- every path agrees with the reference on random chains ---------------------

def _with_capital(chain: rm.Chain, seed: int) -> rm.Chain:
    """``chain`` with about a third of its nodes made capital (service life 1 to 12)."""
    rng = np.random.default_rng(seed + 77)
    g = chain.graph.copy()
    for n in g:
        if rng.random() < 0.35:
            g.nodes[n]["capital"] = {"service_life_months": float(rng.integers(1, 13))}
    return rm.Chain(g, name="capital", perspective=chain.perspective)


def _worst(chain: rm.Chain, sc: Scenario) -> float:
    """Largest difference between the reference and the numpy backend, the one-column
    kernel, the column-block kernel and the cone kernel (forced)."""
    c = chain.compiled
    p = engine.params_from_compiled(c)
    ref = reference.simulate(chain, sc)
    ref_loss = [reference.end_use_loss(chain, A) for A in ref]
    worst = 0.0
    for backend, cols in (("numpy", [sc]), ("numba", [sc]),
                          ("numba", [Scenario([], months=sc.months), sc, sc])):
        dyn = engine.dynamic(c, p, cut_spec(chain, cols, p), sc.months, record=True,
                             backend=backend)
        for t, A in enumerate(ref):
            fast = dyn.availability[t, :, -1]
            worst = max(worst, *(abs(fast[i] - A[n]) for i, n in enumerate(c.ids)),
                        abs(dyn.loss[t, -1] - ref_loss[t]))
    spec = cut_spec(chain, [Scenario([], months=sc.months), sc, sc], p)
    cone = engine.dynamic(c, p, spec, sc.months, backend="cone").loss
    worst = max(worst, float(np.abs(cone[:, 0]).max()),
                float(np.abs(cone[:, 1:] - np.array(ref_loss)[:, None]).max()))
    return worst


@pytest.mark.slow
@pytest.mark.parametrize("cyclic", [False, True])
@pytest.mark.parametrize("home", ["CN", None])
def test_every_path_agrees_with_the_reference(cyclic: bool, home: str | None) -> None:
    worst, based = 0.0, 0
    for seed in range(40):
        chain = _with_capital(random_chain(seed, cyclic=cyclic, home=home), seed)
        based += int(np.isfinite(chain.compiled.service_life).any())
        sc = random_scenario(chain, seed, months=8)
        worst = max(worst, _worst(chain, sc))
    assert based >= 30 and worst <= 1e-9


def test_cone_kernel_follows_a_capital_node_after_its_supply_returns() -> None:
    # the base, worn while the cut lasted, keeps the chips down as it recovers: the cone
    # kernel must keep following the tools once their supply is back (their base was
    # drawn, as a drawn stock is followed)
    chain = _tools()
    c = chain.compiled
    p = engine.params_from_compiled(c)
    spec = cut_spec(chain, [Scenario([], months=6), Scenario([Cut("NL", duration=2)],
                                                             months=6)], p)
    loss = engine.dynamic(c, p, spec, 6, backend="cone").loss
    assert list(loss[:, 0]) == [0.0] * 6
    assert list(loss[:, 1]) == pytest.approx([1 - b for b in RECOVERY], abs=1e-12)


# -- Monte Carlo and scores ----------------------------------------------------

TOOLS_YAML = """\
schema: riskmodel/chain@1
name: tools
perspective: {home: CN}
nodes:
  - id: litho
    stage: upstream
    suppliers: {NL: 1.0}
    capital: {service_life_months: {value: 6, low: 4, high: 8}}
  - id: chips
    stage: end_use
    value: 1
edges:
  - {from: litho, to: chips}
"""


def test_ranged_service_life_is_sampled(tmp_path: Path) -> None:
    (tmp_path / "tools.yaml").write_text(TOOLS_YAML)
    chain = rm.load(tmp_path / "tools.yaml")
    p, used = sample_params(chain, 200, np.random.default_rng(1))
    life = p.life[chain.compiled.index.get_loc("litho")]
    assert used == 1 and life.shape == (200,)
    assert 4.0 <= life.min() < 5.0 < 7.0 < life.max() <= 8.0
    assert (p.life[chain.compiled.index.get_loc("chips")] == 0).all()  # not capital


def test_choke_relief_counts_the_base_as_a_buffer() -> None:
    # month t of a stop: the base is (23/24)^t, so months 0-5 lose 1 − (23/24)^t; with
    # no buffer at all the chips stop (loss 1 every month): the base, not substitution,
    # brings the relief
    row = rm.score(_tools(life=24.0), horizon=6).loc["litho"]
    base = sum((23 / 24) ** t for t in range(6)) / 6
    assert row["choke_score"] == pytest.approx(1 - base)
    assert row["choke_month"] == pytest.approx(1 - (23 / 24) ** 6)
    assert row["relief_stock"] == pytest.approx(base)
    assert row["relief_substitution"] == pytest.approx(0.0)


# -- the file format: validation, round trips, schema --------------------------

def _problems(path: Path) -> list[rm.Problem]:
    with pytest.raises(rm.ChainValidationError) as e:
        rm.validate(path)
    return e.value.problems


@pytest.mark.parametrize(("capital", "field", "message", "fix"), [
    ("{service_life_months: 0}", "capital.service_life_months", "value out of range",
     "give a number above 0"),
    ("{service_life_months: -12}", "capital.service_life_months", "value out of range",
     "give a value in range"),
    ("{service_life_months: '84'}", "capital.service_life_months", "not a number",
     "remove the quotes"),
    ("84", "capital", "`capital` must be a mapping", "write `capital: {service_life_months"),
    ("{}", "capital.service_life_months", "`capital` needs `service_life_months`",
     "add `service_life_months:` inside `capital`"),
    ("{service_life_months: {value: 84, low: 0, high: 90}}",
     "capital.service_life_months.low", "`low` out of range", "give a `low` in range"),
])
def test_bad_capital_is_named_with_place_and_fix(tmp_path: Path, capital: str, field: str,
                                                 message: str, fix: str) -> None:
    text = TOOLS_YAML.replace("capital: {service_life_months: {value: 6, low: 4, high: 8}}",
                              f"capital: {capital}")
    (tmp_path / "t.yaml").write_text(text)
    (p,) = _problems(tmp_path / "t.yaml")
    assert p.file.endswith("t.yaml") and p.line == 8
    assert (p.where, p.field, p.message) == ("node 'litho'", field, message)
    assert fix in p.fix


def test_unknown_key_inside_capital_gets_did_you_mean(tmp_path: Path) -> None:
    text = TOOLS_YAML.replace("capital: {service_life_months: {value: 6, low: 4, high: 8}}",
                              "capital: {service_life_month: 84}")
    (tmp_path / "t.yaml").write_text(text)
    unknown = [p for p in _problems(tmp_path / "t.yaml") if "unknown key" in p.message]
    assert len(unknown) == 1 and unknown[0].line == 8
    assert unknown[0].fix == "did you mean `service_life_months`?"


def test_stock_beside_capital_is_a_warning(tmp_path: Path) -> None:
    text = TOOLS_YAML.replace("    suppliers: {NL: 1.0}\n",
                              "    suppliers: {NL: 1.0}\n    inventory_months: 3\n")
    (tmp_path / "t.yaml").write_text(text)
    rep = rm.validate(tmp_path / "t.yaml")
    (w,) = rep.warnings
    assert (w.where, w.field, w.line) == ("node 'litho'", "inventory_months", 8)
    assert "installed base replaces the stock" in w.fix


def test_capital_set_in_python_is_checked() -> None:
    chain = _tools()
    chain.graph.nodes["litho"]["capital"] = {"service_lifetime": 84}
    with pytest.raises(rm.ChainValidationError) as e:
        chain.compiled  # noqa: B018 - compiling checks the edited graph
    text = str(e.value)
    assert "capital.service_lifetime" in text and "did you mean `service_life_months`?" in text


def test_load_save_round_trip_yaml_and_bundle(tmp_path: Path) -> None:
    (tmp_path / "tools.yaml").write_text(TOOLS_YAML)
    chain = rm.load(tmp_path / "tools.yaml")
    assert chain.graph.nodes["litho"]["capital"] == {"service_life_months": 6.0}
    bundle = rm.save(chain, tmp_path / "bundle")
    header = (bundle / "nodes.csv").read_text().splitlines()[0].split(",")
    assert header[header.index("capital.service_life_months"):][:3] == [
        "capital.service_life_months", "capital.service_life_months.low",
        "capital.service_life_months.high"]
    again = rm.load(rm.save(rm.load(bundle), tmp_path / "again.yaml"))
    assert again.to_dict() == chain.to_dict()
    litho = next(n for n in again.to_dict()["nodes"] if n["id"] == "litho")
    assert litho["capital"] == {"service_life_months": {"value": 6, "low": 4.0, "high": 8.0}}
    assert np.array_equal(again.compiled.service_life, [6.0, np.nan], equal_nan=True)


def test_bundle_column_is_checked(tmp_path: Path) -> None:
    (tmp_path / "tools.yaml").write_text(TOOLS_YAML)
    bundle = rm.save(rm.load(tmp_path / "tools.yaml"), tmp_path / "bundle")
    nodes = bundle / "nodes.csv"
    lines = nodes.read_text().splitlines()
    broken = lines[1].replace(",6.0,4.0,8.0", ",0,,")
    nodes.write_text("\n".join([lines[0], broken, *lines[2:]]) + "\n")
    (p,) = _problems(bundle)
    assert p.file.endswith("nodes.csv") and p.line == 2
    assert (p.field, p.message) == ("capital.service_life_months", "value out of range")
    nodes.write_text("\n".join([lines[0].replace("capital.service_life_months,",
                                                 "capital.service_life_month,"), *lines[1:]]))
    (p,) = [q for q in _problems(bundle) if "unknown column" in q.message]
    assert p.fix == "did you mean `capital.service_life_months`?"


def test_json_schema_describes_capital() -> None:
    s = schema.json_schema()
    assert s["$defs"]["node"]["properties"]["capital"]["$ref"] == "#/$defs/capital"
    cap = s["$defs"]["capital"]
    assert cap["required"] == ["service_life_months"] and cap["additionalProperties"] is False
    bare = cap["properties"]["service_life_months"]["anyOf"][0]
    assert bare == {"type": "number", "exclusiveMinimum": 0.0}
    json.dumps(s)
    try:
        import jsonschema
    except ImportError:  # pragma: no cover - optional
        return
    doc = {"schema": schema.SCHEMA_ID, "name": "t", "nodes": [
        {"id": "a", "stage": "end_use", "capital": {"service_life_months": 84}}]}
    jsonschema.validate(doc, s)
    doc["nodes"][0]["capital"] = {"service_life_months": 0}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, s)
