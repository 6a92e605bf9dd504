"""The network page: the projection, escaping, the command, and the page in a real browser.

Browser tests drive Debian's Chromium (/usr/bin/chromium) headless with playwright-python.
Without Chromium or playwright they are skipped with a reason, except under CI (the CI
variable set), where they fail: CI must never pass without having run them.
"""
import csv
import json
import os
import re
import shutil
from pathlib import Path

import networkx as nx
import pytest

from conftest import MINI, ROOT, run_cli
from icsgraph.build import build_graph
from icsgraph.viz import FocusNotFound, VizError, project, write_page

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = ROOT / "test-artifacts"
HOSTILE = """<script>window.pwned=1</script><img src=x onerror="window.pwned=2"> "double" & 'single' </script><!--"""
HOSTILE_DIRECTORATE = """People <img src=x onerror='window.pwned=3'>"""
HOSTILE_COMMITMENT = """</script><script>window.pwned=4</script>"""


@pytest.fixture(scope="module")
def mini():
    return build_graph(MINI, ROOT / "ontology")


@pytest.fixture(scope="module")
def projection(mini):
    return project(mini)


def _edit_csv(path: Path, key: str, changes: dict):
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        if row["id"] == key:
            row.update(changes)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The mini tables with labels that would run script if inserted as HTML."""
    data = tmp_path_factory.mktemp("hostile") / "data"
    shutil.copytree(MINI, data)
    _edit_csv(data / "mechanisms.csv", "m-move", {"label": HOSTILE})
    _edit_csv(data / "organisations.csv", "hr", {"label": HOSTILE_DIRECTORATE})
    _edit_csv(data / "commitments.csv", "C-SO3-GET-01", {"label": HOSTILE_COMMITMENT})
    return build_graph(data, ROOT / "ontology")


# --- the projection ----------------------------------------------------------------------

def test_projection_keeps_the_classes_officers_explore(projection):
    G = projection
    kinds = {n.split("/")[0] for n in G}
    assert kinds == {"strategy", "outcome", "priority", "enabler", "indicator", "organisation",
                     "commitment", "action", "mechanism", "topic"}
    # not drawn: documents, voices, logframe entries, service involvements
    assert not any(n.startswith(("document/", "voice/", "logframe-entry/", "service-involvement/")) for n in G)
    assert G.nodes["mechanism/m-wardens"]["class"] == "Service"
    assert G.nodes["organisation/get"]["class"] == "Directorate"
    assert G.nodes["strategy/plan-1"]["class"] == "DeliveryPlan"
    assert "mechanism/m-unused" in G  # a mechanism nothing uses is still shown (a gap)
    assert "organisation/kalc" in G  # linked: partner of the strategy
    # topics only when something is tagged with them
    assert "topic/loneliness" in G and "topic/carers" not in G
    assert G.number_of_nodes() == 39 and G.number_of_edges() == 66


def test_projection_edges(projection):
    G = projection
    # an inverse pair (madeBy / madeCommitment) is one edge, named in the declared direction
    assert G.edges["commitment/C-SO2-GET-01", "organisation/get"]["relation"] == "made by"
    assert G.edges["commitment/C-SO2-GET-01", "mechanism/m-wardens"]["relation"] == "delivered through"
    # short-cuts through nodes not drawn
    assert G.edges["organisation/hr", "indicator/I-SO2-1"]["relation"] == "tracks"
    assert G.edges["mechanism/m-wardens", "action/A-GET-01"]["relation"] == "involved in"
    assert G.edges["commitment/C-SO2-GET-01", "topic/loneliness"]["relation"] == "about topic"


def test_node_attributes(projection):
    d = projection.nodes["mechanism/m-wardens"]
    assert d["label"] == "Community Wardens" and d["short_label"] == "Community Wardens"
    # other names are the curated aliases; the exact source wordings ("Community Wardens
    # Objective") are hidden labels, not shown as names
    assert d["alt_labels"] == []
    assert projection.nodes["mechanism/m-libraries"]["alt_labels"] == ["Library Services"]
    assert d["directorates"] == ["Growth and Transport"]
    assert d["outcomes"] == ["SO2", "SO3"]  # SO3 from the "services involved" list
    assert "Loneliness" in d["topics"]
    assert (d["source"], d["source_id"], d["pages"], d["lines"]) == ("A delivery plan", "plan", [5], [50])
    # an outcome, a directorate and a topic belong to themselves only
    assert projection.nodes["outcome/SO2"]["outcomes"] == ["SO2"]
    assert projection.nodes["organisation/get"]["directorates"] == ["Growth and Transport"]
    assert projection.nodes["topic/loneliness"]["topics"] == ["Loneliness"]
    # a long label is shortened on the canvas, kept whole in the label
    long = projection.nodes["commitment/C-SO2-PH-02"]
    assert long["short_label"].endswith("…") and len(long["short_label"]) <= 24
    assert projection.nodes["outcome/SO2"]["short_label"].startswith("SO2 ")


def test_focus_and_slices(mini, tmp_path):
    c = write_page(mini, tmp_path / "f.html", focus="community wardens")
    assert c["nodes"] == 5 and c["focus"] == ["Community Wardens"]
    G = nx.read_graphml(tmp_path / "f.graphml")
    assert set(G) == {"mechanism/m-wardens", "commitment/C-SO2-GET-01", "commitment/C-SO2-GET-02",
                      "action/A-GET-01", "organisation/get"}
    assert write_page(mini, tmp_path / "t.html", focus="loneliness")["focus"] == ["Loneliness"]
    assert write_page(mini, tmp_path / "o.html", focus="SO2", hops=0)["nodes"] == 1
    write_page(mini, tmp_path / "s.html", outcome="so3")
    so3 = nx.read_graphml(tmp_path / "s.graphml")
    assert "outcome/SO3" in so3 and "outcome/SO2" not in so3
    assert all("SO3" in d["outcomes"].split("; ") for _, d in so3.nodes(data=True))
    write_page(mini, tmp_path / "d.html", directorate="GET")  # an alternative label
    get = nx.read_graphml(tmp_path / "d.graphml")
    assert "commitment/C-SO2-GET-01" in get and "commitment/C-SO2-PH-01" not in get
    with pytest.raises(FocusNotFound, match="zebra"):
        write_page(mini, tmp_path / "x.html", focus="zebra crossing")
    assert issubclass(FocusNotFound, ValueError)
    with pytest.raises(VizError, match="SO9"):
        write_page(mini, tmp_path / "x.html", outcome="SO9")
    with pytest.raises(VizError, match="directorates: "):
        write_page(mini, tmp_path / "x.html", directorate="Nowhere")
    assert not (tmp_path / "x.html").exists()


def test_focus_does_not_walk_through_outcomes_directorates_or_topics(mini, tmp_path):
    """Worked out by hand on tests/fixtures/mini (see the neighbour lists in the projection)."""
    # Community Wardens -> its two commitments, action A-GET-01 and directorate GET (hop 1);
    # hop 2 goes on from the commitments and the action, but not through GET, which would add
    # GET's other commitment C-SO3-GET-01, indicator I-SO2-1 and the council.
    c = write_page(mini, tmp_path / "w.html", focus="Community Wardens", hops=2)
    assert set(nx.read_graphml(tmp_path / "w.graphml")) == {
        "mechanism/m-wardens", "commitment/C-SO2-GET-01", "commitment/C-SO2-GET-02", "action/A-GET-01",
        "organisation/get", "mechanism/m-libraries", "outcome/SO2", "outcome/SO3", "priority/P-SO2-1",
        "priority/P-SO2-2", "topic/loneliness", "topic/social-prescribing", "topic/cost-of-living"}
    assert c["scope"] == ("Showing within 2 links of Community Wardens; "
                          "outcome, directorate and topic nodes are not walked through")
    # Loneliness (a topic: the focus is walked from) -> A-GET-01, C-SO2-GET-01, C-SO2-PH-01,
    # I-SO2-1; hop 2 reaches SO2, SO3, GET, PH, HR, a sibling topic (kept, not walked) and
    # P-SO2-2, two services and an activity (walked on); hop 3 adds only C-SO2-GET-02, through
    # the Community Wardens service. C-SO2-PH-02 (reachable only through SO2, PH or P-SO2-1,
    # itself only through SO2) and C-SO3-GET-01 (only through SO3 or GET) stay out.
    write_page(mini, tmp_path / "l.html", focus="loneliness", hops=3)
    lonely = set(nx.read_graphml(tmp_path / "l.graphml"))
    assert lonely == {
        "topic/loneliness", "action/A-GET-01", "commitment/C-SO2-GET-01", "commitment/C-SO2-PH-01",
        "indicator/I-SO2-1", "outcome/SO2", "outcome/SO3", "organisation/get", "organisation/ph",
        "organisation/hr", "topic/social-prescribing", "priority/P-SO2-2", "mechanism/m-libraries",
        "mechanism/m-wardens", "mechanism/m-kalc-work", "commitment/C-SO2-GET-02"}
    assert "commitment/C-SO2-PH-02" not in lonely and "commitment/C-SO3-GET-01" not in lonely
    # with 2 hops the outcomes are the edge of the view anyway: the same 15 nodes either way
    write_page(mini, tmp_path / "l2.html", focus="loneliness", hops=2)
    assert set(nx.read_graphml(tmp_path / "l2.graphml")) == lonely - {"commitment/C-SO2-GET-02"}
    # an outcome as the focus is walked from: SO2 and the 10 nodes linked to it
    one = write_page(mini, tmp_path / "o.html", focus="SO2", hops=1)
    assert one["nodes"] == 11 and one["scope"].startswith("Showing within 1 link of SO2 ")
    assert "walked" not in one["scope"]  # with one hop the rule changes nothing: not mentioned
    # the same rule inside a slice
    write_page(mini, tmp_path / "s.html", focus="Community Wardens", hops=2, directorate="GET")
    assert "commitment/C-SO3-GET-01" not in nx.read_graphml(tmp_path / "s.graphml")


def _crowded(projection, n=60):
    """The mini projection with n more commitments about loneliness, for SO2, made by GET:
    far more nodes around the focus than there is room to name."""
    G = projection.copy()
    template = dict(G.nodes["commitment/C-SO2-GET-01"])
    for i in range(n):
        k = f"commitment/C-X-{i:02d}"
        label = f"Commitment number {i} to support lonely residents in their communities"
        G.add_node(k, **{**template, "label": label, "short_label": label[:23] + "…", "code": ""})
        for other in ("topic/loneliness", "outcome/SO2", "organisation/get"):
            G.add_edge(k, other, relation="test")
    return G


def test_canvas_labels_only_where_they_fit(mini, projection, tmp_path):
    def page_data(path):
        html = Path(path).read_text(encoding="utf-8")
        return json.loads(re.search(r'<script type="application/json" id="ics-data">(.*?)</script>', html, re.S).group(1))

    data = page_data(write_page(_crowded(projection), tmp_path / "c.html", focus="loneliness", hops=2)["page"])
    nodes = {n["id"]: n for n in data["nodes"]}
    labelled = {k for k, n in nodes.items() if "label" in n}
    # the focus (with a dark ring and a bigger label), outcomes and directorates always
    assert {"topic/loneliness", "outcome/SO2", "outcome/SO3", "organisation/get", "organisation/ph",
            "organisation/hr"} <= labelled
    assert nodes["topic/loneliness"]["borderWidth"] == 3 and nodes["topic/loneliness"]["font"]["size"] >= 18
    assert "borderWidth" not in nodes["outcome/SO2"]
    # 60 commitments round one topic: only some are named on the canvas
    crowd = [k for k in nodes if k.startswith("commitment/C-X-")]
    assert 0 < sum(k in labelled for k in crowd) < len(crowd) / 2
    # every node is still named in its tooltip, the panel and the search list
    for k, n in nodes.items():
        assert data["meta"][k]["label"] in n["title"] and data["meta"][k]["short"]
    # the whole mini network (39 nodes): nodes with fewer than sqrt(39)/3 links are not named
    whole = {n["id"]: n for n in page_data(write_page(mini, tmp_path / "w.html")["page"])["nodes"]}
    assert not any("label" in whole[k] for k in ("mechanism/m-kalc-work", "topic/research", "mechanism/m-unused"))
    assert all("label" in whole[k] for k in ("outcome/SO1", "outcome/SO2", "outcome/SO3", "organisation/get",
                                              "organisation/ph", "organisation/hr", "mechanism/m-wardens"))


def test_small_views_are_spread_out(mini, projection, tmp_path):
    """A focus view fills the page at zoom 1 (about 1150 x 720 pixels), with linked nodes
    further apart than the 60 pixels a unit of layout gets in a big graph."""
    write_page(mini, tmp_path / "w.html", focus="Community Wardens", hops=2)
    G = nx.read_graphml(tmp_path / "w.graphml")
    xs, ys = [d["x"] for _, d in G.nodes(data=True)], [d["y"] for _, d in G.nodes(data=True)]
    assert max(xs) - min(xs) > 700 and max(ys) - min(ys) > 450
    lengths = [((G.nodes[a]["x"] - G.nodes[b]["x"]) ** 2 + (G.nodes[a]["y"] - G.nodes[b]["y"]) ** 2) ** 0.5
               for a, b in G.edges()]
    assert sorted(lengths)[len(lengths) // 2] > 100
    # a Kent-sized graph is not spread: 60 pixels a unit of layout, which leaves nodes about
    # half a unit from their nearest neighbour (spread, they would be further apart)
    import numpy as np
    from icsgraph.viz import layout
    P = np.array(list(layout(nx.relabel_nodes(nx.gnm_random_graph(900, 3500, seed=3), str)).values()))
    d2 = ((P[:, None, :] - P[None, :, :]) ** 2).sum(2) + np.eye(len(P)) * 1e12
    assert 20 < np.median(np.sqrt(d2.min(1))) < 45


def test_page_and_graphml_are_written_deterministically(mini, tmp_path):
    a = write_page(mini, tmp_path / "a" / "network.html")
    b = write_page(mini, tmp_path / "b" / "network.html")
    assert (a["nodes"], a["edges"]) == (39, 66)
    assert (tmp_path / "a/network.html").read_bytes() == (tmp_path / "b/network.html").read_bytes()
    G = nx.read_graphml(tmp_path / "a" / "network.graphml")
    assert (G.number_of_nodes(), G.number_of_edges()) == (39, 66)
    assert G.nodes["mechanism/m-wardens"]["class"] == "Service"
    assert b["graphml"].endswith("network.graphml")


def test_focus_page_is_the_same_in_every_process(mini, tmp_path):
    """Python hashes strings differently in each process: a page must not depend on set order
    (G.subgraph(a_set) lists nodes in the set's order when the set is under half the graph)."""
    import subprocess
    import sys
    script = ("import sys; from pathlib import Path; from icsgraph.build import build_graph; "
              "from icsgraph.viz import write_page; g = build_graph(Path(sys.argv[1]), Path(sys.argv[2])); "
              "write_page(g, Path(sys.argv[3]) / 'f.html', focus='Community Wardens', hops=2); "
              "write_page(g, Path(sys.argv[3]) / 's.html', outcome='SO3')")
    for seed in ("1", "2", "3"):
        subprocess.run([sys.executable, "-c", script, str(MINI), str(ROOT / "ontology"), str(tmp_path / seed)],
                       check=True, env={**os.environ, "PYTHONHASHSEED": seed})
    for name in ("f.html", "f.graphml", "s.html", "s.graphml"):
        first = (tmp_path / "1" / name).read_bytes()
        assert all((tmp_path / seed / name).read_bytes() == first for seed in ("2", "3")), name


def test_page_needs_no_network(mini, tmp_path):
    import pyvis
    html = (Path(write_page(mini, tmp_path / "n.html")["page"])).read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//|@import|<link\b|<iframe\b", html, re.I)
    assert "sourceMappingURL" not in html
    # the only URLs left are text inside vis-network (licence notes, the SVG namespace)
    bundle = next((Path(pyvis.__file__).parent / "lib").glob("vis-9*/vis-network.min.js")).read_text(encoding="utf-8")
    assert set(re.findall(r"https?://[^\s\"')]+", html)) <= set(re.findall(r"https?://[^\s\"')]+", bundle))
    assert "default-src 'none'" in html


def test_hostile_text_is_escaped_in_the_file(hostile, tmp_path):
    html = Path(write_page(hostile, tmp_path / "h.html")["page"]).read_text(encoding="utf-8")
    for raw in ("<script>window.pwned", "<img src=x", "</script><script>", "onerror=\"window", "--><"):
        assert raw not in html
    assert html.count("</script>") == 3  # data, vis-network, the page's own: nothing closes one early
    block = re.search(r'<script type="application/json" id="ics-data">(.*?)</script>', html, re.S).group(1)
    assert "<" not in block and ">" not in block
    data = json.loads(block)
    assert data["meta"]["mechanism/m-move"]["label"] == HOSTILE
    assert data["meta"]["organisation/hr"]["label"] == HOSTILE_DIRECTORATE


def test_cli_viz(project):
    code, _, err = run_cli("viz", "--project", project)
    assert code == 1 and "icsgraph build" in err and "Traceback" not in err
    assert run_cli("build", "--project", project)[0] == 0
    code, out, err = run_cli("viz", "--project", project, "--focus", "Community Wardens", "--hops", "1")
    assert code == 0, err
    assert "5 nodes" in out and (project / "build" / "network.html").exists()
    assert (project / "build" / "network.graphml").exists()
    code, out, _ = run_cli("viz", "--project", project, "--out", project / "so3.html", "--outcome", "SO3",
                           "--directorate", "GET")
    assert code == 0 and (project / "so3.graphml").exists()
    code, _, err = run_cli("viz", "--project", project, "--focus", "zebra crossing")
    assert code == 1 and "zebra crossing" in err and "Traceback" not in err


# --- in a real browser ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """A Chromium context with a fresh profile (user-data-dir)."""
    problem = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        problem = "playwright is not installed (pip install -e '.[test]')"
    if problem is None and not os.access(CHROMIUM, os.X_OK):
        problem = f"{CHROMIUM} is missing (apt-get install chromium)"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run under CI: {problem}")
        pytest.skip(problem)
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM, headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 900})
        yield context
        context.close()


class Page:
    """A page opened from file://, recording console errors, requests and dialogs."""

    def __init__(self, context, path: Path):
        self.url = path.resolve().as_uri()
        self.errors, self.requests, self.dialogs = [], [], []
        self.page = context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: r.url != self.url and self.requests.append(r.url))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        # nothing may leave the machine even if a request were made
        self.page.route(re.compile(r"^(?!file:).*"), lambda route: route.abort())
        self.page.goto(self.url)
        # (wait_for_function would need eval, which the page's Content-Security-Policy forbids)
        self.page.wait_for_selector("body[data-ready]", state="attached", timeout=30_000)
        assert self.js("window.icsReady") is True

    def js(self, expression, arg=None):
        return self.page.evaluate(expression, arg)

    def clean(self):
        assert self.errors == [] and self.requests == [] and self.dialogs == []

    def click_node(self, node_id):
        """Click on a node's centre as a user would (zoomed in so nothing overlaps it)."""
        self.js("id => network.focus(id, {scale: 2.5, animation: false})", node_id)
        x, y = self.js("""id => { const p = network.getPositions([id])[id]; const d = network.canvasToDOM(p);
            const r = document.querySelector('#network canvas').getBoundingClientRect();
            return [r.left + d.x, r.top + d.y]; }""", node_id)
        self.page.mouse.click(x, y)
        return x, y


@pytest.fixture(scope="module")
def mini_page(mini, tmp_path_factory):
    return write_page(mini, tmp_path_factory.mktemp("page") / "network.html")


def test_page_loads_offline_with_no_errors(browser, mini_page):
    p = Page(browser, Path(mini_page["page"]))
    p.page.wait_for_timeout(300)
    p.clean()
    assert p.js("document.getElementById('status').textContent").startswith("39 of 39 nodes")
    p.page.close()


def test_drawn_counts_equal_the_projection(browser, mini, projection, tmp_path):
    p = Page(browser, Path(write_page(mini, tmp_path / "n.html")["page"]))
    drawn = p.js("window.ics.counts()")
    assert drawn == {"nodes": projection.number_of_nodes(), "edges": projection.number_of_edges()}
    assert p.js("[icsNodes.length, icsEdges.length]") == [39, 66]
    assert sorted(p.js("network.body.nodeIndices")) == sorted(projection)
    p.page.close()
    focus = write_page(mini, tmp_path / "f.html", focus="SO2", hops=1)
    p = Page(browser, Path(focus["page"]))
    assert p.js("window.ics.counts()") == {"nodes": focus["nodes"], "edges": focus["edges"]}
    p.clean()
    p.page.close()


def test_search_finds_and_selects_community_wardens(browser, mini_page):
    p = Page(browser, Path(mini_page["page"]))
    assert "Community Wardens" in p.js("[...document.querySelectorAll('#labels option')].map(o => o.value)")
    p.page.fill("#search", "Community Wardens")
    p.page.press("#search", "Enter")
    assert p.js("network.getSelectedNodes()") == ["mechanism/m-wardens"]
    assert p.page.text_content("#p-label") == "Community Wardens"
    assert p.page.is_visible("#panel")
    # a link in the panel moves to that neighbour
    p.page.click("#links button[data-node='organisation/get']")
    assert p.js("network.getSelectedNodes()") == ["organisation/get"]
    assert p.page.text_content("#p-label") == "Growth and Transport"
    p.page.click("#reset")
    assert p.js("network.getSelectedNodes()") == [] and not p.page.is_visible("#panel")
    p.clean()
    p.page.close()


def test_filters_hide_what_they_should_and_combine(browser, mini_page, projection):
    G = projection
    p = Page(browser, Path(mini_page["page"]))
    p.page.uncheck("#legend li[data-cls='Commitment'] input")
    shown = set(p.js("network.body.nodeIndices"))
    assert shown == {n for n, d in G.nodes(data=True) if d["class"] != "Commitment"}
    assert p.js("window.ics.counts()")["edges"] == sum(1 for a, b in G.edges() if a in shown and b in shown)
    p.page.select_option("#f-directorate", "Public Health")
    expected = {n for n, d in G.nodes(data=True) if d["class"] != "Commitment" and "Public Health" in d["directorates"]}
    assert set(p.js("network.body.nodeIndices")) == expected
    p.page.select_option("#f-outcome", "SO3")
    assert set(p.js("network.body.nodeIndices")) == {n for n in expected if "SO3" in G.nodes[n]["outcomes"]}
    p.page.click("#reset")
    assert p.js("window.ics.counts()")["nodes"] == G.number_of_nodes()
    p.clean()
    p.page.close()


def test_clicking_a_node_shows_its_source_page(browser, mini_page):
    p = Page(browser, Path(mini_page["page"]))
    p.click_node("mechanism/m-wardens")
    assert p.js("network.getSelectedNodes()") == ["mechanism/m-wardens"]
    facts = p.page.text_content("#p-facts")
    assert "A delivery plan, page 5" in facts and "SO2, SO3" in facts
    assert "Linked to (4)" in p.page.text_content("#p-links-title")
    ARTIFACTS.mkdir(exist_ok=True)
    p.page.wait_for_timeout(400)  # the focus animation
    p.page.screenshot(path=str(ARTIFACTS / "network.png"))
    p.clean()
    p.page.close()


def test_focus_page_names_only_what_fits(browser, projection, tmp_path):
    """The crowded focus view in a browser: the labels vis-network draws (measured with its
    own text metrics) do not overlap; selecting a node names it and all its neighbours;
    "Name every node" names the rest; the heading states the walking rule."""
    G = _crowded(projection)
    p = Page(browser, Path(write_page(G, tmp_path / "c.html", focus="loneliness", hops=2)["page"]))
    assert p.page.text_content("#scope") == ("Showing within 2 links of Loneliness; "
                                             "outcome, directorate and topic nodes are not walked through")
    boxes = p.js("""() => { network.fit({animation: false}); network.redraw(); const out = {};
        for (const id of network.body.nodeIndices) { const n = network.body.nodes[id];
          if (n.options.label === undefined) continue;
          const s = n.labelModule.size, v = n.options.font.vadjust || 0;
          out[id] = [s.left, s.top + v, s.left + s.width, s.top + v + s.height]; }
        return out; }""")
    unnamed = set(p.js("Object.keys(ics.meta)")) - set(boxes)
    assert "topic/loneliness" in boxes and len(unnamed) > 30
    ids = sorted(boxes)
    overlapping = [(a, b) for i, a in enumerate(ids) for b in ids[i + 1:]
                   if min(boxes[a][2], boxes[b][2]) - max(boxes[a][0], boxes[b][0]) > 1
                   and min(boxes[a][3], boxes[b][3]) - max(boxes[a][1], boxes[b][1]) > 1]
    assert overlapping == []
    assert p.js("ics.named()") == []  # nothing selected: only the canvas labels
    ARTIFACTS.mkdir(exist_ok=True)
    p.page.screenshot(path=str(ARTIFACTS / "network-focus.png"))
    # selecting the focus names its unnamed neighbours too (the page draws those itself)
    p.click_node("topic/loneliness")
    assert p.js("network.getSelectedNodes()") == ["topic/loneliness"]
    assert set(p.js("ics.named()")) == {n for n in G["topic/loneliness"] if n in unnamed}
    p.page.wait_for_timeout(400)
    p.page.screenshot(path=str(ARTIFACTS / "network-focus-selected.png"))
    p.page.click("#reset")
    assert p.js("ics.named()") == []
    p.page.check("#all-names")
    assert set(p.js("ics.named()")) == unnamed
    p.page.uncheck("#legend li[data-cls='Commitment'] input")  # hidden nodes are not named
    assert set(p.js("ics.named()")) == {n for n in unnamed if G.nodes[n]["class"] != "Commitment"}
    p.page.uncheck("#all-names")
    assert p.js("ics.named()") == []
    p.clean()
    p.page.close()


def test_hostile_labels_render_as_text_and_run_nothing(browser, hostile, tmp_path):
    p = Page(browser, Path(write_page(hostile, tmp_path / "h.html")["page"]))
    p.page.fill("#search", "Active Kent")  # m-move's other name
    p.page.press("#search", "Enter")
    assert p.page.text_content("#p-label") == HOSTILE
    assert HOSTILE_DIRECTORATE in p.js("[...document.querySelectorAll('#f-directorate option')].map(o => o.text)")
    p.click_node("commitment/C-SO3-GET-01")
    assert p.page.text_content("#p-label") == HOSTILE_COMMITMENT
    # the tooltip shows the label as text
    p.js("network.focus('mechanism/m-move', {scale: 2.5, animation: false})")
    x, y = p.js("""() => { const d = network.canvasToDOM(network.getPositions(['mechanism/m-move'])['mechanism/m-move']);
        const r = document.querySelector('#network canvas').getBoundingClientRect(); return [r.left + d.x, r.top + d.y]; }""")
    p.page.mouse.move(x - 3, y - 3)
    p.page.mouse.move(x, y)
    p.page.wait_for_selector("div.vis-tooltip", state="visible", timeout=5000)
    assert HOSTILE in p.page.text_content("div.vis-tooltip")
    p.page.wait_for_timeout(300)
    ARTIFACTS.mkdir(exist_ok=True)
    p.page.screenshot(path=str(ARTIFACTS / "network-hostile.png"))
    assert p.js("typeof window.pwned") == "undefined"
    assert p.js("document.querySelectorAll('img').length") == 0
    p.clean()  # no dialog, no request (an <img src=x> would have made one), no error
    p.page.close()
