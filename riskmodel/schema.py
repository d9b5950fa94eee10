"""The chain file format, kept as data.

One table, ``riskmodel/data/attributes.csv``, lists every attribute of every part of
a chain file: what it applies to, its type, unit, range, default, whether it is
required, and what it means. The loaders' type conversion, the validator, the JSON
Schema (:func:`json_schema`) and the README's format reference
(:func:`markdown_reference`) all come from it.

Examples
--------
>>> spec = attribute("node", "substitutability")
>>> spec.min, spec.max, spec.default
(0.0, 1.0, 0.0)
>>> sorted(names("edge"))
['covers', 'essential', 'from', 'group', 'note', 'share', 'to']
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from importlib import resources
from typing import Any

__all__ = [
    "DEFAULT_STAGES",
    "PLAUSIBILITY",
    "SCHEMA_ID",
    "Attribute",
    "attribute",
    "attributes",
    "countries",
    "country_alpha3",
    "json_schema",
    "markdown_reference",
    "names",
]

SCHEMA_ID = "riskmodel/chain@1"
COMBINED_SCHEMA_ID = "riskmodel/combined@1"
DEFAULT_STAGES = ("upstream", "midstream", "downstream", "end_use")
SLUG_PATTERN = r"^[a-z0-9_]+$"
#: Node ids may be qualified by a chain name (``semiconductors.euv_lithography``)
#: in a combined view.
NODE_ID_PATTERN = r"^[a-z0-9_]+(\.[a-z0-9_]+)?$"
COUNTRY_PATTERN = r"^[A-Z][A-Z0-9_]{1,15}$"
PARTS = ("chain", "node", "capital", "edge", "supplier", "scenario", "cut", "restriction",
         "source", "group", "value")
#: a restriction's ``since``: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``
DATE_PATTERN = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"
#: a scenario's ``plausibility``: each level and what it means, most plausible first
PLAUSIBILITY = {
    "in_force": "already in place (better read as a `baseline:` entry, on top of which "
                "every result is marginal)",
    "announced": "decided or announced by a government, not yet in force",
    "hypothetical": "a possible policy that no government has announced",
    "stress_test": "a knockout that measures exposure, not a forecast",
}
#: the levels that state a fact about the world, so need a ``source``
SOURCED_PLAUSIBILITY = ("in_force", "announced")
#: the attributes whose ``min`` is excluded: a service life must be more than 0 months
MIN_EXCLUSIVE = frozenset({("capital", "service_life_months")})


@dataclass(frozen=True)
class Attribute:
    """One row of the attribute table."""

    name: str
    applies_to: str
    type: str
    unit: str
    min: float | None
    max: float | None
    default: Any
    required: bool
    description: str

    @property
    def numeric(self) -> bool:
        return self.type in ("number", "integer", "shares")

    @property
    def min_exclusive(self) -> bool:
        """Whether :attr:`min` itself is out of range (``> min``, not ``≥ min``)."""
        return (self.applies_to, self.name) in MIN_EXCLUSIVE

    def range_text(self) -> str:
        """The allowed range in words, e.g. ``a number in [0, 1]``."""
        kind = "a whole number" if self.type == "integer" else "a number"
        lo, hi = _fmt(self.min), _fmt(self.max)
        if self.min is not None and self.max is not None:
            return f"{kind} in {'(' if self.min_exclusive else '['}{lo}, {hi}]"
        if self.min is not None:
            return f"{kind} {'>' if self.min_exclusive else '≥'} {lo}"
        if self.max is not None:
            return f"{kind} ≤ {hi}"
        return kind


def _fmt(x: float | None) -> str:
    if x is None:
        return ""
    return str(int(x)) if float(x).is_integer() else str(x)


def _parse_default(type_: str, text: str) -> Any:
    if text == "":
        return None
    if type_ in ("number",):
        return float(text)
    if type_ == "integer":
        return int(text)
    if type_ == "bool":
        return text == "true"
    if type_ == "list":
        return text.split("|")
    return text


@functools.cache
def attributes() -> tuple[Attribute, ...]:
    """Every row of the attribute table, in file order."""
    text = resources.files("riskmodel.data").joinpath("attributes.csv").read_text("utf-8")
    rows = []
    for r in csv.DictReader(io.StringIO(text)):
        rows.append(
            Attribute(
                name=r["attribute"],
                applies_to=r["applies_to"],
                type=r["type"],
                unit=r["unit"],
                min=float(r["min"]) if r["min"] else None,
                max=float(r["max"]) if r["max"] else None,
                default=_parse_default(r["type"], r["default"]),
                required=r["required"] == "yes",
                description=r["description"],
            )
        )
    return tuple(rows)


@functools.cache
def _index() -> dict[tuple[str, str], Attribute]:
    return {(a.applies_to, a.name): a for a in attributes()}


def attribute(part: str, name: str) -> Attribute:
    """The attribute ``name`` of ``part`` (``node``, ``edge``, ...); a dotted name reads
    inside a nested attribute (``capital.service_life_months`` of a node).

    >>> attribute("node", "capital.service_life_months").range_text()
    'a number > 0'
    """
    if "." in name:
        outer, inner = name.split(".", 1)
        return _index()[(_index()[(part, outer)].type, inner)]
    return _index()[(part, name)]


def names(part: str) -> list[str]:
    """The attribute names of ``part``, in table order."""
    return [a.name for a in attributes() if a.applies_to == part]


@functools.cache
def _country_table() -> tuple[tuple[str, str, str], ...]:
    text = resources.files("riskmodel.data").joinpath("countries.csv").read_text("utf-8")
    return tuple((r["alpha_2"], r["alpha_3"], r["name"]) for r in csv.DictReader(io.StringIO(text)))


@functools.cache
def countries() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code → country name (249 entries).

    >>> countries()["NL"]
    'Netherlands'
    """
    return {a2: name for a2, _, name in _country_table()}


@functools.cache
def country_alpha3() -> dict[str, str]:
    """ISO 3166-1 alpha-3 code → alpha-2 code.

    >>> country_alpha3()["USA"]
    'US'
    """
    return {a3: a2 for a2, a3, _ in _country_table()}


# ---------------------------------------------------------------------------
# JSON Schema
# ---------------------------------------------------------------------------

def _sourced_number(a: Attribute) -> dict[str, Any]:
    bare: dict[str, Any] = {"type": "integer" if a.type == "integer" else "number"}
    if a.min is not None:
        bare["exclusiveMinimum" if a.min_exclusive else "minimum"] = a.min
    if a.max is not None:
        bare["maximum"] = a.max
    sourced = {"allOf": [{"$ref": "#/$defs/sourced"}], "properties": {"value": bare}}
    return {"anyOf": [bare, sourced]}


def _json_type(a: Attribute) -> dict[str, Any]:
    t = a.type
    if t in ("number", "integer"):
        return _sourced_number(a) if a.applies_to in ("node", "capital", "edge", "supplier") else (
            {"type": "integer" if t == "integer" else "number"}
            | ({"minimum": a.min} if a.min is not None else {})
            | ({"maximum": a.max} if a.max is not None else {})
        )
    if t == "slug":
        pattern = NODE_ID_PATTERN if a.applies_to in ("node", "edge") else SLUG_PATTERN
        return {"type": "string", "pattern": pattern}
    if t in ("text", "source", "stage"):
        return {"type": "string"}
    if t == "country":
        return {"type": "string", "pattern": COUNTRY_PATTERN}
    if t == "bool":
        return {"type": "boolean"}
    if t == "date":  # a year alone may be written as a number
        return {"anyOf": [{"type": "string", "pattern": DATE_PATTERN},
                          {"type": "integer", "minimum": 1000, "maximum": 9999}]}
    if t == "choice":
        return {"enum": ["triangular", "uniform"]}
    if t == "plausibility":
        return {"enum": list(PLAUSIBILITY)}
    if t == "shares":
        share = _sourced_number(attribute("supplier", "share"))
        controlled = {"type": "object",
                      "properties": {"share": share,
                                     "controlled_by": _json_type(attribute("supplier",
                                                                           "controlled_by"))},
                      "required": ["share"], "additionalProperties": False}
        return {"type": "object",
                "propertyNames": {"anyOf": [{"pattern": COUNTRY_PATTERN}, {"const": "other"}]},
                "additionalProperties": {"anyOf": [share, controlled]}}
    if t == "codes":
        code = {"type": "string", "pattern": COUNTRY_PATTERN}
        return {"anyOf": [code, {"type": "array", "items": code, "minItems": 1}]}
    if t == "destinations":
        code = {"type": "string", "pattern": COUNTRY_PATTERN}
        return {"anyOf": [{"enum": ["all", "world", "home"]}, code,
                          {"type": "array", "items": code, "minItems": 1}]}
    if t == "perspective":
        return {"anyOf": [{"const": "global"},
                          {"type": "object", "properties": {"home": {"type": "string"}},
                           "required": ["home"], "additionalProperties": False}]}
    if t == "list":
        return {"type": "array"}
    if t == "capital":
        return {"$ref": "#/$defs/capital"}
    return {"type": "object"}


def _object(part: str, **extra: Any) -> dict[str, Any]:
    props = {}
    for a in attributes():
        if a.applies_to == part:
            props[a.name] = _json_type(a) | {"description": a.description}
    required = [a.name for a in attributes() if a.applies_to == part and a.required]
    return {"type": "object", "properties": props, "required": required,
            "additionalProperties": False, **extra}


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a chain file, generated from the table.

    >>> s = json_schema()
    >>> s["properties"]["nodes"]["items"]["$ref"]
    '#/$defs/node'
    >>> "substitutability" in s["$defs"]["node"]["properties"]
    True
    """
    chain = _object("chain")
    chain["properties"]["schema"] = {"const": SCHEMA_ID}
    chain["properties"]["nodes"] = {"type": "array", "items": {"$ref": "#/$defs/node"},
                                    "minItems": 1}
    chain["properties"]["edges"] = {"type": "array", "items": {"$ref": "#/$defs/edge"}}
    chain["properties"]["scenarios"] = {"type": "array", "items": {"$ref": "#/$defs/scenario"}}
    chain["properties"]["baseline"] = {"type": "array",
                                       "items": {"$ref": "#/$defs/restriction"}}
    chain["properties"]["sources"] = {"type": "object",
                                      "additionalProperties": {"$ref": "#/$defs/source"}}
    chain["properties"]["groups"] = {"type": "object",
                                     "additionalProperties": {"$ref": "#/$defs/group"}}
    chain["properties"]["targets"] |= {
        "type": "object", "propertyNames": {"pattern": SLUG_PATTERN},
        "additionalProperties": {"type": "array", "minItems": 1,
                                 "items": {"type": "string", "pattern": NODE_ID_PATTERN}}}
    chain["properties"]["stages"] = {"type": "array", "items": {"type": "string"}, "minItems": 1}
    scenario = _object("scenario")
    scenario["properties"]["cuts"] = {"type": "array", "items": {"$ref": "#/$defs/cut"}}
    cut = _object("cut")
    cut["properties"]["nodes"] = {"type": "array",
                                  "items": {"type": "string", "pattern": NODE_ID_PATTERN}}
    restriction = _object("restriction")
    restriction["properties"]["nodes"] |= {
        k: v for k, v in cut["properties"]["nodes"].items() if k != "description"}
    group = _object("group")
    group["properties"]["members"] = {"type": "array",
                                      "items": {"type": "string", "pattern": COUNTRY_PATTERN}}
    sourced = _object("value")
    sourced["properties"]["value"] = {"type": "number"}
    sourced["properties"]["low"] = {"type": "number"}
    sourced["properties"]["high"] = {"type": "number"}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://riskmodel.invalid/schema/chain-1.json",
        "title": "riskmodel chain file",
        **chain,
        "$defs": {
            "node": _object("node"),
            "capital": _object("capital"),
            "edge": _object("edge"),
            "scenario": scenario,
            "cut": cut,
            "restriction": restriction,
            "source": _object("source"),
            "group": group,
            "sourced": sourced,
        },
    }


def markdown_reference() -> str:
    """The file-format reference as Markdown tables, one per part of the file.

    The README's "File format" section embeds this text; a test checks they agree.
    """
    titles = {
        "chain": "Chain header", "node": "Node", "edge": "Edge",
        "capital": "Installed base (a node's `capital`; bundle column `capital.<attribute>`)",
        "supplier": "Supplier share (bundle `suppliers.csv` row)", "scenario": "Scenario",
        "cut": "Cut", "restriction": "Restriction in force (a `baseline:` entry)",
        "source": "Source", "group": "Country group",
        "value": "Sourced value (any number may take this form)",
    }
    out = []
    for part in PARTS:
        out.append(f"#### {titles[part]}\n")
        out.append("| attribute | type | unit | range | default | required | description |")
        out.append("|---|---|---|---|---|---|---|")
        for a in attributes():
            if a.applies_to != part:
                continue
            rng = ""
            if a.min is not None or a.max is not None:
                rng = f"{'>' if a.min_exclusive else ''}{_fmt(a.min)}..{_fmt(a.max)}"
            default = "" if a.default is None else (
                "|".join(a.default) if isinstance(a.default, list) else str(a.default).lower()
                if isinstance(a.default, bool) else _fmt(a.default)
                if isinstance(a.default, float) else str(a.default))
            default = default.replace("|", ", ")
            out.append(f"| `{a.name}` | {a.type} | {a.unit} | {rng} | {default} | "
                       f"{'yes' if a.required else ''} | {a.description} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"
