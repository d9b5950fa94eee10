"""The published sources riskmodel's own method cites: title, author, year, link and the
words relied on.

A chain cites its sources in its ``sources:`` table (title, year, author, url) and each
number names one (docs/model.md). The method has numbers of its own, such as the HHI
above which a node's supply counts as concentrated; each is recorded here, with the
passage it rests on quoted exactly, so that the report, the glossary and the docstrings
cite it the same way, and a threshold that no source states is said to be riskmodel's
own choice (``stated=False``).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["REFERENCES", "Reference", "cite", "reference"]


@dataclass(frozen=True)
class Reference:
    """A published source of the method.

    ``quote`` is the passage relied on, word for word, and ``where`` where it stands
    (a section or criterion); ``supports`` says which of riskmodel's choices it bears
    on, and how far (``stated``: the source states the value riskmodel uses).
    """

    id: str
    title: str
    author: str
    year: int
    url: str
    quote: str
    where: str
    supports: str
    stated: bool = True


REFERENCES: dict[str, Reference] = {r.id: r for r in (
    Reference(
        id="cepii_geodep_2024",
        title="GeoDep: a database of import dependencies (reference document: "
              "\"Import dependencies: where does the EU stand?\", CEPII Policy Brief "
              "No 47, September 2024)",
        author="CEPII (Kevin Lefebvre, Pauline Wibaux)",
        year=2024,
        url="https://cepii.fr/cepii/en/bdd_modele/bdd_modele_item.asp?id=41",
        quote="we measure the product-specific level of import concentration for each "
              "destination country and each year using a Herfindahl-Hirschman index: a "
              "value higher than 0.4 defines a concentrated product.",
        where="dataset description, Criterion 1",
        supports="the HHI threshold of 0.4 (riskmodel.scoring.HHI_THRESHOLD): the same "
                 "value CEPII's import-dependency screen uses for a concentrated product; "
                 "riskmodel applies it to a node's supplier shares, its own choice"),
)}


def reference(ref_id: str) -> Reference:
    """The reference ``ref_id``; a KeyError naming the known ids otherwise.

    >>> reference("cepii_geodep_2024").year
    2024
    """
    try:
        return REFERENCES[ref_id]
    except KeyError:
        raise KeyError(f"no reference {ref_id!r}; known: {', '.join(sorted(REFERENCES))}"
                       ) from None


def cite(ref_id: str) -> str:
    """A one-line citation: author, title, year and link.

    >>> cite("cepii_geodep_2024").startswith("CEPII (Kevin Lefebvre, Pauline Wibaux), GeoDep")
    True
    """
    r = reference(ref_id)
    return f"{r.author}, {r.title}, {r.year}, {r.url}"
