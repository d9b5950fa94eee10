"""Import the ETO Advanced Semiconductor Supply Chain Dataset as a chain.

The Emerging Technology Observatory's dataset (CSET; most of it from *The
Semiconductor Supply Chain: Assessing National Competitiveness*, 2021, updated with
TechInsights data) is five CSV files: ``inputs.csv``, ``stages.csv``,
``sequence.csv``, ``providers.csv`` and ``provision.csv``. It is licensed CC BY-NC
4.0, so riskmodel never ships it: :func:`from_eto` reads a copy you downloaded and
returns a chain seen globally (``perspective: global``). The rules, in order:

**Nodes and stages.** Every input becomes a node; its id is a slug of its name
(``EUV lithography tools`` → ``euv_lithography_tools``; a clash gets the ETO id
appended), its ``label`` the name, its ``note`` the ETO id. The chain's stages are
the dataset's own stages in file order, slugged (a trailing abbreviation wins:
``Assembly, testing, and packaging (ATP)`` → ``atp``), then ``end_use``. A
``process`` input takes its stage from ``stage_id``; the ``ultimate_output`` (the
finished chip) is the end use; any other input takes the stage of the nearest
process it feeds (following ``goes_into`` and ``is_type_of``; a tie goes to the
earlier stage; one that feeds no process goes to the last stage before the end use).
A stage with provision rows also becomes a node ``stage_<slug>``
carrying those shares (design market by HQ country, fab and ATP capacity by site),
with one edge into the step where the stage's output goes (a ``goes_into`` from one
of its processes to a process of a later stage, or to the end use; failing that,
into the end use); the processes themselves have no shares. ``stage_nodes=False`` leaves them out.

**Edges.** A ``goes_into`` row ``u → v`` is an essential input edge. An ``is_type_of``
row makes the child an input of its category. How a category needs its children:

- ``"all"`` (distinct needs): every child is an essential input.
- ``"any"`` (alternatives): the children form one alternatives ``group`` named
  ``types``. Each alternative ``covers`` the share of the category's market it
  serves today (rule ``covers="market"``): its market size over the sum of its
  siblings' (a category without a size of its own sums its children's). Older
  lithography generations therefore cover only the work they already do and cannot
  stand in for EUV at the leading edge. A child with no size counts as an average
  sibling (``1/k``) and the others share the rest by size. Being a reading of market
  sizes, ``covers`` is marked ``estimate: true`` with range [share, 1]; 1 would be
  free substitution, which ``covers="full"`` uses throughout.

``variants="any"`` (the default) reads every category as alternatives, except one
whose children each also ``goes_into`` a step of their own: the dataset says so
that each is needed there (process-specific fabrication materials: photomasks,
photoresists, CMP and deposition materials). ``variants="all"`` reads every category
as distinct needs. ``variant_overrides={"N19": "all"}`` (ETO id or node id) wins over
both. A category with one child gets a plain essential edge.

**Suppliers.** Organisations count for their headquarters country, as the dataset
does; a node's country-level rows are used when they carry numbers (organisation
numbers are then not added), otherwise its organisations' numbers are summed by
country. Alpha-3 codes become ISO alpha-2; the pseudo-providers become declared
groups: ``EUR`` → ``EUROPE`` (its members: the European countries) and ``Various
countries`` (also the headquarters of ``Various companies``, and of an organisation
with none given) → ``ROW``. Supply lives
at one level of the taxonomy, never two (a cut would count twice): a category whose
children all have numeric shares is a pure aggregator, and its own shares (which sum
up its children's) go to its ``note``; a category with numbers whose children do
not all have numbers carries the supply for its whole subtree (their mentions go to
their notes). The rest of 100%, when at least 0.1%, goes to ``other``.

**Quirks.** Percentages become fractions. Totals above 100% (rounding: the dataset
rounds shares between 0 and 1% up to 1%) are scaled down to 100%, with one warning
listing the nodes. A 1% share in a node given in whole percentages gets the range
[0, 1%]. A provider named without a number is qualitative: ``negligible`` (the
technical notes: 2% or less, rounded, so [0, 2.5%]), ``Major`` ([2.5%, R]) or blank
(unknown, [0, R]), where R is what the numeric shares leave unattributed (when R is
under 0.5%, such providers are named in the notes and get no share). The
``qualitative`` rule sets its value (always ``estimate: true`` with the range and a
uniform distribution):

- ``"range"`` (default): negligible ones take 1.25%; the rest of R is split equally
  among the major and unknown ones.
- ``"midpoint"``: each takes the middle of its range, scaled down to fit R.
- ``"zero"``: each takes 0 (range [0, high]); only the dataset's numbers count, and
  R goes to ``other``.

Vintages differ (2019 report figures, 2022 WSTS/SIA, 2025 TechInsights): each value
keeps its own year in its ``note``, and mixed years within a node are reported.
Market sizes (``$13 billion (2025)``) become the node's ``value`` in USD bn, sourced,
with their year; they are informative only (end-use weights come from end-use
values, and the finished chip has none).

**Provenance.** Each distinct source text is declared once (``eto_1``, ``eto_2``
...; a row without one falls back to its input's chart source, then to ``eto``, the
dataset). Every value cites its source, its CSV lines in ``ref`` and the ETO figure
and year in ``note``. The dataset's name, licence and the settings go into the
chain's ``description``.

**Not represented.** The dataset has no substitutability, lead times, inventories,
cost shares, subsidy or R&D figures: they stay at their defaults. Organisation
detail is aggregated away, and fab and ATP capacity are by site where the other
shares are by headquarters.

Examples
--------
>>> import tempfile
>>> from riskmodel.eto import example_folder, from_eto
>>> chain, problems = from_eto(example_folder(tempfile.mkdtemp()))
>>> chain
<Chain 'eto_semiconductors': 10 nodes, 9 edges, perspective global>
>>> chain.stages
['design', 'fabrication', 'atp', 'end_use']
"""

from riskmodel.sources.eto.convert import LICENCE, from_eto
from riskmodel.sources.eto.example import example_folder
from riskmodel.sources.eto.options import COVERS, QUALITATIVE, VARIANTS

__all__ = ["COVERS", "LICENCE", "QUALITATIVE", "VARIANTS", "example_folder", "from_eto"]
