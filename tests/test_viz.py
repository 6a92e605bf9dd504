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
    # a plan or service's topics are its own (mechanisms.csv), not those of every commitment
    # it serves: Community Wardens' commitments are about loneliness, it has no topic itself
    assert d["topics"] == [] and "Loneliness" not in d["topic_filter"]
    move = projection.nodes["mechanism/m-move"]
    assert move["topics"] == ["Physical activity"] and "Physical activity" in move["topic_filter"]
    # other nodes' filter membership still spreads from the work they link to
    assert "Loneliness" in projection.nodes["priority/P-SO2-2"]["topic_filter"]
    assert projection.nodes["commitment/C-SO2-GET-01"]["topics"] == ["Loneliness"]
    assert (d["source"], d["source_id"], d["pages"], d["lines"]) == ("A delivery plan", "plan", [5], [50])
    # an outcome, a directorate and a topic belong to themselves only
    assert projection.nodes["outcome/SO2"]["outcomes"] == ["SO2"]
    assert projection.nodes["organisation/get"]["directorates"] == ["Growth and Transport"]
    assert projection.nodes["topic/loneliness"]["topics"] == ["Loneliness"]
    # a long label is shortened on the canvas, kept whole in the label
    long = projection.nodes["commitment/C-SO2-PH-02"]
    assert long["short_label"].endswith("…") and len(long["short_label"]) <= 24
    assert projection.nodes["outcome/SO2"]["short_label"].startswith("SO2 ")


def _with_a_corrected_kent_baseline(mini):
    """The mini graph plus, for I-SO3-1, a Kent baseline reading corrected by a later revision:
    the replaced one (icsg:replacedBy) must not be shown."""
    from rdflib import Graph, Literal, URIRef
    from rdflib.namespace import XSD
    from icsgraph.namespaces import ICSG, ID, QB, SDMX_ATTRIBUTE, SDMX_DIMENSION, SDMX_MEASURE
    g = Graph()
    g += mini
    ind = URIRef(f"{ID}indicator/I-SO3-1")
    for node, value, replaced in (("I-SO3-1_kent_2019-r1", "30.5", True), ("I-SO3-1_kent_2019", "31.5", False)):
        r = URIRef(f"{ID}reading/{node}")
        g.add((r, QB.dataSet, URIRef(f"{ID}dataset/readings")))
        g.add((r, SDMX_MEASURE.obsValue, Literal(value, datatype=XSD.decimal)))
        g.add((r, SDMX_ATTRIBUTE.unitMeasure, Literal("%")))
        g.add((r, SDMX_DIMENSION.refPeriod, Literal("2019")))
        g.add((r, SDMX_DIMENSION.refArea, Literal("Kent")))
        g.add((ind, ICSG.baselineReading, r))
        if replaced:
            g.add((r, ICSG.replacedBy, URIRef(f"{ID}reading/I-SO3-1_kent_2019")))
    g.add((ind, ICSG.geography, Literal("Kent and Medway")))
    return g


def test_indicator_baseline_comes_from_its_reading(mini):
    """The baseline moved from indicators.csv into readings (RDF Data Cube observations,
    icsg:baselineReading): the panel's facts say it in words, with period, area and source, a
    reading for another area than the indicator's is flagged, and a replaced reading is not shown."""
    facts = project(mini).nodes["indicator/I-SO2-1"]["facts"]
    assert ["Baseline", "7.3% in 2020/21, Kent and Medway; stated in A strategy"] in facts
    assert [f[0] for f in facts][:3] == ["Unit", "Baseline", "Target"]
    assert not any(f[0] == "Baseline period" for f in facts)
    assert ["Baseline", "8% (period not stated), Kent and Medway; stated in A strategy"] in \
        project(mini).nodes["indicator/I-SO2-2"]["facts"]
    baselines = [v for k, v in project(_with_a_corrected_kent_baseline(mini)).nodes["indicator/I-SO3-1"]["facts"]
                 if k == "Baseline"]
    assert baselines == ["22.3% (period not stated), Kent and Medway; stated in A strategy",
                         "31.5% in 2019, Kent (a Kent figure; the indicator is for Kent and Medway)"]
    assert not any(n.startswith("reading/") for n in project(mini))   # readings are facts, not nodes


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


def test_page_data_names_every_node(projection, tmp_path):
    """No node carries a vis-network label (the page writes names itself, at a fixed size on
    screen); every node is named in its tooltip, the panel data and the search list; the
    focus gets a dark ring."""
    html = Path(write_page(_crowded(projection), tmp_path / "c.html", focus="loneliness", hops=2)["page"]).read_text()
    data = json.loads(re.search(r'<script type="application/json" id="ics-data">(.*?)</script>', html, re.S).group(1))
    nodes = {n["id"]: n for n in data["nodes"]}
    assert not any("label" in n or "font" in n for n in nodes.values())
    assert nodes["topic/loneliness"]["borderWidth"] == 3 and "borderWidth" not in nodes["outcome/SO2"]
    for k, n in nodes.items():
        assert data["meta"][k]["display"] in n["title"] and data["meta"][k]["short"]
    assert data["overview"] is None and data["focus"] == ["topic/loneliness"] and data["hops"] == 2


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
              "write_page(g, Path(sys.argv[3]) / 's.html', outcome='SO3'); "
              "write_page(g, Path(sys.argv[3]) / 'w.html')")
    for seed in ("1", "2", "3"):
        subprocess.run([sys.executable, "-c", script, str(MINI), str(ROOT / "ontology"), str(tmp_path / seed)],
                       check=True, env={**os.environ, "PYTHONHASHSEED": seed})
    for name in ("f.html", "f.graphml", "s.html", "s.graphml", "w.html", "w.graphml"):
        first = (tmp_path / "1" / name).read_bytes()
        assert all((tmp_path / seed / name).read_bytes() == first for seed in ("2", "3")), name


def test_page_needs_no_network(mini, tmp_path):
    html = (Path(write_page(mini, tmp_path / "n.html")["page"])).read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//|@import|<link\b|<iframe\b", html, re.I)
    assert "sourceMappingURL" not in html
    # no web address at all but the SVG namespace (an XML name vis-network passes to
    # createElementNS, never fetched); the licence notes keep their words without the scheme
    assert set(re.findall(r"https?://[^\s\"')]+", html)) == {"http://www.w3.org/2000/svg"}
    assert "opensource.org/licenses/MIT" in html
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
    code, out, err = run_cli("viz", "--project", project)
    assert code == 0, err
    whole = (project / "build" / "network.html").read_bytes()
    # a focus view gets its own file, named after the node it found, and leaves the whole map be
    code, out, err = run_cli("viz", "--project", project, "--focus", "community WARDENS", "--hops", "1")
    assert code == 0, err
    assert "5 nodes" in out and "network-m-wardens.html" in out
    assert (project / "build" / "network-m-wardens.html").exists()
    assert (project / "build" / "network-m-wardens.graphml").exists()
    assert (project / "build" / "network.html").read_bytes() == whole
    assert len(nx.read_graphml(project / "build" / "network.graphml")) == 39
    code, out, err = run_cli("viz", "--project", project, "--focus", "loneliness", "--hops", "2")
    assert code == 0 and (project / "build" / "network-loneliness-2-hops.html").exists()
    code, out, err = run_cli("viz", "--project", project, "--outcome", "so3", "--directorate", "GET")
    assert code == 0 and (project / "build" / "network-so3-get.html").exists()
    assert sorted(f.name for f in (project / "build").glob("*.html")) == [
        "network-loneliness-2-hops.html", "network-m-wardens.html", "network-so3-get.html", "network.html"]
    assert (project / "build" / "network.html").read_bytes() == whole
    code, out, _ = run_cli("viz", "--project", project, "--out", project / "so3.html", "--outcome", "SO3",
                           "--directorate", "GET")
    assert code == 0 and (project / "so3.graphml").exists()
    code, _, err = run_cli("viz", "--project", project, "--focus", "zebra crossing")
    assert code == 1 and "zebra crossing" in err and "Traceback" not in err


# --- in a real browser ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """One Chromium for this file, with a fresh profile (user-data-dir). Module scope, not
    session: playwright's sync API allows one running instance per thread, and
    tests/test_web_browser.py starts its own."""
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
        context.add_init_script(MEASURE_TEXT)
        yield context
        context.close()


# How the tests measure the names on the map, independently of the page's own code: before
# any page script runs, CanvasRenderingContext2D.fillText is wrapped so that every text
# drawn on a visible canvas inside #network is recorded with the box its ink covers in
# screen (CSS) pixels - measureText's actualBoundingBox (left, right, ascent, descent
# around the drawing point, for the textAlign and textBaseline in force) mapped through the
# context's current transform (vis-network's pan and zoom, the device pixel ratio) - and its
# size on screen: the font's pixel size times the transform's scale. Whatever draws a name
# (vis-network or the page) is measured the same way.
MEASURE_TEXT = r"""(() => {
  const record = [];
  window.__texts = record;
  const fill = CanvasRenderingContext2D.prototype.fillText;
  CanvasRenderingContext2D.prototype.fillText = function (text, x, y, maxWidth) {
    try {
      const c = this.canvas;
      if (c.closest && c.closest('#network') && c.offsetParent !== null) {
        const m = this.measureText(text), t = this.getTransform(), r = window.devicePixelRatio || 1;
        const size = parseFloat(/([0-9.]+)px/.exec(this.font)[1]);
        const x0 = x - m.actualBoundingBoxLeft, x1 = x + m.actualBoundingBoxRight;
        const y0 = y - m.actualBoundingBoxAscent, y1 = y + m.actualBoundingBoxDescent;
        const pts = [[x0, y0], [x1, y0], [x0, y1], [x1, y1]].map(([a, b]) =>
          [(t.a * a + t.c * b + t.e) / r, (t.b * a + t.d * b + t.f) / r]);
        const xs = pts.map(q => q[0]), ys = pts.map(q => q[1]);
        const rect = c.getBoundingClientRect();
        record.push({text: String(text), px: size * Math.hypot(t.a, t.b) / r,
                     box: [Math.min(...xs) + rect.left, Math.min(...ys) + rect.top, Math.max(...xs) + rect.left, Math.max(...ys) + rect.top]});
      }
    } catch (e) { /* measuring must never break the page */ }
    return fill.apply(this, arguments);
  };
})();"""


def drawn_texts(page):
    """The texts the map draws now (a fresh drawing), with their screen boxes and sizes, kept
    to those inside the visible map."""
    return page.evaluate("""() => new Promise(done => {
        window.__texts.length = 0; network.redraw();
        requestAnimationFrame(() => {
          const r = document.querySelector('#network').getBoundingClientRect();
          done(window.__texts.filter(t => t.box[2] > r.left && t.box[0] < r.right && t.box[3] > r.top && t.box[1] < r.bottom));
        });
      })""")


def overlaps(texts, tolerance=0.5):
    """Pairs of texts whose ink boxes overlap by more than `tolerance` pixels both ways."""
    out = []
    for i, a in enumerate(texts):
        for b in texts[i + 1:]:
            if (min(a["box"][2], b["box"][2]) - max(a["box"][0], b["box"][0]) > tolerance and
                    min(a["box"][3], b["box"][3]) - max(a["box"][1], b["box"][1]) > tolerance):
                out.append((a["text"], b["text"]))
    return out


class Page:
    """A page opened from file://, recording console errors, requests and dialogs."""

    def __init__(self, context, path: Path, fragment: str = ""):
        self.url = path.resolve().as_uri()
        self.errors, self.requests, self.dialogs = [], [], []
        self.page = context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: r.url.split("#")[0].split("?")[0] != self.url and self.requests.append(r.url))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        # nothing may leave the machine even if a request were made
        self.page.route(re.compile(r"^(?!file:).*"), lambda route: route.abort())
        self.page.goto(self.url + fragment)
        # (wait_for_function would need eval, which the page's Content-Security-Policy forbids)
        self.page.wait_for_selector("body[data-ready]", state="attached", timeout=30_000)
        assert self.js("window.icsReady") is True

    def js(self, expression, arg=None):
        return self.page.evaluate(expression, arg)

    def clean(self):
        assert self.errors == [] and self.requests == [] and self.dialogs == []

    def texts(self):
        return drawn_texts(self.page)

    def dom_position(self, node_id):
        return self.js("""id => { const p = network.getPositions([id])[id]; const d = network.canvasToDOM(p);
            const r = document.querySelector('#network').getBoundingClientRect();
            return [r.left + d.x, r.top + d.y]; }""", node_id)

    def click_node(self, node_id, zoom=True):
        """Click on a node's centre as a user would (zoomed in so nothing overlaps it, unless
        zoom is False: then at the zoom the page is at)."""
        if zoom:
            self.js("id => network.focus(id, {scale: 2.5, animation: false})", node_id)
        x, y = self.dom_position(node_id)
        self.page.mouse.click(x, y)
        return x, y


@pytest.fixture(scope="module")
def mini_page(mini, tmp_path_factory):
    return write_page(mini, tmp_path_factory.mktemp("page") / "network.html")


@pytest.fixture(scope="module")
def kent():
    """The real Kent graph, built from data/, and its projection."""
    g = build_graph(ROOT / "data", ROOT / "ontology")
    return g, project(g)


@pytest.fixture(scope="module")
def kent_page(kent, tmp_path_factory):
    return write_page(kent[1], tmp_path_factory.mktemp("kent") / "network.html")


def test_page_loads_offline_with_no_errors(browser, mini_page):
    p = Page(browser, Path(mini_page["page"]))
    p.page.wait_for_timeout(300)
    p.clean()
    assert p.js("ics.view()") == "overview"
    assert p.js("document.getElementById('status').textContent").startswith("Overview: ")
    p.page.close()


def test_drawn_counts_equal_the_projection(browser, mini, projection, tmp_path):
    p = Page(browser, Path(write_page(mini, tmp_path / "n.html")["page"]), "#view=network")
    drawn = p.js("window.ics.counts()")
    assert drawn == {"nodes": projection.number_of_nodes(), "edges": projection.number_of_edges()}
    assert p.js("[icsNodes.length, icsEdges.length]") == [39, 66]
    assert sorted(p.js("network.body.nodeIndices")) == sorted(projection)
    assert p.js("document.getElementById('status').textContent").startswith("39 of 39 nodes")
    p.page.close()
    focus = write_page(mini, tmp_path / "f.html", focus="SO2", hops=1)
    p = Page(browser, Path(focus["page"]))
    assert p.js("window.ics.counts()") == {"nodes": focus["nodes"], "edges": focus["edges"]}
    p.clean()
    p.page.close()


def test_default_view_names_fit_and_read(browser, kent, kent_page):
    """The Kent map opens on the overview: every outcome, priority and directorate named,
    no two names on the map overlapping, none under 11 pixels (measured as MEASURE_TEXT
    says, in a 1400 x 900 window)."""
    G = kent[1]
    p = Page(browser, Path(kent_page["page"]))
    texts = p.texts()
    shown = [t["text"] for t in texts]
    for n, d in G.nodes(data=True):
        if d["class"] in ("SharedOutcome", "Priority", "Directorate"):
            first = (f"{d['code']} " if d["class"] == "SharedOutcome" else "") + d["label"]
            assert any(first.startswith(t.rstrip("…")) for t in shown), f"{n} is not named"
    assert len(texts) >= 35 * 2
    assert min(t["px"] for t in texts) >= 11
    assert overlaps(texts) == []
    # the outcome filter names the outcomes
    options = p.js("[...document.querySelectorAll('#f-outcome option')].map(o => o.text)")
    assert "SO3 Supporting happy and healthy living" in options
    ARTIFACTS.mkdir(exist_ok=True)
    p.page.screenshot(path=str(ARTIFACTS / "network-overview.png"))
    # a smaller window (1280 x 720): the overview fits it again and still names every node
    scale = p.js("network.getScale()")
    p.page.set_viewport_size({"width": 1280, "height": 720})
    for _ in range(50):  # until the page has fitted the overview to the new size
        p.page.wait_for_timeout(100)
        if abs(p.js("network.getScale()") - scale) > 0.01:
            break
    texts = p.texts()
    assert sorted(p.js("ics.named()")) == sorted(n for n, d in G.nodes(data=True)
                                                 if d["class"] in ("SharedOutcome", "Priority", "Directorate"))
    assert min(t["px"] for t in texts) >= 11 and overlaps(texts) == []
    p.page.screenshot(path=str(ARTIFACTS / "network-overview-1280.png"))
    p.clean()
    p.page.close()
    # the whole network (864 nodes) at the zoom it opens at: names only where they fit
    p = Page(browser, Path(kent_page["page"]), "#view=network")
    texts = p.texts()
    assert len(texts) > 30 and min(t["px"] for t in texts) >= 11 and overlaps(texts) == []
    assert {f"{G.nodes[n]['code']} " for n in G if n.startswith("outcome/")} <= {t["text"][:4] for t in texts}
    p.clean()
    p.page.close()


def _in_slice(G, directorate=None, outcome=None):
    return {n for n, d in G.nodes(data=True)
            if (not directorate or directorate in d["directorates"]) and (not outcome or outcome in d["outcomes"])}


def test_filtering_zooms_to_fit_and_counts_follow(browser, kent, kent_page):
    """Public Health + SO3: what is left fills the map (laid out afresh, zoomed to fit), the
    legend counts are those of what is left, and the names drawn still fit and read."""
    G = kent[1]
    p = Page(browser, Path(kent_page["page"]))
    p.page.select_option("#f-directorate", "Public Health")
    p.page.select_option("#f-outcome", "SO3")
    expected = _in_slice(G, "Public Health", "SO3")
    assert set(p.js("network.body.nodeIndices")) == expected and 50 < len(expected) < 200
    box = p.js("""ids => { const r = document.querySelector('#network').getBoundingClientRect();
        const pts = ids.map(id => network.canvasToDOM(network.getPositions([id])[id]));
        return [r.width, r.height, Math.min(...pts.map(q => q.x)), Math.min(...pts.map(q => q.y)),
                Math.max(...pts.map(q => q.x)), Math.max(...pts.map(q => q.y))]; }""", sorted(expected))
    width, height, x0, y0, x1, y1 = box
    assert 0 <= x0 and x1 <= width and 0 <= y0 and y1 <= height  # all in view
    assert (x1 - x0) > 0.6 * width or (y1 - y0) > 0.6 * height  # and filling it
    legend = p.js("Object.fromEntries([...document.querySelectorAll('#legend li')].map(li => [li.dataset.cls, +li.querySelector('.count').textContent]))")
    from collections import Counter
    assert {k: v for k, v in legend.items() if v} == dict(Counter(G.nodes[n]["class"] for n in expected))
    texts = p.texts()
    assert len(texts) > 10 and min(t["px"] for t in texts) >= 11 and overlaps(texts) == []
    ARTIFACTS.mkdir(exist_ok=True)
    p.page.screenshot(path=str(ARTIFACTS / "network-ph-so3.png"))
    # "Name every node" names every node shown, at this zoom
    p.page.check("#all-names")
    named = {t["text"] for t in p.texts()}
    assert {G.nodes[n]["short_label"] for n in expected} <= named
    p.clean()
    p.page.close()


def test_clicking_a_node_names_it_and_its_neighbours(browser, kent, kent_page):
    """At the zoom a filtered view opens at (no zooming in), a click names the node and every
    neighbour shown, at a readable size."""
    G = kent[1]
    p = Page(browser, Path(kent_page["page"]), "#directorate=public-health&outcome=SO3")
    expected = _in_slice(G, "Public Health", "SO3")
    assert set(p.js("network.body.nodeIndices")) == expected
    target = "mechanism/m-community-wardens" if "mechanism/m-community-wardens" in expected else None
    target = target or max(sorted(expected), key=lambda n: (G.nodes[n]["class"] == "Commitment", G.degree(n) < 12, G.degree(n)))
    before = {t["text"] for t in p.texts()}
    x, y = p.dom_position(target)
    # the node is the one under the pointer there
    assert p.js("([x, y]) => { const r = document.querySelector('#network').getBoundingClientRect();"
                " return network.getNodeAt({x: x - r.left, y: y - r.top}); }", [x, y]) == target
    p.page.mouse.click(x, y)
    assert p.js("network.getSelectedNodes()") == [target]
    texts = p.texts()
    named = {t["text"] for t in texts}
    neighbours = [m for m in G[target] if m in expected]
    assert neighbours and not {G.nodes[m]["short_label"] for m in neighbours} <= before
    assert {G.nodes[m]["short_label"] for m in neighbours} <= named
    # the node clicked is named in full, over up to three lines
    first = [t["text"] for t in texts if G.nodes[target]["display"].startswith(t["text"].rstrip("…"))]
    assert first and max(map(len, first)) > 10
    assert min(t["px"] for t in texts) >= 11
    p.clean()
    p.page.close()


def test_overview_opens_a_node_on_click(browser, kent, kent_page, tmp_path):
    p = Page(browser, Path(kent_page["page"]))
    x, y = p.dom_position("outcome/SO4")
    p.page.mouse.click(x, y)
    assert p.js("ics.view()") == "network"
    G = kent[1]
    opened = nx.read_graphml(Path(write_page(G, tmp_path / "so4.html", focus="SO4", hops=1)["page"]).with_suffix(".graphml"))
    assert set(p.js("network.body.nodeIndices")) == set(opened)
    assert p.page.text_content("#p-label") == G.nodes["outcome/SO4"]["label"]
    p.page.click("#to-overview")
    assert p.js("ics.view()") == "overview"
    p.clean()
    p.page.close()


def test_community_wardens_panel_lists_its_own_topics(browser, kent, kent_page):
    """The side panel lists a service's own topics (mechanisms.csv: community-safety;
    loneliness; community-capacity), not the 24 of every commitment it serves."""
    import csv as _csv
    with (ROOT / "data" / "mechanisms.csv").open(encoding="utf-8-sig") as f:
        row = next(r for r in _csv.DictReader(f) if r["id"] == "m-community-wardens")
    G = kent[1]
    own = {G.nodes[f"topic/{t.strip()}"]["label"] for t in row["topics"].split(";") if t.strip()}
    assert len(own) == 3 and set(G.nodes["mechanism/m-community-wardens"]["topics"]) == own
    p = Page(browser, Path(kent_page["page"]))
    p.page.fill("#search", "Community Wardens")
    p.page.press("#search", "Enter")
    facts = p.js("Object.fromEntries([...document.querySelectorAll('#p-facts dt')].map(dt => [dt.textContent, dt.nextElementSibling.textContent]))")
    assert set(facts["Topics"].split(", ")) == own
    assert "Oral health" not in facts["Topics"] and "Smoking" not in facts["Topics"]
    p.clean()
    p.page.close()


def test_duplicate_names_carry_their_directorate(browser, kent, kent_page):
    G = kent[1]
    lonely = sorted(n for n, d in G.nodes(data=True) if d["label"] == "Reduce loneliness")
    assert len(lonely) == 3
    displays = {G.nodes[n]["display"] for n in lonely}
    assert len(displays) == 3
    for n in lonely:
        abbr = [a for d in G.nodes[n]["directorates"] for a in [d, *G.nodes[f"organisation/{_dir_id(G, d)}"]["alt_labels"]]]
        assert any(f"({a}" in G.nodes[n]["display"] for a in abbr), G.nodes[n]["display"]
    p = Page(browser, Path(kent_page["page"]))
    p.page.fill("#search", "Reduce loneliness")
    p.page.press("#search", "Enter")
    assert sorted(p.js("network.getSelectedNodes()")) == lonely
    named = {t["text"] for t in p.texts()}
    assert {G.nodes[n]["short_label"] for n in lonely} <= named
    p.clean()
    p.page.close()


def _dir_id(G, label):
    return next(n.split("/", 1)[1] for n, d in G.nodes(data=True) if d["class"] == "Directorate" and d["label"] == label)


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
    assert not p.page.is_visible("#panel") and p.js("ics.view()") == "overview"
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
    # the legend counts what the other filters leave (Commitment: unticked, still counted)
    assert p.js("document.querySelector('#legend li[data-cls=\"Commitment\"] .count').textContent") == str(
        sum(1 for n, d in G.nodes(data=True) if d["class"] == "Commitment" and "Public Health" in d["directorates"]
            and "SO3" in d["outcomes"]))
    p.page.click("#reset")
    assert p.js("ics.view()") == "overview"
    p.page.click("#to-network")
    assert p.js("window.ics.counts()")["nodes"] == G.number_of_nodes()
    p.clean()
    p.page.close()


def test_clicking_a_node_shows_its_source_page(browser, mini_page):
    p = Page(browser, Path(mini_page["page"]), "#view=network")
    p.click_node("mechanism/m-wardens")
    assert p.js("network.getSelectedNodes()") == ["mechanism/m-wardens"]
    facts = p.page.text_content("#p-facts")
    assert "A delivery plan, page 5" in facts and "SO2 " in facts and "SO3 " in facts
    assert "Linked to (4)" in p.page.text_content("#p-links-title")
    ARTIFACTS.mkdir(exist_ok=True)
    p.page.screenshot(path=str(ARTIFACTS / "network.png"))
    p.clean()
    p.page.close()


def test_clicking_an_indicator_shows_its_baseline_reading(browser, mini, tmp_path):
    p = Page(browser, Path(write_page(_with_a_corrected_kent_baseline(mini), tmp_path / "b.html")["page"]),
             "#view=network")
    p.click_node("indicator/I-SO3-1")
    facts = p.js("[...document.querySelectorAll('#p-facts dt')].filter(dt => dt.textContent === 'Baseline')"
                 ".map(dt => dt.nextElementSibling.textContent)")
    assert facts == ["22.3% (period not stated), Kent and Medway; stated in A strategy",
                     "31.5% in 2019, Kent (a Kent figure; the indicator is for Kent and Medway)"]
    assert "30.5" not in p.page.text_content("#p-facts")
    p.clean()
    p.page.close()


def test_focus_page_names_what_fits(browser, projection, tmp_path):
    """The crowded focus view in a browser: the names drawn do not overlap and read at 11
    pixels or more; selecting the focus names all its neighbours; "Name every node" names
    every node shown; the heading states the walking rule."""
    G = _crowded(projection)
    p = Page(browser, Path(write_page(G, tmp_path / "c.html", focus="loneliness", hops=2)["page"]))
    assert p.page.text_content("#scope") == ("Showing within 2 links of Loneliness; "
                                             "outcome, directorate and topic nodes are not walked through")
    texts = p.texts()
    assert overlaps(texts) == [] and min(t["px"] for t in texts) >= 11
    named = set(p.js("ics.named()"))
    assert "topic/loneliness" in named and len(set(G) - named) > 20  # not every one fits
    ARTIFACTS.mkdir(exist_ok=True)
    p.page.screenshot(path=str(ARTIFACTS / "network-focus.png"))
    p.click_node("topic/loneliness", zoom=False)
    assert p.js("network.getSelectedNodes()") == ["topic/loneliness"]
    assert set(p.js("ics.named()")) == {"topic/loneliness", *G["topic/loneliness"]}
    p.page.click("#close")
    p.page.check("#all-names")
    assert set(p.js("ics.named()")) == set(G.nodes) & set(p.js("network.body.nodeIndices"))
    p.page.uncheck("#legend li[data-cls='Commitment'] input")  # hidden nodes are not named
    assert set(p.js("ics.named()")) == {n for n in p.js("network.body.nodeIndices")}
    assert not any(G.nodes[n]["class"] == "Commitment" for n in p.js("ics.named()"))
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
    x, y = p.dom_position("mechanism/m-move")
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


# --- from a remote store, monitoring status, the page's address ---------------------------

@pytest.mark.parametrize("server", ["oxigraph_server", "virtuoso_server"])
def test_page_from_an_endpoint_is_the_local_page(server, request, mini, tmp_path):
    """viz --endpoint draws the graph a store holds: the page is byte for byte the local one."""
    from servers import unique_graph
    from icsgraph.endpoint import publish
    from icsgraph.viz import load_remote_graph
    store = request.getfixturevalue(server)
    ttl = tmp_path / "graph.ttl"
    mini.serialize(ttl, format="turtle")
    graph = unique_graph("viz")
    publish(ttl, store.store_url, graph)
    local = write_page(mini, tmp_path / "local" / "network.html")
    remote = write_page(load_remote_graph(store.query_url, graph, page_size=700), tmp_path / "remote" / "network.html")
    assert (remote["nodes"], remote["edges"]) == (local["nodes"], local["edges"]) == (39, 66)
    assert Path(remote["page"]).read_bytes() == Path(local["page"]).read_bytes()
    assert Path(remote["graphml"]).read_bytes() == Path(local["graphml"]).read_bytes()


def test_cli_viz_endpoint(oxigraph_server, project, tmp_path):
    from servers import unique_graph
    from icsgraph.endpoint import publish
    assert run_cli("build", "--project", project)[0] == 0
    graph = unique_graph("viz-cli")
    publish(project / "build" / "graph.ttl", oxigraph_server.store_url, graph)
    code, out, err = run_cli("viz", "--project", project, "--endpoint", oxigraph_server.query_url, "--graph", graph,
                             "--focus", "Community Wardens", "--out", tmp_path / "r.html")
    assert code == 0, err
    assert "5 nodes" in out and (tmp_path / "r.html").exists()
    code, _, err = run_cli("viz", "--project", project, "--endpoint", oxigraph_server.query_url,
                           "--graph", unique_graph("nothing-here"), "--out", tmp_path / "e.html")
    assert code == 1 and "holds nothing" in err and "Traceback" not in err and not (tmp_path / "e.html").exists()


def _with_returns(graph):
    """The mini graph with hand-made progress returns in the monitoring vocabulary (COORD.md):
    A-GET-01 on track in 2025-Q3, then at risk in 2025-Q4 (a 2026-Q1 return that was replaced
    does not count); A-PH-01 off track in 2025-Q4; A-PH-02 has none."""
    from rdflib import Graph, Literal, URIRef
    from rdflib.namespace import RDF, SKOS
    from icsgraph.namespaces import ICSG, ID
    g = Graph()
    g += graph
    status = {"on-track": ("On track", "#2e7d32"), "at-risk": ("At risk", "#f0a30a"), "off-track": ("Off track", "#c62828")}
    for i, (key, (label, colour)) in enumerate(status.items()):
        s = URIRef(f"{ID}status/{key}")
        g.add((s, RDF.type, SKOS.Concept))
        g.add((s, SKOS.prefLabel, Literal(label, lang="en")))
        g.add((s, SKOS.notation, Literal(key)))
        g.add((s, ICSG.ragColour, Literal(colour)))
        g.add((s, ICSG.order, Literal(i + 2)))
    for action, period, key, replaced in (("A-GET-01", "2025-Q3", "on-track", False), ("A-GET-01", "2025-Q4", "at-risk", False),
                                          ("A-GET-01", "2026-Q1", "off-track", True), ("A-PH-01", "2025-Q4", "off-track", False)):
        r = URIRef(f"{ID}return/{action}-{period}")
        g.add((r, RDF.type, ICSG.ProgressReturn))
        g.add((r, ICSG.returnFor, URIRef(f"{ID}action/{action}")))
        g.add((r, ICSG.period, Literal(period)))
        g.add((r, ICSG.status, URIRef(f"{ID}status/{key}")))
        if replaced:
            g.add((r, ICSG.replacedBy, URIRef(f"{ID}return/{action}-{period}-2")))
    return g


def test_latest_status_in_the_projection(mini):
    G = project(_with_returns(mini))
    a = G.nodes["action/A-GET-01"]
    assert (a["status"], a["status_colour"], a["status_period"]) == ("At risk", "#f0a30a", "2025-Q4")
    assert G.nodes["action/A-PH-01"]["status"] == "Off track" and G.nodes["action/A-PH-02"]["status"] == ""
    assert "return/A-GET-01-2025-Q4" not in G and not any(n.startswith(("return/", "status/")) for n in G)


def test_page_colours_and_filters_actions_by_status(browser, mini, tmp_path):
    p = Page(browser, Path(write_page(_with_returns(mini), tmp_path / "s.html")["page"]), "#view=network")
    options = p.js("[...document.querySelectorAll('#f-status option')].map(o => o.text)")
    assert options == ["Any status", "At risk", "Off track", "No return yet"]
    # in words and colour: the legend says the word beside the colour, the node has the ring
    legend = p.js("[...document.querySelectorAll('#status-legend li')].map(li => [li.textContent, li.querySelector('.swatch').style.borderColor])")
    assert legend[0][0].startswith("At risk") and legend[0][1] == "rgb(240, 163, 10)"
    assert p.js("icsNodes.get('action/A-GET-01').color.border") == "#f0a30a"
    p.page.select_option("#f-status", "At risk")
    shown = set(p.js("network.body.nodeIndices"))
    assert "action/A-GET-01" in shown and not {"action/A-PH-01", "action/A-PH-02"} & shown
    # the status counts are those of the actions the other filters leave
    counts = p.js("[...document.querySelectorAll('#status-legend li .count')].map(c => +c.textContent)")
    assert counts == [1, 1, 1]
    p.page.select_option("#f-status", "none")
    assert {n for n in p.js("network.body.nodeIndices") if n.startswith("action/")} == {"action/A-PH-02"}
    p.page.select_option("#f-status", "")
    p.click_node("action/A-GET-01")
    assert "At risk (2025-Q4)" in p.page.text_content("#p-facts")
    p.page.close()
    p = Page(browser, Path(write_page(_with_returns(mini), tmp_path / "s.html")["page"]), "?status=off-track")
    assert {n for n in p.js("network.body.nodeIndices") if n.startswith("action/")} == {"action/A-PH-01"}
    # the name on the map carries the status in words
    assert "Off track" in {t["text"] for t in p.texts()}
    p.clean()
    p.page.close()


def test_address_opens_a_view(browser, kent, kent_page, tmp_path):
    """network.html?focus=A-PH-11&hops=2&outcome=SO3 shows what `viz --focus A-PH-11 --hops 2
    --outcome SO3` writes; the address follows what the officer does."""
    G = kent[1]
    ref = write_page(G, tmp_path / "ref.html", focus="A-PH-11", hops=2, outcome="SO3")
    expected = set(nx.read_graphml(Path(ref["graphml"])))
    for sep in ("?", "#"):
        p = Page(browser, Path(kent_page["page"]), f"{sep}focus=A-PH-11&hops=2&outcome=SO3")
        assert p.js("ics.view()") == "network"
        assert set(p.js("network.body.nodeIndices")) == expected
        assert p.page.input_value("#hops") == "2" and p.page.input_value("#f-outcome") == "SO3"
        p.clean()
        p.page.close()
    p = Page(browser, Path(kent_page["page"]), "#directorate=PH&topic=loneliness&view=network")
    assert p.js("ics.state().directorate") == "Public Health" and p.js("ics.state().topic") == "Loneliness"
    p.page.select_option("#f-outcome", "SO2")
    assert "outcome=SO2" in p.js("location.hash") and "directorate=Public" in p.js("location.hash")
    p.clean()
    p.page.close()
    p = Page(browser, Path(kent_page["page"]), "#focus=zebra%20crossing")
    assert "Nothing is called “zebra crossing”" in p.page.text_content("#status")
    p.page.close()
