"""The HTML explorer in a real headless Chromium, with the network cut off.

Skipped when /usr/bin/chromium (Debian's `chromium`) or playwright is missing, unless
SPINEKG_REQUIRE_BROWSER=1 (as in CI), in which case those tests fail instead.
"""
import dataclasses
import os
import shutil
import time
from pathlib import Path

import pytest

from spinekg.exports.html import render_html
from spinekg.graph.model import Catalog

CHROMIUM = "/usr/bin/chromium"
PAYLOAD = "</script><img src=x onerror=alert(1)>"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOT_COPY = Path("/tmp/spinekg-explorer.png")


def _browser_missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is not installed (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install '.[test]')"
    return None


@pytest.fixture(scope="module")
def browser():
    reason = _browser_missing()
    if reason:
        if os.environ.get("SPINEKG_REQUIRE_BROWSER") == "1":
            pytest.fail(f"SPINEKG_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield b
        b.close()


class Page:
    """A loaded explorer page, with everything that would betray a problem recorded."""

    def __init__(self, browser, path: Path, tmp_path: Path):
        self.context = browser.new_context(viewport={"width": 1400, "height": 900},
                                           accept_downloads=True)
        self.page = self.context.new_page()
        self.console_errors, self.page_errors, self.dialogs = [], [], []
        self.requests, self.blocked = [], []
        self.page.on("console", lambda m: m.type in ("error", "warning") and self.console_errors.append(m.text))
        self.page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        self.page.on("dialog", self._dialog)
        self.page.on("request", lambda r: self.requests.append(r.url))

        def route(r):
            if r.request.url.startswith("file:"):
                r.continue_()
            else:  # the network is unavailable: record and refuse
                self.blocked.append(r.request.url)
                r.abort()

        self.page.route("**/*", route)
        self.page.goto(path.as_uri())
        self.wait("window.spinekg && window.spinekg.isReady()", 90)

    def _dialog(self, d):
        self.dialogs.append(d.message)
        d.dismiss()

    def wait(self, expression: str, timeout: float = 10):
        # polls with page.evaluate: the page's CSP forbids the eval that wait_for_function uses
        end = time.monotonic() + timeout
        while not self.page.evaluate(f"!!({expression})"):
            if time.monotonic() > end:
                raise AssertionError(f"timed out waiting for {expression}; errors: {self.page_errors}")
            time.sleep(0.05)

    def js(self, expression: str):
        return self.page.evaluate(expression)

    def click_node(self, node_id: str):
        """Zoom in on the node with the mouse wheel, then click it where the canvas draws it."""
        pos = self.js(f"spinekg.domPosition({node_id!r})")
        self.page.mouse.move(pos["x"], pos["y"])
        for _ in range(4):
            self.page.mouse.wheel(0, -300)
            time.sleep(0.1)
        time.sleep(0.3)
        pos = self.js(f"spinekg.domPosition({node_id!r})")
        self.page.mouse.click(pos["x"], pos["y"])

    def assert_clean(self):
        assert self.console_errors == [] and self.page_errors == []
        assert self.blocked == []
        assert [u for u in self.requests if not u.startswith(("file:", "data:", "blob:"))] == []
        assert self.dialogs == []


@pytest.fixture(scope="module")
def full_file(tmp_path_factory):
    from spinekg.graph.model import load_catalog

    path = tmp_path_factory.mktemp("explorer") / "spinekg-explorer.html"
    path.write_text(render_html(load_catalog()), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def loaded(browser, full_file, tmp_path_factory):
    # one load of the full graph (the layout takes seconds in a headless browser) for these tests
    p = Page(browser, full_file, tmp_path_factory.mktemp("page"))
    yield p
    p.context.close()


@pytest.fixture()
def page(loaded):
    """The full-graph page, put back through its own controls: every box ticked, no selection."""
    pg = loaded.page
    pg.keyboard.press("Escape")
    pg.fill("#search", "")
    for group in pg.locator("fieldset[data-filter-group]").all():
        if group.locator("input:not(:checked)").count():
            group.locator(".quick button", has_text="all").click()
    if pg.locator("#panel").is_visible():
        pg.click("#panel-close")
    pg.click("#fit")
    time.sleep(0.5)  # the fit animation
    assert loaded.js("spinekg.selected()") == []
    assert loaded.js("spinekg.drawnNodeCount()") == loaded.js("spinekg.nodeCount()")
    return loaded


def expected_node_count(catalog) -> int:
    """From the networkx graph: every code, every range group, every facet value a code points to."""
    from spinekg.graph.network import load_network

    G = load_network()
    ids = set(catalog.codes) | {n for n, k in G.nodes(data="kind") if k == "group"}
    for code in catalog.codes:
        for _, target, rel in G.out_edges(code, data="relation"):
            if rel in {"region", "approach", "procedure", "lesionCompartment", "lesionNature"}:
                ids.add(target)
    return len(ids)


def test_loads_offline_and_draws_every_node(page, tmp_path, catalog):
    page.assert_clean()
    n = expected_node_count(catalog)
    assert page.js("spinekg.drawnNodeCount()") == n
    assert len(page.js("spinekg.visibleNodeIds()")) == n
    assert page.js("spinekg.network.physics.physicsEnabled") is False  # settled, no endless jiggle
    assert page.page.inner_text("#status").startswith(f"{len(catalog.codes)} codes, {n} of {n} nodes")
    legend = page.page.inner_text("#legend")
    for name in ("primary code", "add-on code", "range group", "region", "approach", "procedure type",
                 "lesion compartment", "lesion nature", "add-on to"):
        assert name in legend
    page.js("document.getElementById('side').scrollTop = 0")  # earlier tests may have scrolled it
    shot = tmp_path / "spinekg-explorer.png"
    page.page.screenshot(path=str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    try:
        shutil.copyfile(shot, SCREENSHOT_COPY)  # for people to look at
    except OSError:
        pass


def test_no_remote_src_or_href_in_dom(page):
    remote = page.js("""Array.from(document.querySelectorAll('[src],[href]'))
        .map(e => e.getAttribute('src') || e.getAttribute('href'))
        .filter(v => /^\\s*(https?:)?\\/\\//i.test(v))""")
    assert remote == []
    assert page.js("document.querySelectorAll('link, script[src], iframe, img').length") == 0


def test_search_selects_and_card_links(page, catalog):
    page.page.click("#search")
    page.page.keyboard.type("63304")
    page.wait("!document.getElementById('results').hidden")
    assert page.page.inner_text("#results").startswith("63304")
    page.page.keyboard.press("Enter")
    assert page.js("spinekg.selected()") == ["63304"]
    page.wait("!document.getElementById('panel').hidden")
    card = page.page.inner_text("#card")
    assert card.startswith("63304") and catalog["63304"].label in card
    # the card's add-on link selects the add-on, whose card lists its primaries
    page.page.click("#card button[data-node='63308']")
    assert page.js("spinekg.selected()") == ["63308"]
    card = page.page.inner_text("#card")
    assert "Reported with these primaries" in card and "63300" in card
    page.assert_clean()


def test_search_by_words(page):
    page.page.click("#search")
    page.page.keyboard.type("corpectomy intradural cervical anterior")
    page.wait("!document.getElementById('results').hidden")
    found = page.js("Array.from(document.querySelectorAll('#results button')).map(b => b.dataset.node)")
    assert "63304" in found and "63300" not in found  # 63300 is extradural


def test_click_node_opens_card_with_facts(page, catalog):
    page.click_node("63304")
    page.wait("spinekg.selected()[0] === '63304'")
    page.wait("!document.getElementById('panel').hidden")
    facts = dict(zip(page.js("Array.from(document.querySelectorAll('#card dt')).map(e => e.textContent)"),
                     page.js("Array.from(document.querySelectorAll('#card dd')).map(e => e.textContent)")))
    rec = catalog["63304"]
    assert facts["regions"] == ", ".join(rec.regions) == "cervical"
    assert facts["approaches"] == "anterior"
    assert facts["lesion compartment"] == "intradural"
    assert "corpectomy" in facts["procedures"]
    assert facts["group"].startswith("63300-63308")
    card = page.page.inner_text("#card")
    assert "Add-ons" in card and "Siblings in 63300-63308" in card
    for sibling in catalog.siblings("63304"):
        assert page.page.locator(f"#card section[data-section^='Siblings'] button[data-node='{sibling}']").count() == 1
    # a sibling link selects that sibling
    page.page.click("#card button[data-node='63300']")
    assert page.js("spinekg.selected()") == ["63300"]
    page.assert_clean()


def test_untick_region_hides_its_codes(page, catalog):
    lumbar_only = [c for c, r in catalog.codes.items() if r.regions == ("lumbar",)]
    cervical = [c for c, r in catalog.codes.items() if "cervical" in r.regions]
    assert lumbar_only and cervical
    before = page.js("spinekg.drawnNodeCount()")
    box = page.page.locator("fieldset[data-filter-group='region'] label[data-value='lumbar'] input")
    box.uncheck()
    shown = set(page.js("spinekg.visibleNodeIds()"))
    assert not shown & set(lumbar_only)
    assert "region:lumbar" not in shown
    assert set(cervical) <= shown
    assert page.js("spinekg.drawnNodeCount()") == len(shown) < before
    box.check()
    assert page.js("spinekg.drawnNodeCount()") == before


def test_filter_to_lumbar_and_by_kind(page, catalog):
    regions = page.page.locator("fieldset[data-filter-group='region']")
    regions.locator("button", has_text="none").click()
    regions.locator("label[data-value='lumbar'] input").check()
    shown = set(page.js("spinekg.visibleNodeIds()"))
    shown_codes = {c for c in shown if c in catalog.codes}
    assert shown_codes == {c for c, r in catalog.codes.items() if "lumbar" in r.regions or not r.regions}
    page.page.locator("#legend label[data-value='add-on'] input").uncheck()
    shown = set(page.js("spinekg.visibleNodeIds()"))
    assert not {c for c in shown if c in catalog.codes and catalog[c].kind == "add-on"}


def test_save_png(page, tmp_path):
    with page.page.expect_download() as info:
        page.page.click("#save-png")
    download = info.value
    assert download.suggested_filename == "spinekg-view.png"
    target = tmp_path / "view.png"
    download.save_as(target)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and target.stat().st_size > 10_000
    page.assert_clean()


def test_hostile_label_runs_nothing(browser, catalog, tmp_path):
    hostile = dataclasses.replace(catalog["63304"], label=PAYLOAD, descriptor=PAYLOAD)
    cat = Catalog({**catalog.codes, "63304": hostile}, catalog.facet_values, catalog.groups)
    path = tmp_path / "hostile.html"
    path.write_text(render_html(cat, focus="63304", depth=1, title=PAYLOAD), encoding="utf-8")
    p = Page(browser, path, tmp_path)
    try:
        p.wait("!document.getElementById('panel').hidden")  # the focus code's card opens
        assert p.page.inner_text("#page-title") == PAYLOAD
        assert p.js("document.querySelector('#card .label').textContent") == PAYLOAD
        assert PAYLOAD in p.page.inner_text("#card .descriptor")
        # hovering the node shows its tooltip, also as text
        pos = p.js("spinekg.domPosition('63304')")
        p.page.mouse.move(pos["x"], pos["y"])
        time.sleep(0.5)
        p.page.click("#search")
        p.page.keyboard.type("63304")
        p.wait("!document.getElementById('results').hidden")
        assert p.js("document.querySelectorAll('[onerror]').length") == 0
        assert p.js("document.querySelectorAll('img').length") == 0
        assert p.dialogs == []
        p.assert_clean()
    finally:
        p.context.close()


def test_hierarchical_focus_page(browser, catalog, tmp_path):
    path = tmp_path / "focus.html"
    path.write_text(render_html(catalog, focus="63304", depth=1, layout="hierarchical"), encoding="utf-8")
    p = Page(browser, path, tmp_path)
    try:
        assert p.js("spinekg.selected()") == ["63304"]
        assert p.js("spinekg.drawnNodeCount()") == p.js("spinekg.nodeCount()")
        p.assert_clean()
    finally:
        p.context.close()
