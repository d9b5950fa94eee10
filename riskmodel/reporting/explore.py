"""The explorable chain diagram of the HTML report: zoom, pan, search, and a node's
scores and sources on hover or click.

The page stays one self-contained, offline file: the graph (from
:func:`riskmodel.reporting.graph.explorer_data`) is embedded as JSON in a
``<script type="application/json">`` block, with ``<``, ``>``, ``&`` and the line
separators written as ``\\u`` escapes so that no text from a chain file can close the
block (:func:`script_json`); cytoscape.js (MIT, vendored in ``vendor/``) and the page's
own script (``explore.js``) are inlined, and the page's Content-Security-Policy allows
exactly these two scripts by their SHA-256 (:func:`csp_hash`), nothing else and no
request. The scripts write text only through ``textContent``.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from collections.abc import Mapping
from importlib import resources
from typing import Any

__all__ = ["CYTOSCAPE_VERSION", "EXPLORE_CSS", "csp_hash", "library", "render_explorer",
           "script_json", "too_large_note"]

#: The vendored cytoscape.js (``riskmodel/reporting/vendor/``, see its README).
CYTOSCAPE_VERSION = "3.35.0"

EXPLORE_CSS = """
.explorer .bar { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center;
                 font-size: 13px; margin: 0 0 6px; }
.explorer input, .explorer select, .explorer button { font: inherit; padding: 2px 6px; }
.explorer .body { display: flex; gap: 12px; align-items: stretch; }
#rm-cy { position: relative; flex: 1 1 auto; min-width: 0; border: 1px solid var(--rule);
         background: #fff; }
#rm-info { flex: 0 0 340px; max-height: 680px; overflow-y: auto; font-size: 13px;
           border: 1px solid var(--rule); padding: 8px 10px; background: #fcfcfd; }
#rm-info h3 { margin: 0 0 2px; overflow-wrap: anywhere; }
#rm-info h4 { margin: 10px 0 4px; font-size: 13px; }
#rm-info dl { display: grid; grid-template-columns: auto 1fr; gap: 1px 10px; margin: 6px 0; }
#rm-info dt { color: var(--muted); }
#rm-info dd { margin: 0; font-variant-numeric: tabular-nums; }
#rm-info ul.sources { padding-left: 16px; margin: 0; }
#rm-info li { margin: 4px 0; overflow-wrap: anywhere; }
#rm-info .src-title { display: block; }
#rm-info .sub { display: block; color: var(--muted); font-size: 12px; }
.explorer .legend { display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: center;
                    font-size: 12px; color: var(--muted); margin-top: 6px; }
.explorer .legend[hidden] { display: none; }
.explorer .ramp { display: inline-block; width: 140px; height: 10px; vertical-align: middle;
                  border: 1px solid var(--rule); }
.explorer .swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px;
                    vertical-align: middle; border-radius: 50%; }
@media (max-width: 800px) { .explorer .body { flex-direction: column; }
                            #rm-info { flex-basis: auto; } }
@media print { .explorer .bar { display: none; } }
"""


def _esc(x: Any) -> str:
    return html.escape("" if x is None else str(x), quote=True)


def script_json(obj: Any) -> str:
    """JSON safe inside an HTML ``<script>`` element: no ``<``, ``>`` or ``&`` (so no
    text can close the element or open a comment), and no line separators.

    >>> script_json({"label": "</script><b>'\\"&"})
    '{"label": "\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\'\\\\"\\\\u0026"}'
    >>> json.loads(script_json({"label": "</script>"}))["label"]
    '</script>'
    """
    text = json.dumps(obj, ensure_ascii=False, allow_nan=False)
    for ch, sub in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                    ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, sub)
    return text


def csp_hash(script: str) -> str:
    """The Content-Security-Policy source that allows exactly this inline script.

    >>> csp_hash("alert(1)")
    "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"
    """
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def library() -> str:
    """cytoscape.js as inlined: a line naming it, then the vendored file, which opens
    with its MIT licence notice (checked here, so that the notice always ships).

    >>> code = library()
    >>> code.splitlines()[0][:30], "Permission is hereby granted" in code[:2000]
    ('/*! cytoscape.js 3.35.0 (https', True)
    """
    base = resources.files("riskmodel.reporting")
    code = base.joinpath("vendor", "cytoscape.min.js").read_text(encoding="utf-8")
    if "Permission is hereby granted, free of charge" not in code[:2000] \
            or "</script" in code.lower():
        raise RuntimeError("cytoscape.min.js in riskmodel/reporting/vendor/ is not the "
                           "vendored cytoscape.js with its licence notice; reinstall riskmodel")
    return (f"/*! cytoscape.js {CYTOSCAPE_VERSION} (https://js.cytoscape.org), MIT licence: "
            "its notice follows. Vendored by riskmodel from the npm registry. */\n" + code)


def _page_script() -> str:
    return resources.files("riskmodel.reporting").joinpath("explore.js").read_text(
        encoding="utf-8")


def _legend(graph: Mapping[str, Any]) -> str:
    ramp = ", ".join(graph["scale"])
    stages: dict[str, str] = {}
    for n in graph["nodes"]:
        stages.setdefault(n["stage"], n["stage_fill"])
    swatches = "".join(f'<span><span class="swatch" style="background:{_esc(c)}"></span>'
                       f"{_esc(s.replace('_', ' '))}</span>" for s, c in stages.items())
    return (f'<div class="legend" id="rm-legend-choke"><span>choke score (end-use value '
            f'lost over {int(graph["horizon"])} months)</span><span>0%</span><span class="ramp" '
            f'style="background:linear-gradient(to right, {_esc(ramp)})"></span>'
            f'<span>{graph["choke_max"]:.0%}</span><span>· dashed: non-essential input · '
            "arcs: within a stage or back up the chain</span></div>"
            f'<div class="legend" id="rm-legend-stage" hidden>{swatches}</div>')


def render_explorer(graph: Mapping[str, Any], number: int) -> tuple[str, str, list[str]]:
    """The explorable diagram as Figure ``number``: its HTML (in place of the static
    figure), the scripts to put at the end of the page, and their CSP hash sources.

    >>> import riskmodel as rm
    >>> from riskmodel.provenance import provenance
    >>> from riskmodel.reporting.graph import explorer_data
    >>> bike = rm.load("bicycle")
    >>> html, scripts, hashes = render_explorer(
    ...     explorer_data(bike, rm.score(bike), provenance(bike)), 1)
    >>> 'id="rm-cy"' in html, scripts.count("<script"), [h[:8] for h in hashes]
    (True, 3, ["'sha256-", "'sha256-"])
    """
    n = len(graph["nodes"])
    height = max(380, min(680, 44 * int(graph["rows"]) + 160))
    fragment = f"""<figure class="explorer" id="fig-chain-explorer">
<div class="bar"><label>Find a node <input id="rm-search" type="search" autocomplete="off"
placeholder="id or label" aria-describedby="rm-found"></label><span id="rm-found"
class="note" aria-live="polite"></span><label>Colour by <select id="rm-colour">
<option value="choke">choke score</option><option value="stage">stage</option></select>
</label><button id="rm-fit" type="button">Fit to view</button></div>
<div class="body"><div id="rm-cy" style="height:{height}px" role="img"
aria-label="Explorable diagram of the chain's {n:,} nodes by stage"></div>
<aside id="rm-info" aria-live="polite"></aside></div>
<noscript><p class="note">The explorable diagram needs JavaScript; the Markdown report has
the static figure.</p></noscript>
{_legend(graph)}
<figcaption>Figure {number}. The chain by stage, inputs flowing left to right, coloured by
choke score and sized by value ({n:,} nodes): scroll to zoom, drag to pan, search a node by
id or label, hover or click a node for its scores and the sources of its values.
</figcaption></figure>"""
    lib, own = library(), _page_script()
    scripts = (f'<script type="application/json" id="rm-graph">{script_json(graph)}</script>\n'
               f"<script>{lib}</script>\n<script>{own}</script>")
    return fragment, scripts, [csp_hash(lib), csp_hash(own)]


def too_large_note(graph: Mapping[str, Any]) -> str:
    """The sentence shown above the static figure when the chain is too large to
    explore in a browser.

    >>> too_large_note({"nodes": 2500, "too_large": 2000})[:52]
    'The chain has 2,500 nodes, more than the 2,000 an ex'
    """
    return (f"The chain has {int(graph['nodes']):,} nodes, more than the "
            f"{int(graph['too_large']):,} an explorable diagram can lay out smoothly in a "
            "browser, so this report shows the static figure; `riskmodel export` writes the "
            "whole graph for Gephi, yEd or Cytoscape.")
