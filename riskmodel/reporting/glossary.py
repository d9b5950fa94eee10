"""The report's glossary: every indicator and abbreviation it uses, in one line each.

:func:`add_glossary` reads the report's text (titles, paragraphs, bullets, table
titles, headers and notes) once every other section is built, and lists each term of
:data:`TERMS` that the text uses, in the order of :data:`TERMS`; then the country codes
the chain uses (ISO 3166-1 alpha-2, and the groups the chain defines, such as EU and
ROW, with the chain's own label), and the published sources the method cites
(:func:`riskmodel.reporting.citations.method_references`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from riskmodel.model import Chain
    from riskmodel.reporting.data import ReportData

__all__ = ["TERMS", "add_glossary", "country_codes", "report_text", "terms_used"]

#: (term, meaning, pattern): a term is listed when its pattern (a regular expression,
#: case-sensitive) occurs in the report's text.
TERMS: tuple[tuple[str, str, str], ...] = (
    ("choke score", "Share of end-use value lost over the horizon when the node's dominant "
     "foreign controlling country stops it: value-months lost ÷ (value × months), with "
     "stocks and substitution at work.", r"[Cc]hoke score"),
    ("horizon", "The months the choke score and leverage average over (value-months lost "
     "in months 0 to horizon − 1).", r"horizon|over \d+ months"),
    ("time to impact", "The first month in which a cut costs any end-use value ('felt from "
     "month …'); blank when it is never felt within the horizon.",
     r"felt from month|time to impact"),
    ("single-month reading", "The loss in one month (the horizon's last): kept beside the "
     "choke score, it jumps when a stock runs out.", r"in month \d+"),
    ("immediate loss", "The loss at once, before stocks or substitution help: an upper "
     "bound.", r"[Ii]mmediate|[Aa]t once"),
    ("long run", "The loss once substitution has fully ramped up and stocks are spent: a "
     "lower bound for a permanent cut.", r"[Ll]ong run"),
    ("relief by substitution, by stocks", "What substitution and stocks give back of the "
     "immediate loss over the horizon: choke score + both reliefs = immediate loss.",
     r"− substitution|− stocks|give[s]? back"),
    ("exposure", "The share of the node's supply the cutting country controls.",
     r"[Ee]xposure|of its supply comes from"),
    ("transmission", "How much of each unit of the node's shortfall reaches end use at once.",
     r"reaches end use|[Tt]ransmission"),
    ("cut by", "The node's dominant foreign controlling country: the one whose stop the "
     "choke score measures.", r"cut by|controlling country"),
    ("HHI", "Herfindahl–Hirschman index of a node's supplier shares (the sum of squared "
     "shares, 0 to 1; 1 is a single supplier). Flagged as concentrated above 0.4: "
     "riskmodel's threshold, the value CEPII's GeoDep screen uses (Sources of the "
     "method, below).", r"\bHHI\b"),
    ("import share", "The share of a node's supply from outside the home country (1 − the "
     "home share).", r"[Ii]mport share"),
    ("products stopped", "End-use products that cannot be made at all without the node "
     "(single points of failure).", r"[Pp]roducts stopped|cannot be made at all"),
    ("end use", "A final product the chain's loss is measured on, weighted by its value; "
     "end uses are listed in their own table, not ranked as choke points.",
     r"[Ee]nd[- ]use"),
    ("value", "An end use's annual value, in the chain's currency.", r"\bvalue \("),
    ("perspective, home", "The country the report is seen from: 'foreign' means not the "
     "home; a global view has no home.", r"perspective|\bhome\b"),
    ("stage", "A step of the chain, from raw materials (upstream) through components "
     "(midstream) and assembly (downstream) to end use.", r"[Ss]tage"),
    ("leverage", "The end-use loss if one country cuts everything it supplies to the "
     "chain, over the horizon, at once and in the long run.", r"[Ll]everage"),
    ("carriers", "The nodes whose single cut by a country costs most: what carries its "
     "leverage.", r"[Cc]arrie[rd]"),
    ("minimum cut set", "A smallest set of countries whose joint full cut leaves a target "
     "below the threshold of its normal supply at once; its supersets are not listed.",
     r"[Cc]ut set"),
    ("target", "What a loss is measured on: all end use, one end-use product, or named "
     "nodes (a capability such as a country's own fabs).", r"\b[Tt]arget"),
    ("restrictions in force", "Cuts already in place (the chain's baseline): every other "
     "figure is then counted on top of them.", r"[Rr]estrictions? in force"),
    ("realised loss", "What the restrictions in force already cost, alone and together.",
     r"[Rr]ealised"),
    ("marginal", "What a further cut adds on top of the restrictions in force.",
     r"[Mm]arginal"),
    ("scenario", "A set of cuts played month by month, with stocks and substitution.",
     r"[Ss]cenario"),
    ("worst month after the cut", "The largest monthly loss after the cut starts (the "
     "peak), lower than the immediate loss while stocks last.", r"worst month"),
    ("final", "The loss in the scenario's last month.", r"\bfinal\b"),
    ("loss-months", "The monthly losses summed over the scenario: a loss of 10% for six "
     "months is 0.6.", r"loss-months"),
    ("time to survive, to recover", "Months until the end-use loss first passes the "
     "threshold (5%), and until it is back under it (∞: not within the horizon).",
     r"survive|recover"),
    ("plausibility", "How a scenario is labelled: in force, announced, hypothetical, or "
     "stress test (a knockout, not a forecast).", r"[Pp]lausibility|stress test"),
    ("subsidy, R&D and profit intensity", "Subsidy, R&D spending and profit as shares of "
     "a node's sales.", r"[Ss]ubsidy|R&D|[Pp]rofit"),
    ("smile curve", "Support and profit by stage, upstream to end use.", r"[Ss]mile curve"),
    ("support gap", "A node's choke percentile minus its support percentile: positive "
     "means less support than its choke importance.", r"[Ss]upport gap"),
    ("percentile", "The share of nodes (or draws) at or below a value.", r"percentile"),
    ("Spearman ρ", "Rank correlation, −1 to +1, between support and choke score across "
     "the nodes with both; it rests on the number of nodes shown beside it.", r"Spearman"),
    ("Monte Carlo draws", "Re-runs of the scores with every ranged number drawn at random "
     "within its range (seed recorded).", r"Monte Carlo|draws?\b"),
    ("P5, P50, P95", "The 5th, 50th and 95th percentiles over the draws.", r"\bP(5|50|95)\b"),
    ("rank interval", "The 5th to 95th percentile of a node's rank over the draws.",
     r"[Rr]ank interval|rank P5"),
    ("P(top k)", "The share of draws in which a node ranks in the top k.", r"P\(top \d+\)"),
    ("tornado", "Each ranged number set at its low and its high, one at a time, and the "
     "chain scored again.", r"[Tt]ornado"),
    ("horizon sweep", "The chain scored again over 6, 12, 18, 24 and 36 months.",
     r"sweep|by horizon"),
    ("robust", "A finding that survives the tornado, the horizon sweep and the Monte Carlo "
     "rank intervals (section Sensitivity states the rule).", r"[Rr]obust"),
    ("sourced, estimate, unsourced", "A number citing a declared source and a place in it; "
     "one marked an estimate with a rationale and range; one with neither.",
     r"[Ss]ourced|[Ee]stimate"),
    ("betweenness", "How often a node lies on shortest paths of the chain's graph "
     "(reference only: not in the choke score).", r"[Bb]etweenness"),
    ("SHA-256", "A fingerprint of a file: the same file always gives the same one.",
     r"sha256|SHA-256"),
)


def report_text(data: ReportData) -> str:
    """Every text of the report that a reader sees, joined (titles, paragraphs, bullets,
    table titles, the headers of the columns shown, notes and figure captions)."""
    parts: list[str] = [data.title, data.description]
    for s in data.sections:
        parts += [s.title, *s.paragraphs, *s.bullets, *(f.caption for f in s.figures)]
        for t in s.tables:
            cols = [c for c in (t.show or list(t.frame.columns)) if c in t.frame.columns]
            parts += [t.title, t.note, *(t.headers.get(str(c), str(c)) for c in cols)]
    return "\n".join(p for p in parts if p)


def terms_used(text: str) -> list[tuple[str, str]]:
    """The terms of :data:`TERMS` that ``text`` uses, with their meanings.

    >>> [t for t, _ in terms_used("HHI 0.53; Spearman ρ over 8 nodes")]
    ['HHI', 'Spearman ρ']
    """
    return [(term, meaning) for term, meaning, pattern in TERMS if re.search(pattern, text)]


def country_codes(chain: Chain) -> pd.DataFrame:
    """The supplier keys the chain uses: code, name, and what kind of key it is.

    >>> import riskmodel as rm
    >>> t = country_codes(rm.load("industrial_robots"))
    >>> t.set_index("code").loc[["JP", "EU"], "name"].tolist()[0]
    'Japan'
    """
    from riskmodel.schema import countries

    names = countries()
    groups = chain.groups or {}
    used = sorted({str(x) for x in chain.compiled.countries})
    rows = []
    for code in used:
        if code in groups:
            g = groups[code] if isinstance(groups[code], dict) else {}
            rows.append((code, g.get("label") or code, "a group the chain defines"))
        elif code in names:
            rows.append((code, names[code], "ISO 3166-1 alpha-2 country code"))
        elif code == "other":
            rows.append((code, "suppliers the chain does not name", "the unnamed rest"))
        else:
            rows.append((code, code, "a supplier key of the chain"))
    return pd.DataFrame(rows, columns=["code", "name", "kind"])


def add_glossary(data: ReportData, chain: Chain) -> None:
    """Append the section "Glossary": the terms the report uses, the chain's country
    codes and the method's sources."""
    from riskmodel.reporting.citations import method_references
    from riskmodel.reporting.data import Section, Table

    text = report_text(data)
    sec = Section("glossary", "Glossary")
    sec.paragraphs.append(
        "The indicators and abbreviations this report uses, one line each, then the "
        "country codes of the chain and the published sources the method cites. Figures "
        "are shares of end-use value (or of a target's supply) unless a column says "
        "otherwise.")
    terms = pd.DataFrame(terms_used(text), columns=["term", "meaning"])
    sec.tables.append(Table("glossary", "Terms", terms, index=False))
    codes = country_codes(chain)
    sec.tables.append(Table("country_codes", "Country codes", codes, index=False,
                            note="Countries are ISO 3166-1 alpha-2 codes; a group such "
                            "as EU or ROW is a key the chain defines, and its label says "
                            "what it covers."))
    sec.tables.append(method_references())
    data.sections.append(sec)
