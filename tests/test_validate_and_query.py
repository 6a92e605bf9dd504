"""`icsgraph validate` (SHACL) and `icsgraph query` on the mini fixture."""
import json

from rdflib import Graph, Literal, URIRef

from conftest import run_cli

NODE = "https://w3id.org/icsgraph/id/"
ICSG = "https://w3id.org/icsgraph/ontology#"


def test_validate_passes_on_good_fixture(project):
    assert run_cli("build", "--project", project)[0] == 0
    status, out, _ = run_cli("validate", "--project", project)
    assert status == 0
    assert "conforms" in out


def test_validate_fails_on_broken_graph(project):
    """A commitment made by two directorates and with no priority breaks the shapes."""
    assert run_cli("build", "--project", project)[0] == 0
    path = project / "build" / "graph.ttl"
    g = Graph().parse(path)
    c = URIRef(NODE + "commitment/C-SO2-PH-01")
    g.add((c, URIRef(ICSG + "madeBy"), URIRef(NODE + "organisation/get")))
    g.add((c, URIRef(ICSG + "underPriority"), URIRef(NODE + "priority/P-SO2-1")))
    o = URIRef(NODE + "outcome/SO1")
    g.remove((o, URIRef(ICSG + "code"), None))
    g.add((o, URIRef(ICSG + "code"), Literal("SO9")))
    g.serialize(path, format="turtle")
    status, out, _ = run_cli("validate", "--project", project)
    assert status == 1
    assert "a commitment is made by exactly one directorate" in out
    assert "a commitment sits under at most one priority" in out
    assert "an outcome code is SO1 to SO6" in out


def query_json(project, *args):
    status, out, err = run_cli("query", *args, "--format", "json", "--project", project)
    assert status == 0, err
    return json.loads(out)


def test_services_for_topic_follows_alt_labels_any_case(project):
    assert run_cli("build", "--project", project)[0] == 0
    by_label = query_json(project, "services-for-topic", "--param", "topic=loneliness")
    by_alt = query_json(project, "services-for-topic", "--param", "topic=SOCIAL ISOLATION")
    assert by_label == by_alt
    # worked out by hand from tests/fixtures/mini: two commitments tagged loneliness (PH and
    # GET) and one action (A-GET-01); no plan or service there has loneliness as its own topic,
    # so none is listed (Community Wardens and Libraries deliver C-SO2-GET-01 but are untagged)
    assert [(r["thing"], r["directorate"], r["outcome"]) for r in by_label] == [
        ("C-SO2-GET-01 Reduce loneliness", "Growth and Transport", "SO2"),
        ("C-SO2-PH-01 Reduce loneliness", "Public Health", "SO2"),
        ("A-GET-01 Expand social prescribing", "Growth and Transport", "SO2; SO3")]
    # Cost of living uses Community Wardens too, but is not about loneliness
    assert "C-SO2-GET-02" not in str(by_label) and "Community Wardens" not in str(by_label)


def test_narrower_topics_are_included(project):
    """'Social prescribing' is narrower than 'Community and voluntary capacity'."""
    assert run_cli("build", "--project", project)[0] == 0
    rows = query_json(project, "services-for-topic", "--param", "topic=voluntary sector")
    assert [(r["thing"], r["why"]) for r in rows] == [
        ("A-GET-01 Expand social prescribing", "the action's topic: Social prescribing")]


def test_hostile_parameter_matches_nothing_and_changes_nothing(project):
    assert run_cli("build", "--project", project)[0] == 0
    before = (project / "build" / "graph.ttl").read_bytes()
    for value in ['loneliness" } ; DROP ALL ; {', "') } UNION { ?s ?p ?o } #", '"}}; CLEAR DEFAULT', "{{topic}}"]:
        status, out, err = run_cli("query", "services-for-topic", "--param", f"topic={value}", "--format", "json",
                                   "--project", project)
        assert status == 1 and out == "" and "there is no topic called" in err  # names nothing: refused
    assert (project / "build" / "graph.ttl").read_bytes() == before
    # punctuation aside, 'loneliness\\' names Loneliness: the node is bound, never the text
    assert query_json(project, "services-for-topic", "--param", "topic=loneliness\\") == \
        query_json(project, "services-for-topic", "--param", "topic=loneliness") != []


def test_values_block_escapes_terms_for_remote_endpoints():
    from icsgraph.queries import with_values_block
    text = with_values_block("SELECT ?x ?_t WHERE { ?x ?p ?_t }", {"_t": Literal('a" } ; DROP ALL ; {')})
    assert text == 'SELECT ?x ?_t WHERE { VALUES (?_t) { ("a\\" } ; DROP ALL ; {") }  ?x ?p ?_t }'


def test_values_block_reaches_nested_groups():
    """A FILTER in a nested group only sees a value bound inside that group."""
    from icsgraph.queries import with_values_block
    text = with_values_block('SELECT ?s WHERE { { ?s ?p ?o . FILTER(?o = ?_t) } UNION { ?s ?q "}" } }',
                             {"_t": Literal("x")})
    assert text == ('SELECT ?s WHERE { { VALUES (?_t) { ("x") }  ?s ?p ?o . FILTER(?o = ?_t) } '
                    'UNION { ?s ?q "}" } }')
    # a less-than sign is not an IRI; an IRI's characters are skipped
    text = with_values_block("SELECT ?s WHERE { ?s <http://x/p> ?d . { FILTER(?d < ?_t) } }", {"_t": Literal(3)})
    assert text == ('SELECT ?s WHERE { ?s <http://x/p> ?d . { VALUES (?_t) { ("3"^^<http://www.w3.org/2001/XMLSchema#integer>) }  '
                    'FILTER(?d < ?_t) } }')


def test_query_formats(project):
    assert run_cli("build", "--project", project)[0] == 0
    status, out, _ = run_cli("query", "services-for-topic", "-p", "topic=loneliness", "--format", "csv",
                             "--project", project)
    assert status == 0 and out.startswith("\ufeff")  # a byte-order mark, for Excel
    header = out[1:].splitlines()[0].split(",")
    assert "Directorates" in header and not [h for h in header if "_" in h]  # plain-word titles
    status, out, _ = run_cli("query", "services-for-topic", "-p", "topic=loneliness", "--format", "md",
                             "--project", project)
    assert status == 0 and out.startswith("| ") and "| Directorates |" in out.splitlines()[0]
    target = project / "answer.json"
    status, _, _ = run_cli("query", "services-for-topic", "-p", "topic=loneliness", "--format", "json",
                           "--out", target, "--project", project)
    rows = json.loads(target.read_text())
    assert status == 0 and rows and {"mechanism", "directorate", "via", "outcome"} <= set(rows[0])


def test_user_errors_exit_1_with_a_message(project):
    assert run_cli("build", "--project", project)[0] == 0
    status, _, err = run_cli("query", "no-such-query", "--project", project)
    assert status == 1 and "there is no canned query 'no-such-query'" in err and "Traceback" not in err
    status, _, err = run_cli("query", "services-for-topic", "--project", project)
    assert status == 1 and "needs --param topic=VALUE" in err
    status, _, err = run_cli("query", "services-for-topic", "-p", "colour=red", "--project", project)
    assert status == 1 and "has no parameter 'colour'" in err


def test_usage_error_exits_2(project):
    status, _, _ = run_cli("query", "--no-such-flag", "--project", project)
    assert status == 2


def test_python_api_returns_rows(project):
    from icsgraph import build, run_query
    build(project / "data", project / "ontology", project / "build" / "graph.ttl")
    rows = run_query("services-for-topic", graph_path=project / "build" / "graph.ttl",
                     queries_dir=project / "queries", topic="Loneliness")
    assert {"mechanism", "directorate", "via", "outcome"} <= set(rows[0])


def test_query_help_shows_the_query_documentation(project):
    status, out, _ = run_cli("query", "services-for-topic", "--help", "--project", project, cwd=project)
    assert status == 0
    assert out.startswith("services-for-topic: Plans, services, commitments and actions on a topic")
    assert "--param topic=VALUE" in out and "loneliness" in out
    assert "--format" in out  # and then the command's own options
