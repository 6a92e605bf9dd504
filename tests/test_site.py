"""`icsgraph site` and `icsgraph all`'s site: every page written, relative links that all
resolve to files of the site, nothing from another site, each node beside its .ttl and
.jsonld, each named parameter answered for every value, byte-identical twice."""
import filecmp
import json
import re
import shutil

import pytest
from rdflib import Graph, URIRef

from conftest import MINI, ROOT, make_project, run_cli
from icsgraph.web.site import check_links


@pytest.fixture(scope="module")
def mini(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("mini-site"), MINI)
    shutil.copytree(ROOT / "data" / "sources", project / "data" / "sources")
    assert run_cli("build", "--project", project)[0] == 0
    return project


@pytest.fixture(scope="module")
def site(mini):
    status, out, err = run_cli("site", "--project", mini, "--out", mini / "site")
    assert status == 0, err
    assert re.search(r"Wrote \d+ pages \(\d+ files, [\d.]+ MB\) in \d+ s\. Open .*index\.html", out), out
    return mini / "site"


def test_links_resolve_and_nothing_comes_from_another_site(site):
    assert check_links(site) == []
    for f in site.rglob("*"):
        if f.suffix in (".html", ".css", ".js"):
            text = f.read_text(encoding="utf-8")
            # no address of another site in any attribute, stylesheet or script source
            assert not re.search(r"""(src|href|action)\s*=\s*["']?(https?:)?//""", text, re.I), f
            assert not re.search(r"url\(\s*['\"]?(https?:)?//", text, re.I), f
            assert "@import" not in text, f


def test_the_link_checker_finds_a_broken_link(site, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(site, copy)
    (copy / "index.html").write_text((copy / "index.html").read_text(encoding="utf-8")
                                     .replace("</main>", '<a href="queries/nowhere.html">x</a>'
                                              '<img src="https://example.org/x.png"></main>'), encoding="utf-8")
    problems = check_links(copy)
    assert any("nowhere.html" in p for p in problems) and any("example.org" in p for p in problems)


def test_every_node_page_sits_beside_its_turtle_and_json_ld(site, mini):
    graph = Graph().parse(mini / "build" / "graph.ttl")
    subjects = {str(s) for s in graph.subjects() if str(s).startswith("https://w3id.org/icsgraph/id/")}
    pages = list((site / "id").rglob("*.html"))
    assert len(pages) >= len({s for s in subjects if (URIRef(s), None, None) in graph}) * 0.9
    page = site / "id" / "mechanism" / "m-wardens.html"
    html = page.read_text(encoding="utf-8")
    assert '<link rel="alternate" type="text/turtle" href="m-wardens.ttl">' in html
    g = Graph().parse(page.with_suffix(".ttl"))
    me = URIRef("https://w3id.org/icsgraph/id/mechanism/m-wardens")
    assert set(g.triples((me, None, None))) == set(graph.triples((me, None, None)))
    assert set(Graph().parse(page.with_suffix(".jsonld"), format="json-ld").triples((me, None, None))) == \
        set(graph.triples((me, None, None)))


def test_every_topic_is_answered(site, mini):
    from icsgraph.project import Paths
    from icsgraph.web import make_app
    from icsgraph.web.nodes import choices
    web = make_app(Paths(mini)).state.web
    topics = choices(web, "topic")
    assert topics
    folder = site / "queries" / "services-for-topic"
    assert len(list(folder.glob("*.html"))) == len(topics)
    assert (folder / "loneliness.html").exists()
    rows = json.loads((site / "api" / "queries" / "services-for-topic" / "loneliness.json").read_text(encoding="utf-8"))
    status, out, _ = run_cli("query", "services-for-topic", "-p", "topic=Loneliness", "--format", "json",
                             "--project", mini)
    assert rows == json.loads(out)
    # the question page's form knows every topic's other names, for the in-page submit
    html = (site / "queries" / "services-for-topic.html").read_text(encoding="utf-8")
    assert "social isolation" in html and "data-static-form" in html


def test_site_is_byte_identical_twice(site, mini):
    status, _, err = run_cli("site", "--project", mini, "--out", mini / "site2")
    assert status == 0, err
    cmp = filecmp.dircmp(site, mini / "site2")

    def differences(c):
        out = c.left_only + c.right_only + c.diff_files
        for sub in c.subdirs.values():
            out += differences(sub)
        return out
    assert differences(cmp) == []


def test_all_writes_the_site_and_prints_its_index(mini, tmp_path):
    status, out, err = run_cli("all", "--project", mini, "--out", tmp_path / "out")
    assert (tmp_path / "out" / "site" / "index.html").exists(), err
    assert str(tmp_path / "out" / "site" / "index.html") in out.replace("\n", "")
