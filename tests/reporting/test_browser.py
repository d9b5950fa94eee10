"""The HTML report in a real browser: headless Chromium, network off.

Chromium is driven over the DevTools protocol (``--remote-debugging-port`` and a small
websocket client); nothing is downloaded. The page must log no console error, every
figure must load, and no request may leave the page (only the file itself and its
``data:`` images). The explorable chain diagram must draw, find a node typed into its
search box, and show a clicked node's scores and sources; hostile labels stay text.
Skipped, with the reason, where Chromium or websocket-client is missing (install:
``apt-get install -y chromium`` and ``pip install websocket-client``).
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from helpers import ETO_DIR

import riskmodel as rm
from riskmodel.eto import from_eto

CHROMIUM = next((shutil.which(x) for x in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(x)), None)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium installed (Debian: apt-get install -y chromium); "
    "the browser check of the HTML report is skipped")

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-default-apps", "--disable-extensions", "--mute-audio",
         "--no-default-browser-check", "--host-resolver-rules=MAP * ~NOTFOUND",
         "--proxy-server=127.0.0.1:9", "--remote-debugging-address=127.0.0.1",
         "--remote-debugging-port=0"]


class Browser:
    """A headless Chromium with a fresh profile, driven over the DevTools protocol."""

    def __init__(self) -> None:
        websocket = pytest.importorskip(
            "websocket", reason="websocket-client is not installed (pip install "
            "websocket-client, or the dev extra)")
        self.profile = tempfile.mkdtemp(prefix="riskmodel-chromium-")
        assert CHROMIUM is not None
        self.proc = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={self.profile}",
                                      "about:blank"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        port_file = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.close()
                pytest.fail("Chromium did not start its DevTools endpoint")
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        pages: list[dict[str, Any]] = []
        while not pages:  # the first tab may appear just after the endpoint
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
                pages = [t for t in json.load(r) if t.get("type") == "page"]
            if not pages and time.monotonic() > deadline:
                self.close()
                pytest.fail("Chromium opened no page")
            time.sleep(0.05 if not pages else 0)
        self.ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=30,
                                              suppress_origin=True)
        self.ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        msg_id = next(self.ids)
        self.ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == msg_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def wait_for(self, event: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == event for e in self.events):
            if time.monotonic() > deadline:
                raise TimeoutError(event)
            self.events.append(json.loads(self.ws.recv()))

    def open(self, path: Path) -> None:
        """Load a file with the network off, recording console, log and requests."""
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self.send("Network.emulateNetworkConditions", offline=True, latency=0,
                  downloadThroughput=-1, uploadThroughput=-1)
        self.send("Emulation.setDeviceMetricsOverride", width=1280, height=900,
                  deviceScaleFactor=1, mobile=False)
        self.events.clear()
        self.send("Page.navigate", url=path.resolve().as_uri())
        self.wait_for("Page.loadEventFired")
        self.evaluate("new Promise(r => setTimeout(r, 300))")  # let late errors arrive

    def evaluate(self, expression: str) -> Any:
        res = self.send("Runtime.evaluate", expression=expression, returnByValue=True,
                        awaitPromise=True)
        if "exceptionDetails" in res:
            raise RuntimeError(res["exceptionDetails"])
        return res["result"].get("value")

    def click(self, x: float, y: float) -> None:
        """A left click at ``(x, y)`` in the viewport, as a user's mouse gives it."""
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left",
                      buttons=0 if kind == "mouseReleased" else 1, clickCount=1)

    def type_into(self, selector: str, text: str, enter: bool = True) -> None:
        """Focus the field ``selector``, type ``text`` and press Enter, as a keyboard does."""
        self.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")
        self.send("Input.insertText", text=text)
        if enter:
            for kind in ("keyDown", "keyUp"):
                self.send("Input.dispatchKeyEvent", type=kind, key="Enter", code="Enter",
                          windowsVirtualKeyCode=13, nativeVirtualKeyCode=13)

    def screenshot(self, path: Path) -> None:
        height = self.evaluate("document.documentElement.scrollHeight")
        self.send("Emulation.setDeviceMetricsOverride", width=1280, height=int(height),
                  deviceScaleFactor=1, mobile=False)
        shot = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        path.write_bytes(base64.b64decode(shot["data"]))

    def errors(self) -> list[str]:
        out = []
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append(f"console: {p.get('args')}")
            elif m == "Runtime.exceptionThrown":
                out.append(f"exception: {p.get('exceptionDetails')}")
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                out.append(f"log: {p['entry'].get('text')}")
            elif m == "Page.javascriptDialogOpening":
                out.append(f"dialog: {p.get('message')}")
        return out

    def requests(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events
                if e.get("method") == "Network.requestWillBeSent"]

    def close(self) -> None:
        ws = getattr(self, "ws", None)
        if ws is not None:
            ws.close()
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


HOSTILE = """\
schema: riskmodel/chain@1
name: hostile
title: "<script>window.__pwned=1; alert(1)</script> \\"><img src=x onerror=window.__pwned=2>"
perspective: {home: CN}
sources:
  s: {title: "<svg onload=window.__pwned=3>", url: "javascript:window.__pwned=4"}
nodes:
  - {id: gears, stage: upstream, label: "<script>alert(1)</script>",
     suppliers: {JP: {value: 0.7, source: s, ref: "<b onmouseover=x>"}, CN: 0.3}}
  - {id: arms, stage: midstream, label: "\\"><img src=x onerror=window.__pwned=5>",
     suppliers: {CN: 0.9, KR: 0.1}}
  - {id: cars, stage: end_use, value: 3, label: "[x](javascript:window.__pwned=6)"}
edges:
  - {from: gears, to: arms}
  - {from: arms, to: cars}
scenarios:
  - {id: cut, title: "<iframe src=javascript:alert(7)>", cuts: [{country: JP}]}
"""


@pytest.fixture
def hostile_chain(tmp_path):
    path = tmp_path / "hostile.yaml"
    path.write_text(HOSTILE, encoding="utf-8")
    return rm.load(path)


@pytest.fixture(scope="module")
def browser():
    b = Browser()
    try:
        yield b
    finally:
        b.close()


#: Whether the explorable diagram drew anything: its canvases hold a painted pixel.
PAINTED = """(() => [...document.querySelectorAll('#rm-cy canvas')].some(c => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < d.length; i += 4) { if (d[i]) { return true; } }
    return false; }))()"""


def _details(browser: Browser) -> str:
    return browser.evaluate("document.getElementById('rm-info').innerText")


def _click_node(browser: Browser, node_id: str) -> None:
    """Bring the node ``node_id`` into view and click it with the mouse."""
    x, y = browser.evaluate(f"""(() => {{
        const cy = window.riskmodelDiagram.cy;
        const node = cy.nodes().filter(n => n.data('key') === {json.dumps(node_id)})[0];
        cy.zoom(1.2); cy.center(node);
        const box = document.getElementById('rm-cy');
        box.scrollIntoView({{block: 'center'}});
        const r = box.getBoundingClientRect(), p = node.renderedPosition();
        return [r.left + p.x, r.top + p.y];
    }})()""")
    browser.click(x, y)


def _check_page(browser: Browser, html: Path, *, explorable: bool = True,
                sections: int = 12) -> dict[str, Any]:
    browser.open(html)
    assert browser.errors() == []
    outside = [u for u in browser.requests() if not re.match(r"(file|data):", u)]
    assert outside == [], f"requests left the page: {outside}"
    state = browser.evaluate("""(() => {
        const imgs = [...document.images];
        return {images: imgs.length,
                loaded: imgs.filter(i => i.complete && i.naturalWidth > 0).length,
                scripts: document.scripts.length,
                sections: [...document.querySelectorAll('main > section h2')]
                          .map(h => h.textContent),
                text: document.body.innerText};
    })()""")
    assert state["images"] > 0
    assert state["loaded"] == state["images"], "a figure did not load"
    # the graph's JSON, cytoscape.js and the page's own script; none from a file
    assert state["scripts"] == (3 if explorable else 0)
    assert len(state["sections"]) == sections
    if explorable:
        assert browser.evaluate(PAINTED), "the explorable diagram drew nothing"
    return state


def _check_reader_sections(browser: Browser, state: dict[str, Any]) -> None:
    """The sections and tables that make the robot report one a reader can follow."""
    titles = [t.split(". ", 1)[1] for t in state["sections"]]
    assert titles[-5:] == ["Uncertainty", "Sensitivity", "Data provenance",
                           "Method and settings", "Glossary"]

    def section_text(sid: str) -> str:
        return browser.evaluate(f"document.getElementById({json.dumps(sid)}).innerText")

    sens = section_text("sensitivity")
    assert "Robustness of the top choke points" in sens and "Choke score by horizon" in sens
    assert "The biggest swings" in sens and "reduction_gears: robust: ranks" in sens
    glossary = section_text("glossary")
    for term in ("HHI", "Spearman ρ", "P(top k)", "tornado", "realised loss", "marginal"):
        assert f"\n{term}\t" in glossary, term
    assert "riskmodel's threshold" in glossary and "European Commission" not in state["text"]
    assert "ROW\tRest of world" in glossary and "EU\tEurope" in glossary
    # the caveats: ρ over 8 nodes, 7 tied; a stage point from one node
    policy = section_text("policy")
    assert "rests on 8 nodes; 7 of them share a subsidy intensity figure" in policy
    assert "one node's figures" in policy
    choke = section_text("choke_points")
    assert "End uses (what the loss is measured on; not ranked)" in choke
    ranking = browser.evaluate("""[...document.querySelectorAll('#choke_points table')][0]
        .innerText""")
    assert "automotive" not in ranking and "reduction_gears" in ranking
    # sources by title, year and link, no internal file names; links are plain anchors
    prov = section_text("provenance")
    assert "003_c58473dc50c16cb9.txt" not in prov and "jst2025" not in prov
    assert browser.evaluate("""document.querySelectorAll('#provenance a[href^="https://"]')
        .length""") == 8
    assert browser.evaluate("""document.querySelectorAll(
        '#glossary a[href^="https://cepii.fr/"]').length""") == 1


@pytest.mark.slow
def test_robot_report_in_chromium(browser, tmp_path):
    paths = rm.report("industrial_robots", tmp_path / "robots", formats="html", mc=20,
                      sensitivity=1)
    # the chain lists restrictions in force (Wassenaar machine-tool licensing) and declares
    # a named target (robot_output): 14 sections
    state = _check_page(browser, paths["html"], sections=14)
    _check_reader_sections(browser, state)
    assert state["images"] == 8  # the chain diagram is the explorable one
    assert "reduction_gears" in state["text"]
    assert browser.evaluate("window.riskmodelDiagram.cy.nodes().not('.stage').length") == 23
    # search by label: one match, and Enter shows its details
    browser.type_into("#rm-search", "reduction GEARS")
    assert browser.evaluate("document.getElementById('rm-found').textContent"
                            ).startswith("1 node found")
    details = _details(browser)
    assert "Reduction gears" in details and "16.9%" in details  # its 24-month choke score
    # ranked among the 17 nodes that are not end uses (those are not choke points)
    assert "rank\n1 of 17" in details and "cut by\nJP" in details
    # a click on another node shows its scores and the sources of its values
    _click_node(browser, "semiconductors")
    details = _details(browser)
    assert details.startswith("Semiconductors")
    assert "choke score (share lost over 24 months)" in details
    assert "Policies, Key Industries and Science, Technology and Innovation" in details
    assert browser.evaluate("document.querySelector('#rm-cy canvas') !== null")
    assert browser.errors() == []
    outside = [u for u in browser.requests() if not re.match(r"(file|data):", u)]
    assert outside == [], f"requests left the page: {outside}"
    shot = tmp_path / "robots.png"
    browser.screenshot(shot)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_hostile_report_in_chromium(browser, hostile_chain, tmp_path):
    paths = rm.report(hostile_chain, tmp_path / "hostile", formats="html", mc=10)
    state = _check_page(browser, paths["html"])
    assert "<script>window.__pwned=1; alert(1)</script>" in state["text"]  # text, not run
    assert "<script>alert(1)</script>" in state["text"]
    assert browser.evaluate("typeof window.__pwned") == "undefined"
    # hostile labels and sources in the explorable diagram: found, shown as text, inert
    browser.type_into("#rm-search", "<script>")
    details = _details(browser)
    assert details.startswith("<script>alert(1)</script>")
    assert "<svg onload=window.__pwned=3>" in details and "<b onmouseover=x>" in details
    assert browser.evaluate("document.querySelectorAll('#rm-info a, #rm-info img, "
                            "#rm-info script, #rm-info svg').length") == 0
    _click_node(browser, "arms")
    assert _details(browser).startswith('"><img src=x onerror=window.__pwned=5>')
    assert browser.evaluate("typeof window.__pwned") == "undefined"
    assert browser.errors() == []


def test_report_with_restrictions_in_force_in_chromium(browser, hostile_chain, tmp_path):
    hostile_chain.baseline = [rm.Restriction(
        rm.Cut("JP", nodes=("gears",)), "jp_gears", since="2023-07", source="s",
        ref="<img src=x onerror=window.__pwned=8>", title="<script>window.__pwned=9</script>")]
    paths = rm.report(hostile_chain, tmp_path / "held", formats="html", mc=10)
    state = _check_page(browser, paths["html"], sections=13)
    assert state["sections"][1] == "2. Restrictions in force"
    assert "<script>window.__pwned=9</script>" in state["text"]  # shown as text
    assert "what each further cut adds on top of the restrictions in force" in state["text"]
    assert browser.evaluate("typeof window.__pwned") == "undefined"


def test_report_with_targets_in_chromium(browser, hostile_chain, tmp_path):
    """A declared target (named with hostile text nowhere: names are slugs) gets its
    section after "Choke points"; the hostile labels in its table stay text."""
    hostile_chain.targets = {"arm_supply": ["arms"]}
    paths = rm.report(hostile_chain, tmp_path / "targets", formats="html", mc=10)
    state = _check_page(browser, paths["html"], sections=13)
    assert state["sections"][3] == "4. Targets"
    assert "Choke points of arm_supply" in state["text"]
    assert "arm_supply (arms): its top choke point is" in state["text"]
    assert browser.evaluate("typeof window.__pwned") == "undefined"


@pytest.mark.slow
@pytest.mark.skipif(not (ETO_DIR / "provision.csv").is_file(),
                    reason=f"ETO dataset not found at {ETO_DIR} (CC BY-NC, not in the "
                    "repository); set RISKMODEL_ETO_DIR to its folder")
def test_eto_report_in_chromium(browser, tmp_path):
    chain, _ = from_eto(ETO_DIR)
    paths = rm.report(chain, tmp_path / "eto", formats="html", mc=10)
    state = _check_page(browser, paths["html"])
    assert state["images"] >= 7  # no policy figures: the dataset has no support data
    assert "Finished logic chip" in state["text"] or "finished_logic_chip" in state["text"]
