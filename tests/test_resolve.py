"""Names resolve or fail loudly: icsgraph.resolve, the canned queries' named parameters and
`icsgraph topics`.

The expectations are written from the tables (tests/fixtures/gaps, data/) and
ontology/topics.ttl, read here with the csv module and rdflib, not from the code under test.
"""
import csv
import json
import shutil

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from conftest import ROOT, run_cli
from icsgraph.build import build_graph
from icsgraph.queries import QueryError, run_query
from icsgraph.resolve import NameNotFound, choices, normalise, resolve

FIXTURE = ROOT / "tests" / "fixtures" / "gaps"
ID = "https://w3id.org/icsgraph/id/"
TOPIC = "https://w3id.org/icsgraph/topic/"


def oxigraph(g):
    ox = Graph(store="Oxigraph")
    ox += g
    return ox


@pytest.fixture(scope="module")
def graphs():
    g = build_graph(FIXTURE, ROOT / "ontology")
    return {"rdflib": g, "oxigraph": oxigraph(g)}


@pytest.fixture(scope="module")
def real():
    return oxigraph(build_graph(ROOT / "data", ROOT / "ontology"))


@pytest.fixture(scope="module")
def gaps_project(tmp_path_factory):
    root = tmp_path_factory.mktemp("resolve-project")
    for name, src in (("ontology", ROOT / "ontology"), ("queries", ROOT / "queries"), ("data", FIXTURE)):
        shutil.copytree(src, root / name)
    assert run_cli("build", "--project", root)[0] == 0
    return root


@pytest.mark.parametrize("engine", ["rdflib", "oxigraph"])
@pytest.mark.parametrize("kind,text,expected", [
    ("topic", "Loneliness", TOPIC + "loneliness"),            # its name
    ("topic", "SOCIAL ISOLATION", TOPIC + "loneliness"),      # another name, other case
    ("topic", "physical-activity", TOPIC + "physical-activity"),  # its id in the tables
    ("mechanism", "library services", ID + "mechanism/m-libraries"),          # an alias
    ("mechanism", "Move Together – Active Kent", ID + "mechanism/m-move"),    # punctuation aside
    ("mechanism", "Community Warden", ID + "mechanism/m-wardens"),            # the start of a name
    ("mechanism", "nobody uses", ID + "mechanism/m-unused"),                  # a part of a name
    ("outcome", "so 3", ID + "outcome/SO3"),                   # a code, spacing aside
    ("outcome", "Happy living", ID + "outcome/SO3"),           # an outcome by name
    ("directorate", "public health", ID + "organisation/ph"),
    ("directorate", "ph", ID + "organisation/ph"),
    ("indicator", "i-so2-1", ID + "indicator/I-SO2-1"),
    ("action", "A-PH-04", ID + "action/A-PH-04"),
    ("priority", "P-SO2-2", ID + "priority/P-SO2-2"),
])
def test_names_resolve(graphs, engine, kind, text, expected):
    assert resolve(kind, text, graph=graphs[engine]) == URIRef(expected)


def test_a_misspelt_topic_fails_with_the_closest_names(graphs):
    with pytest.raises(NameNotFound) as e:
        resolve("topic", "lonliness", graph=graphs["oxigraph"])
    assert isinstance(e.value, QueryError)
    assert e.value.suggestions[0] == "Loneliness"
    assert "lonliness" in str(e.value) and "Did you mean: Loneliness" in str(e.value)


def test_a_part_several_names_share_is_refused_listing_them(graphs):
    with pytest.raises(NameNotFound):   # two letters are too short to be a part of a name
        resolve("mechanism", "li", graph=graphs["oxigraph"])
    with pytest.raises(NameNotFound) as e:
        resolve("directorate", "and", graph=graphs["oxigraph"])   # "Growth and Transport", "Children and Young People"
    assert set(e.value.suggestions) == {"Growth and Transport", "Children and Young People"}
    assert "2 directorates" in str(e.value)


def test_the_python_api_raises_the_same_error(graphs):
    for engine, g in graphs.items():
        with pytest.raises(NameNotFound, match="Did you mean: Loneliness"):
            run_query("services-for-topic", graph=g, topic="lonliness")
        with pytest.raises(NameNotFound, match="no plan, service or programme called 'Wardns of the county'"):
            run_query("mechanism-profile", graph=g, mechanism="Wardns of the county")


def test_normalise():
    assert normalise("Move Together – Active Kent") == normalise("move together - active  kent") == "move together active kent"
    assert normalise("KCC Human Resources & Organisation Development") == "kcc human resources and organisation development"
    assert normalise("Café") == "cafe"


def test_choices_for_forms(graphs):
    outcomes = choices("outcome", graph=graphs["oxigraph"])
    with (FIXTURE / "outcomes.csv").open(encoding="utf-8") as f:
        expected = [(r["id"], r["label"]) for r in csv.DictReader(f)]
    assert [(o["code"], o["label"]) for o in outcomes] == expected
    assert set(outcomes[0]) >= {"iri", "label", "code", "alt_labels"}
    libraries = [m for m in choices("mechanism", graph=graphs["rdflib"]) if m["label"] == "Libraries"]
    assert libraries == [{"iri": ID + "mechanism/m-libraries", "label": "Libraries", "code": "m-libraries",
                          "alt_labels": ["Library Services"]}]


# --- the real data: the examples ---------------------------------------------------

def test_real_community_warden_resolves_wardens_is_ambiguous(real):
    assert resolve("mechanism", "Community Warden", graph=real) == URIRef(ID + "mechanism/m-community-wardens")
    # 'Wardens' is in two names: Community Wardens and "Esther improvement coaching (Community Wardens)"
    with open(ROOT / "data" / "mechanisms.csv", encoding="utf-8") as f:
        named = sorted(r["label"] for r in csv.DictReader(f) if "wardens" in r["label"].lower())
    with pytest.raises(NameNotFound) as e:
        resolve("mechanism", "Wardens", graph=real)
    assert sorted(e.value.suggestions) == named and len(named) == 2


def test_real_every_topic_resolves_by_each_of_its_names(real):
    topics = Graph().parse(ROOT / "ontology" / "topics.ttl")
    for t in topics.subjects(RDF.type, SKOS.Concept):
        names = list(topics.objects(t, SKOS.prefLabel)) + list(topics.objects(t, SKOS.altLabel))
        for name in names:
            others = [u for u in topics.subjects(SKOS.altLabel, name) if u != t] + \
                     [u for u in topics.subjects(SKOS.prefLabel, name) if u != t] + \
                     [u for u in topics.subjects(RDF.type, SKOS.Concept)   # another topic's id
                      if u != t and str(u).rsplit("/", 1)[-1].replace("-", " ") == str(name).lower()]
            if not others:
                assert resolve("topic", str(name), graph=real) == t, name


# --- the command line -----------------------------------------------------------------------

def test_cli_misspelt_topic_exits_1_with_suggestion_and_no_rows(gaps_project):
    status, out, err = run_cli("query", "services-for-topic", "-p", "topic=lonliness", "--project", gaps_project)
    assert status == 1 and out == ""
    assert "Did you mean: Loneliness" in err and "Traceback" not in err and "row(s)" not in out + err


def test_cli_partial_service_name_resolves(gaps_project):
    status, out, err = run_cli("query", "mechanism-profile", "-p", "mechanism=Community Warden", "--format", "json",
                               "--project", gaps_project)
    assert status == 0, err
    rows = json.loads(out)
    assert rows and {r["mechanism"] for r in rows} == {"Community Wardens"}


def test_cli_topics_lists_every_topic_with_its_other_names(gaps_project):
    topics = Graph().parse(ROOT / "ontology" / "topics.ttl")
    expected = {str(topics.value(t, SKOS.prefLabel)): sorted(map(str, topics.objects(t, SKOS.altLabel)), key=str.casefold)
                for t in topics.subjects(RDF.type, SKOS.Concept)}
    status, out, err = run_cli("topics", "--format", "json", "--project", gaps_project)
    assert status == 0, err
    listed = {r["topic"]: r["other_names"] for r in json.loads(out)}
    assert listed == {k: "; ".join(v) for k, v in expected.items()}
    alcohol = next(r for r in json.loads(out) if r["topic"] == "Alcohol")
    assert alcohol["broader"] == "Substance misuse"
    status, out, _ = run_cli("topics", "--project", gaps_project)
    assert status == 0 and "Loneliness" in out and "social isolation" in out
