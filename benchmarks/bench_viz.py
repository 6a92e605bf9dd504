"""Network page: time to interactive in headless Chromium (printed, not asserted).

For the real build/graph.ttl when it exists (the whole network, and the focus view
`--focus loneliness --hops 2`), and for synthetic Kent-shaped graphs at 1x and 5x (1x = ~300
commitments, ~400 mechanisms, ~90 actions, ~60 indicators). Times:
  python    projection + layout + page writing (what `icsgraph viz` spends)
  ready     navigation start -> the page sets window.icsReady (first complete drawing;
            positions are precomputed and physics is off, so that drawing is final). The
            whole map opens on the overview; "ready net" is the same for #view=network
  select    search + neighbourhood highlight + side panel for one node (network view)
  filter    one directorate filter on (the rest laid out afresh, zoomed to fit), then off
  names     names drawn on the map at the opening view, and the smallest on screen in pixels
            (measured from fillText calls, as tests/test_viz.py does)

    python benchmarks/bench_viz.py [--runs 3]
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from icsgraph.build import load_ontology, tables_to_graph, topic_ids  # noqa: E402
from icsgraph.namespaces import ICSG  # noqa: E402
from icsgraph.tables import Row  # noqa: E402
from icsgraph.viz import project, write_page  # noqa: E402
from rdflib import RDF, SKOS  # noqa: E402

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DIRECTORATES = ["cype", "public-health", "get", "asch", "hrod", "procurement", "infrastructure", "communities"]
WORDS = ("support healthy community family wellbeing service plan programme partnership local county "
         "prevention access housing transport carers loneliness skills digital mental health physical "
         "activity children young people older adults safety climate employment").split()


def _row(table, **values):
    values.setdefault("source", "delivery-plan")
    values.setdefault("page", [1])
    values.setdefault("line", [1])
    return Row(table, 2, values)


def synthetic_graph(scale: float = 1.0, seed: int = 1):
    """A Kent-shaped graph: the real ontology and topics, made-up tables at `scale` x Kent."""
    rnd = random.Random(seed)
    onto, topics = load_ontology(ROOT / "ontology")
    tids = sorted(topic_ids(topics))

    def n(base):
        return max(1, round(base * scale))

    def words(k=4):
        return " ".join(rnd.choice(WORDS) for _ in range(k)).capitalize()

    def some(seq, lo, hi):
        return rnd.sample(seq, rnd.randint(lo, min(hi, len(seq))))

    t = {name: [] for name in ("documents", "strategies", "outcomes", "priorities", "enablers", "organisations",
                               "indicators", "voices", "mechanisms", "commitments", "commitment_mechanisms",
                               "actions", "action_services", "logframe")}
    t["documents"].append(Row("documents", 2, {"id": "delivery-plan", "file": "plan.txt", "title": "Delivery plan"}))
    t["strategies"].append(_row("strategies", id="km-ics", type="Strategy", label="Integrated Care Strategy"))
    t["strategies"].append(_row("strategies", id="plan", type="DeliveryPlan", label="Delivery Plan", delivers="km-ics"))
    outcomes = [f"SO{i}" for i in range(1, 7)]
    for o in outcomes:
        t["outcomes"].append(_row("outcomes", id=o, label=words(5), strategy="km-ics"))
    priorities = []
    for i in range(21):
        o = outcomes[i % 6]
        priorities.append((f"P-{o}-{i}", o))
        t["priorities"].append(_row("priorities", id=f"P-{o}-{i}", outcome=o, label=words(8)))
    for i in range(1, 4):
        t["enablers"].append(_row("enablers", id=f"E{i}", label=words(6), strategy="km-ics"))
    t["organisations"].append(_row("organisations", id="kcc", type="Organisation", label="Kent County Council",
                                   role="statutory-partner"))
    for d in DIRECTORATES:
        t["organisations"].append(_row("organisations", id=d, type="Directorate", label=d.upper(), parent="kcc"))
    orgs = [f"org-{i}" for i in range(n(15))]
    for o in orgs:
        t["organisations"].append(_row("organisations", id=o, type="Organisation", label=words(3), role="partner"))
    indicators = [f"I-{i}" for i in range(n(60))]
    for i in indicators:
        t["indicators"].append(_row("indicators", id=i, outcome=rnd.choice(outcomes), label=words(4), text=words(12),
                                    status="defined", topics=some(tids, 1, 2)))
    mechanisms = [f"m-{i}" for i in range(n(400))]
    for m in mechanisms:
        t["mechanisms"].append(_row("mechanisms", id=m, type=rnd.choice(["Plan", "Service", "Programme", "Partnership", "Activity"]),
                                    label=words(rnd.randint(2, 7)), run_by=rnd.choice(DIRECTORATES + orgs + [None] * 10),
                                    topics=some(tids, 0, 2)))
    hubs = mechanisms[: max(5, len(mechanisms) // 20)]  # a few cross-cutting plans used a lot
    for i in range(n(300)):
        p, o = rnd.choice(priorities)
        c = f"C-{i}"
        t["commitments"].append(_row("commitments", id=c, directorate=rnd.choice(DIRECTORATES), outcome=o, priority=p,
                                     label=words(rnd.randint(3, 12)), topics=some(tids, 1, 3)))
        for m in set(some(mechanisms, 1, 3) + (some(hubs, 0, 1))):
            t["commitment_mechanisms"].append(Row("commitment_mechanisms", 2, {"commitment": c, "mechanism": m, "as_written": words(3)}))
    actions = [f"A-{i}" for i in range(n(90))]
    for a in actions:
        t["actions"].append(_row("actions", id=a, directorate=rnd.choice(DIRECTORATES), title=words(6), text=words(20),
                                 lead=words(2), timescale="March 2026", due_date="2026-03-31", measure=words(5),
                                 outcomes=some(outcomes, 1, 3), enabler=rnd.choice(["E1", "E2", "E3"] + [None] * 8),
                                 topics=some(tids, 1, 3)))
    for i in range(n(30)):
        t["action_services"].append(_row("action_services", id=f"AS-{i}", actions=some(actions, 1, 3), directorate="get",
                                         mechanism=rnd.choice(mechanisms), outcomes=some(outcomes, 1, 2)))
    for i in range(n(60)):
        t["logframe"].append(_row("logframe", id=f"LF-{i}", directorate=rnd.choice(DIRECTORATES),
                                  indicator=rnd.choice(indicators), text=words(8)))
    g = tables_to_graph(t)
    for s in topics.subjects(RDF.type, SKOS.Concept):
        g.add((s, RDF.type, ICSG.Topic))
    g += topics
    g += onto
    return g


MEASURE = r"""(() => {
  const record = [];
  window.__texts = record;
  const fill = CanvasRenderingContext2D.prototype.fillText;
  CanvasRenderingContext2D.prototype.fillText = function (text, x, y) {
    const c = this.canvas;
    if (c.closest && c.closest('#network') && c.offsetParent !== null) {
      const t = this.getTransform();
      record.push(parseFloat(/([0-9.]+)px/.exec(this.font)[1]) * Math.hypot(t.a, t.b) / (window.devicePixelRatio || 1));
    }
    return fill.apply(this, arguments);
  };
})();"""


def time_page(page: Path, browser, runs: int) -> dict:
    """Median seconds to window.icsReady (overview and network view), to a search+select, and
    to a filter round trip; the names drawn at the opening view and the smallest of them."""
    ready, ready_net, select, filt, names = [], [], [], [], []
    for _ in range(runs):
        for fragment, into in (("", ready), ("#view=network", ready_net)):
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            context.add_init_script(MEASURE)
            pg = context.new_page()
            pg.goto(page.as_uri() + fragment, wait_until="commit")
            pg.wait_for_selector("body[data-ready]", state="attached", timeout=120_000)  # set with window.icsReady
            into.append(pg.evaluate("window.icsReadyAt") / 1000)
            if not fragment:
                sizes = pg.evaluate("""() => new Promise(r => { window.__texts.length = 0; network.redraw();
                    requestAnimationFrame(() => r(window.__texts.slice())); })""")
                names.append((len(sizes), min(sizes) if sizes else 0))
                context.close()
                continue
            label = pg.evaluate("(() => { const m = window.ics.meta; const ids = Object.keys(m);"
                                " return m[ids[Math.floor(ids.length / 2)]].display; })()")
            select.append(pg.evaluate("""label => { const t = performance.now(); window.ics.search(label);
                return new Promise(r => requestAnimationFrame(() => r((performance.now() - t) / 1000))); }""", label))
            filt.append(pg.evaluate("""() => { const t = performance.now();
                const s = document.getElementById('f-directorate');
                s.selectedIndex = 1; s.dispatchEvent(new Event('change'));
                s.selectedIndex = 0; s.dispatchEvent(new Event('change'));
                return new Promise(r => requestAnimationFrame(() => r((performance.now() - t) / 1000))); }"""))
            context.close()
    med = lambda xs: sorted(xs)[len(xs) // 2]  # noqa: E731
    return {"ready": med(ready), "ready_net": med(ready_net), "select": med(select), "filter": med(filt),
            "names": names[0]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--scales", default="1,5")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    cases = []
    real = ROOT / "build" / "graph.ttl"
    if real.exists():
        from rdflib import Graph
        cases.append(("build/graph.ttl", lambda: Graph().parse(real), {}))
        cases.append(("  loneliness 2 hops", lambda: Graph().parse(real), {"focus": "loneliness", "hops": 2}))
    else:
        print("build/graph.ttl not found: run 'icsgraph build' to include the real graph")
    for s in args.scales.split(","):
        cases.append((f"synthetic {s}x", lambda s=float(s): synthetic_graph(s), {}))

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        print(f"{'graph':<20}{'nodes':>7}{'edges':>7}{'page MB':>9}{'python s':>10}{'ready s':>9}{'ready net':>10}"
              f"{'select s':>10}{'filter s':>10}{'names':>7}{'min px':>8}")
        for name, load, view in cases:
            g = load()
            t0 = time.perf_counter()
            G = project(g)
            page = Path(tmp) / "network.html"
            counts = write_page(G, page, **view)
            py = time.perf_counter() - t0
            r = time_page(page, browser, args.runs)
            print(f"{name:<20}{counts['nodes']:>7}{counts['edges']:>7}{page.stat().st_size / 1e6:>9.2f}{py:>10.2f}"
                  f"{r['ready']:>9.2f}{r['ready_net']:>10.2f}{r['select']:>10.2f}{r['filter']:>10.2f}"
                  f"{r['names'][0]:>7}{r['names'][1]:>8.1f}", flush=True)
        browser.close()


if __name__ == "__main__":
    main()
