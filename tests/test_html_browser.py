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

    def __init__(self, browser, path: Path, tmp_path: Path, fragment: str = "", size=(1440, 900)):
        self.context = browser.new_context(viewport={"width": size[0], "height": size[1]},
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
        start = time.monotonic()
        self.page.goto(path.as_uri() + fragment)
        self.wait("window.spinekg && window.spinekg.isReady()", 90)
        self.ready_after = time.monotonic() - start  # recorded, not asserted (speed lives in bench/)

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
        """Click a node where the canvas draws it."""
        pos = self.js(f"spinekg.domPosition({node_id!r})")
        self.page.mouse.click(pos["x"], pos["y"])

    def assert_clean(self):
        assert self.console_errors == [] and self.page_errors == []
        assert self.blocked == []
        assert [u for u in self.requests if not u.startswith(("file:", "data:", "blob:"))] == []
        assert self.dialogs == []


SIZES = [(1280, 720), (1440, 900), (1920, 1080)]
SHOTS = Path("/tmp/spinekg-shots")  # copies for people to look at (best effort)


def keep_shot(p, name: str, tmp_path: Path):
    shot = tmp_path / name
    p.page.screenshot(path=str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    try:
        SHOTS.mkdir(exist_ok=True)
        shutil.copyfile(shot, SHOTS / name)
    except OSError:
        pass


def overlaps(labels):
    out = []
    for i, a in enumerate(labels):
        for b in labels[i + 1:]:
            if (a["x"] < b["x"] + b["width"] - 0.5 and b["x"] < a["x"] + a["width"] - 0.5
                    and a["y"] < b["y"] + b["height"] - 0.5 and b["y"] < a["y"] + a["height"] - 0.5):
                out.append((a["id"], b["id"]))
    return out


@pytest.fixture(scope="module")
def full_file(tmp_path_factory):
    from spinekg.graph.model import load_catalog

    path = tmp_path_factory.mktemp("explorer") / "spinekg-explorer.html"
    path.write_text(render_html(load_catalog()), encoding="utf-8")
    return path


def open_page(browser, path, tmp_path, fragment="", size=(1440, 900)):
    return Page(browser, path, tmp_path, fragment, size)


@pytest.fixture(scope="module")
def loaded(browser, full_file, tmp_path_factory):
    p = Page(browser, full_file, tmp_path_factory.mktemp("page"))
    yield p
    p.context.close()


@pytest.fixture()
def page(loaded):
    """The page back on the overview: no filter ticked, no selection, nothing to compare."""
    pg = loaded.page
    pg.keyboard.press("Escape")
    pg.fill("#search", "")
    loaded.js("location.hash = ''")
    loaded.wait("spinekg.state().view === 'overview'")
    # through the boxes' own click handling (a box may sit scrolled out of its list)
    loaded.js("document.querySelectorAll('#filter-groups input:checked').forEach(b => b.click())")
    assert loaded.js("spinekg.visibleCodes().length") == loaded.js("Object.keys(JSON.parse(document.getElementById('spinekg-data').textContent).cards).length")
    loaded.js("spinekg.state().compare.length && (location.hash = '#compare=')")
    return loaded


# ---------- 1. a readable overview, in three window sizes ----------
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_overview_labels_readable_and_apart(browser, full_file, tmp_path, catalog, size):
    p = open_page(browser, full_file, tmp_path, size=size)
    try:
        assert p.js("spinekg.state().view") == "overview"
        labels = p.js("spinekg.labels()")
        assert len(labels) >= 15, labels
        small = [(l["id"], l["fontPx"]) for l in labels if l["fontPx"] < 12]
        assert small == []
        assert overlaps(labels) == []
        # one box per family, each family's codes drawn together (in its box, in code order)
        from spinekg.exports.family_table import family_groups

        boxes = p.js("Array.from(document.querySelectorAll('button.family')).map(b => b.dataset.family)")
        assert sorted(boxes) == family_groups(catalog)
        p.assert_clean()
        if size == (1440, 900):
            keep_shot(p, "overview.png", tmp_path)
    finally:
        p.context.close()


def test_overview_is_deterministic(full_file, catalog):
    from spinekg.graph.model import load_catalog

    assert render_html(load_catalog()) == full_file.read_text(encoding="utf-8")


def test_family_box_opens_its_table_and_updates_the_fragment(page):
    page.page.click("button.family[data-family='63081-63091']")
    page.wait("spinekg.state().view === 'family'")
    assert page.js("spinekg.state().family") == "63081-63091"
    assert page.js("location.hash") == "#family=63081-63091"
    page.page.go_back()
    page.wait("spinekg.state().view === 'overview'")


# ---------- 2. family tables against the catalog ----------
def test_every_family_table_matches_the_catalog(page, catalog):
    from spinekg.exports.family_table import build_table, family_groups

    for group in family_groups(catalog):
        page.js(f"spinekg.show('family', {group!r})")
        t = build_table(catalog, group)
        cells = page.js("""Array.from(document.querySelectorAll('table.family-table tbody td')).map(td =>
            [Number(td.dataset.row), td.dataset.col,
             Array.from(td.querySelectorAll('.entry')).map(e => Array.from(e.querySelectorAll('.chip')).map(c => c.dataset.code))])""")
        want = [[ri, col, [[e["code"]] + e["addons"] for e in cell]]
                for ri, row in enumerate(t["rows"]) for col, cell in zip(t["columns"], row["cells"])]
        assert cells == want, group
        empty = page.js("document.querySelectorAll('table.family-table td.empty').length")
        assert empty == t["empty_cells"]
    labels = page.js("spinekg.labels()")
    assert overlaps(labels) == [] and min(l["fontPx"] for l in labels) >= 12


def test_family_table_screenshot_and_selection_dims(page, tmp_path, catalog):
    page.js("spinekg.show('family', '63081-63091')")
    page.page.click("button.chip[data-code='63081']")
    dimmed = set(page.js("spinekg.dimmed()"))
    shown = set(page.js("Array.from(document.querySelectorAll('.chip')).map(c => c.dataset.code)"))
    linked = {"63081", *catalog["63081"].add_ons, *catalog["63081"].reported_with}
    assert dimmed == shown - linked and "63085" in dimmed and "63082" not in dimmed
    page.wait("!document.getElementById('panel').hidden")
    assert page.page.inner_text("#card").startswith("63081")
    keep_shot(page, "family-table.png", tmp_path)


# ---------- 3. focus view: by relation, hubs collapsed, same plan as the export ----------
@pytest.mark.parametrize("code", ["63304", "63308", "22840", "63081", "20930"])
def test_focus_plan_matches_python(page, catalog, code):
    from spinekg.exports import focus_plan
    from spinekg.exports.html_graph import drawn_graph

    D = drawn_graph(catalog, None)
    adj = focus_plan.adjacency(list(D.nodes), [(a, b, r) for a, b, r in D.edges(data="relation")])
    kinds = dict(D.nodes(data="kind"))
    for depth in (1, 2, 3):
        assert page.js(f"spinekg.focusPlan({code!r}, {depth})") == focus_plan.plan(adj, kinds, code, depth)


def test_focus_view_draws_the_plan_and_expands_a_count_node(browser, catalog, tmp_path):
    from spinekg.exports.html import render_page

    text, info = render_page(catalog, focus="63304", depth=2)
    path = tmp_path / "focus.html"
    path.write_text(text, encoding="utf-8")
    p = open_page(browser, path, tmp_path)
    try:
        assert p.js("spinekg.state()")["view"] == "focus" and p.js("location.hash") == "#code=63304"
        drawn = p.js("spinekg.drawnNodeIds()")
        codes = [d for d in drawn if not d.startswith("count:")]
        counts = [d for d in drawn if d.startswith("count:")]
        assert len(codes) == info["nodes_drawn"] and len(counts) == info["hubs_collapsed"]
        # columns by relation: facet values left of the centre, group and codes right
        pos = p.js("spinekg.network().getPositions()")
        assert pos["63304"]["x"] == 0
        assert pos["region:cervical"]["x"] < 0 < pos["group:63300-63308"]["x"] < pos["63300"]["x"]
        keep_shot(p, "focus.png", tmp_path)
        p.click_node("count:63304|addOnTo")
        p.wait("spinekg.drawnNodeIds().indexOf('22840') >= 0")
        assert "count:63304|addOnTo" not in p.js("spinekg.drawnNodeIds()")
        p.assert_clean()
    finally:
        p.context.close()


# ---------- 4. compare ----------
def test_compare_columns_differences_and_path(page, catalog, tmp_path):
    page.js("location.hash = '#compare=63081,63085'")
    page.wait("spinekg.state().view === 'compare'")
    assert page.js("spinekg.state().compare") == ["63081", "63085"]
    differs = page.js("Array.from(document.querySelectorAll('.compare-table tr.differs')).map(r => r.dataset.facet)")
    same = page.js("Array.from(document.querySelectorAll('.compare-table tr.same')).map(r => r.dataset.facet)")
    assert {"regions", "approaches", "add-ons"} <= set(differs)
    assert {"kind", "group", "procedures", "units"} <= set(same)
    only = page.js("Array.from(document.querySelectorAll('tr[data-facet=\"add-ons\"] span.only')).map(s => s.textContent)")
    assert sorted(only) == ["63082", "63086"]
    path = page.page.inner_text("li[data-path='63081,63085']")
    assert path.startswith("63081") and path.endswith("63085")
    from spinekg.graph.traverse import path as cli_path

    assert path.count("\u2014") // 2 == cli_path("63081", "63085")["length"]
    from spinekg.graph.traverse import compare as cli_compare

    facts = page.js("Array.from(document.querySelectorAll('.paths li.fact')).map(li => li.textContent)")
    assert facts == cli_compare("63081", "63085")["relations"]
    keep_shot(page, "compare.png", tmp_path)
    # the card's "+ compare" adds a third code
    page.js("spinekg.show('focus', '63304')")
    page.page.click("#card button[data-action='compare']")
    page.page.click("#compare-button")
    page.wait("spinekg.state().view === 'compare'")
    assert page.js("spinekg.state().compare") == ["63081", "63085", "63304"]
    assert page.js("location.hash") == "#compare=63081,63085,63304"


# ---------- 5. selection dims what is not linked ----------
def test_selecting_in_focus_view_dims_the_rest(page, catalog):
    page.js("spinekg.show('focus', '63304')")
    assert page.js("spinekg.select('region:cervical')")
    drawn = set(page.js("spinekg.drawnNodeIds()"))
    dimmed = set(page.js("spinekg.dimmed()"))
    linked = {"region:cervical", "63304", "63300", "count:region:cervical"} & drawn
    assert dimmed == drawn - set(page.js("""(function () { var out = {}; out['region:cervical'] = 1;
        spinekg.network().body.data.edges.get().forEach(function (e) {
          if (e.from === 'region:cervical') out[e.to] = 1; if (e.to === 'region:cervical') out[e.from] = 1; });
        return Object.keys(out); })()"""))
    assert linked <= drawn - dimmed and "approach:anterior" in dimmed
    # its linked nodes stay in view
    box = page.js("document.getElementById('network').getBoundingClientRect().toJSON()")
    for nid in linked:
        pos = page.js(f"spinekg.domPosition({nid!r})")
        assert box["left"] <= pos["x"] <= box["right"] and box["top"] <= pos["y"] <= box["bottom"], nid


# ---------- 6. search with coders' words: the page answers as the CLI ----------
QUERIES = ["ACDF", "ALIF", "PLIF", "TLIF", "XLIF", "LLIF", "LECA", "kyphoplasty", "vertebroplasty", "tumor",
           "tumour", "spinal cord tumor", "cage", "fusion", "level", "lumbar level", "6308", "63081-63091",
           "63081\u201363091", "63304", "lumbar corpectomy", "corpectomy intradural cervical anterior", "zzzz",
           "0213T", "0213t-0218T", "6449", "TFESI", "SI joint fusion", "fluoroscopy", "programmable pump"]


def test_search_matches_the_cli(page, catalog):
    from spinekg.graph.search import build_index, rank

    index = build_index(catalog)
    for q in QUERIES:
        assert page.js(f"spinekg.search({q!r})") == rank(index, q), q


def test_search_box_picks_a_result(page, catalog):
    page.page.click("#search")
    page.page.keyboard.type("TLIF")
    page.wait("!document.getElementById('results').hidden")
    assert page.js("Array.from(document.querySelectorAll('#results button')).map(b => b.dataset.node)")[:4] == \
        ["22630", "22632", "22633", "22634"]
    page.page.keyboard.press("Enter")
    page.wait("spinekg.state().view === 'focus'")
    assert page.js("spinekg.state().focus") == "22630" and page.js("location.hash") == "#code=22630"
    page.page.fill("#search", "63081-63091")
    page.page.keyboard.press("Enter")
    page.wait("spinekg.state().view === 'family'")
    assert page.js("spinekg.state().family") == "63081-63091"


# ---------- 7. shareable links, in three window sizes ----------
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("fragment, want", [
    ("#code=63304", {"view": "focus", "focus": "63304", "family": None, "compare": []}),
    ("#compare=63081,63085", {"view": "compare", "focus": None, "family": None, "compare": ["63081", "63085"]}),
    ("#family=63081-63091", {"view": "family", "focus": None, "family": "63081-63091", "compare": []}),
    ("#code=99999", {"view": "overview", "focus": None, "family": None, "compare": []}),
])
def test_fragment_restores_the_view(browser, full_file, tmp_path, size, fragment, want):
    p = open_page(browser, full_file, tmp_path, fragment, size)
    try:
        got = p.js("spinekg.state()")
        assert {k: got[k] for k in want} == want
        labels = p.js("spinekg.labels()")
        assert labels and overlaps(labels) == []
        assert min(l["fontPx"] for l in labels) >= 12
        p.assert_clean()
    finally:
        p.context.close()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_focus_views_readable_in_every_size(browser, full_file, tmp_path, size):
    p = open_page(browser, full_file, tmp_path, "#code=63304", size)
    try:
        for code in ("63304", "63308", "22840", "20930", "22630"):
            p.js(f"location.hash = '#code={code}'")
            p.wait(f"spinekg.state().focus === {code!r}")
            labels = p.js("spinekg.labels()")
            assert len(labels) >= 5 and overlaps(labels) == [], code
            assert min(l["fontPx"] for l in labels) >= 12, code
    finally:
        p.context.close()


def test_moving_updates_the_fragment_and_back_restores(page):
    page.js("spinekg.show('family', '63300-63308')")
    assert page.js("location.hash") == "#family=63300-63308"
    page.page.click("button.chip[data-code='63304']")
    page.page.click("#card button[data-action='focus']")
    page.wait("spinekg.state().view === 'focus'")
    assert page.js("location.hash") == "#code=63304"
    page.page.go_back()
    page.wait("spinekg.state().view === 'family'")
    assert page.js("spinekg.state().family") == "63300-63308"


# ---------- 8. filters mean what `spinekg list` means ----------
def test_region_filter_matches_spinekg_list(page, catalog):
    from spinekg.graph.select import filter_codes

    page.page.locator("fieldset[data-filter-group='region'] label[data-value='lumbar'] input").check()
    lumbar = {r.code for r in filter_codes(catalog, region=["lumbar"])}
    assert set(page.js("spinekg.visibleCodes()")) == lumbar
    note = page.page.inner_text("#filter-note")
    regionless = [c for c, r in catalog.codes.items() if not r.regions]
    assert f"{len(lumbar)} of {len(catalog.codes)} codes match" in note
    assert f"{len(regionless)} codes without a region" in note and "left out" in note
    assert "OR" in page.page.inner_text("#filter-rule") and "AND" in page.page.inner_text("#filter-rule")
    # two regions: OR within the facet
    page.page.locator("fieldset[data-filter-group='region'] label[data-value='sacral'] input").check()
    either = {c for c, r in catalog.codes.items() if {"lumbar", "sacral"} & set(r.regions)}
    assert set(page.js("spinekg.visibleCodes()")) == either
    # and a procedure: AND across facets
    page.page.locator("fieldset[data-filter-group='procedure'] label[data-value='corpectomy'] input").check()
    both = {c for c in either if "corpectomy" in catalog[c].procedures}
    assert set(page.js("spinekg.visibleCodes()")) == both
    page.page.check("#keep-regionless")
    assert set(page.js("spinekg.visibleCodes()")) == both | {c for c in regionless if "corpectomy" in catalog[c].procedures}
    assert "dim" in page.js("document.querySelector(\"button.family[data-family='22010-22015']\").className")


def test_spine_section_facet_filters_match_spinekg_list(page, catalog, tmp_path):
    """Imaging, agent, delivery, device and device-action filters combine like `spinekg list`'s
    facets (OR inside one, AND across them); the card names those facets and ordinal counting;
    the overview names the sacroiliac joint among a family's regions."""
    from spinekg.graph.select import filter_codes

    for key in ("imaging", "agent", "delivery", "device", "device_action"):
        assert page.js(f"document.querySelectorAll(\"fieldset[data-filter-group='{key}'] input\").length") > 0, key
    page.page.locator("fieldset[data-filter-group='imaging'] label[data-value='ultrasound guidance'] input").check()
    want = {r.code for r in filter_codes(catalog, imaging=["ultrasound guidance"])}
    assert want and set(page.js("spinekg.visibleCodes()")) == want
    page.page.locator("fieldset[data-filter-group='imaging'] label[data-value='fluoroscopy or CT'] input").check()
    either = {r.code for r in filter_codes(catalog, imaging=["ultrasound guidance", "fluoroscopy or CT"])}
    assert set(page.js("spinekg.visibleCodes()")) == either
    page.page.locator("fieldset[data-filter-group='procedure'] label[data-value='facet joint injection'] input").check()
    both = {r.code for r in filter_codes(catalog, imaging=["ultrasound guidance", "fluoroscopy or CT"],
                                         procedure=["facet joint injection"])}
    assert set(page.js("spinekg.visibleCodes()")) == both and "64495" in both
    page.page.locator("fieldset[data-filter-group='device_action'] label[data-value='removal'] input").check()
    assert page.js("spinekg.visibleCodes()") == []  # no facet joint injection removes a device
    keep_shot(page, "explorer-spine-filters.png", tmp_path)
    page.js("spinekg.show('focus', '64495')")
    page.wait("spinekg.state().focus === '64495'")
    card = page.page.inner_text("#card")
    assert "fluoroscopy or CT" in card and "diagnostic or therapeutic agent" in card
    assert "reported once for the 3rd and every further level" in card
    page.js("spinekg.show('focus', '62362')")
    page.wait("spinekg.state().focus === '62362'")
    card = page.page.inner_text("#card")
    assert "programmable pump" in card and "device action" in card
    page.js("location.hash = ''")
    page.wait("spinekg.state().view === 'overview'")
    assert "sacroiliac joint" in page.page.inner_text("[data-label='facts:27278-27280']")
    keep_shot(page, "explorer-spine-card.png", tmp_path)


# ---------- 9. printable ----------
@pytest.mark.parametrize("fragment, must", [("#family=63081-63091", ["63081", "63090", "transthoracic", "Sacral"]),
                                             ("#code=63304", ["63304", "intradural", "Add-ons", "63308"])])
def test_prints_to_pdf(browser, full_file, tmp_path, fragment, must):
    import io

    pypdf = pytest.importorskip("pypdf")
    p = open_page(browser, full_file, tmp_path, fragment)
    try:
        p.page.emulate_media(media="print")
        pdf = p.page.pdf(format="A4", print_background=True)
        reader = pypdf.PdfReader(io.BytesIO(pdf))
        assert 1 <= len(reader.pages) <= 3
        text = "".join(pg.extract_text() for pg in reader.pages)
        for word in must:
            assert word.lower() in text.lower(), word
        name = "print-" + fragment.split("=")[0].strip("#") + ".pdf"
        try:
            SHOTS.mkdir(exist_ok=True)
            (SHOTS / name).write_bytes(pdf)
        except OSError:
            pass
    finally:
        p.context.close()


# ---------- the whole graph and what was there before ----------
def test_whole_graph_loads_offline_and_draws_every_node(browser, full_file, tmp_path, catalog):
    p = open_page(browser, full_file, tmp_path, "#view=graph")
    try:
        p.assert_clean()
        drawn = p.js("spinekg.drawnNodeIds()")
        assert len(drawn) == len(p.js("JSON.parse(document.getElementById('spinekg-data').textContent).nodes"))
        assert p.js("spinekg.network().physics.physicsEnabled") is False  # settled, no endless jiggle
        legend = p.page.inner_text("#legend")
        for name in ("primary code", "add-on code", "range group", "region", "add-on to"):
            assert name in legend
        assert p.js("spinekg.select('63304')")
        assert "63081" in p.js("spinekg.dimmed()")
        with p.page.expect_download() as info:
            p.page.click("#save-png")
        target = tmp_path / "view.png"
        info.value.save_as(target)
        assert info.value.suggested_filename == "spinekg-view.png"
        assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and target.stat().st_size > 10_000
        p.assert_clean()
    finally:
        p.context.close()


def test_no_remote_src_or_href_in_dom(page):
    remote = page.js("""Array.from(document.querySelectorAll('[src],[href]'))
        .map(e => e.getAttribute('src') || e.getAttribute('href'))
        .filter(v => /^\\s*(https?:)?\\/\\//i.test(v))""")
    assert remote == []
    assert page.js("document.querySelectorAll('link, script[src], iframe, img').length") == 0
    page.assert_clean()


def test_card_links_and_sources(page, catalog):
    page.js("spinekg.show('focus', '63304')")
    card = page.page.inner_text("#card")
    assert card.startswith("63304") and catalog["63304"].label in card
    page.page.click("#card button[data-node='63308']")
    page.wait("spinekg.state().focus === '63308'")
    assert "Reported with these primaries" in page.page.inner_text("#card")
    sources = list(getattr(catalog["63308"], "sources", ()) or ())
    if sources:  # the evidence branch adds them: shown as plain text
        assert page.js("document.querySelectorAll('#card .sources li').length") == len(sources)
        assert page.js("document.querySelectorAll('#card .sources a').length") == 0


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
        pos = p.js("spinekg.domPosition('63304')")
        p.page.mouse.move(pos["x"], pos["y"])
        time.sleep(0.5)
        p.page.click("#search")
        p.page.keyboard.type("63304")
        p.wait("!document.getElementById('results').hidden")
        p.js("spinekg.show('family', '63300-63308')")
        p.js("location.hash = '#compare=63304,63300'")
        p.wait("spinekg.state().view === 'compare'")
        assert p.js("document.querySelectorAll('[onerror]').length") == 0
        assert p.js("document.querySelectorAll('img').length") == 0
        assert p.dialogs == []
        p.assert_clean()
    finally:
        p.context.close()
