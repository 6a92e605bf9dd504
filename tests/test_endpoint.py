"""Remote stores for real: `publish` and `query --endpoint` agree on the graph by default, an
empty graph says so, logins come from the environment only and are never printed, and every
failure (unreachable, wrong path, refused login, server error, timeout) is one paragraph and
exit status 1. Against the session's Oxigraph and Virtuoso servers (tests/servers.py) and
tiny local HTTP servers that misbehave on purpose."""
import http.server
import json
import os
import subprocess
import sys
import threading
import time

import pytest

from conftest import ROOT
from servers import free_port, unique_graph

DEFAULT_GRAPH = "https://w3id.org/icsgraph/graph"
SECRET = "s3cret-Pa55word-never-shown"


def cli(*args, env=None):
    """The real command line with extra environment variables; (status, stdout, stderr)."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("ICSGRAPH_ENDPOINT_")}
    full.update(env or {})
    proc = subprocess.run([sys.executable, "-m", "icsgraph.cli", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, env=full, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


def assert_one_paragraph_error(status, out, err, *words):
    assert status == 1, (out, err)
    assert "Traceback" not in err and "Traceback" not in out
    text = " ".join(err.split())
    for word in words:
        assert word.lower() in text.lower(), err
    assert err.strip().count("\n\n") == 0, err


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from conftest import MINI, make_project
    project = make_project(tmp_path_factory.mktemp("endpoint"), MINI)
    assert cli("build", "--project", project)[0] == 0
    return project


def local_rows(project, name, *args):
    status, out, err = cli("query", name, *args, "--format", "json", "--project", project)
    assert status == 0, err
    return json.loads(out)


@pytest.mark.parametrize("server", ["oxigraph_server", "virtuoso_server"])
def test_publish_and_query_agree_on_the_graph_without_naming_it(built, server, request):
    server = request.getfixturevalue(server)
    status, out, err = cli("publish", "--endpoint", server.store_url, "--project", built)
    assert status == 0, err
    assert DEFAULT_GRAPH in out and "--graph" not in out
    here = local_rows(built, "services-for-topic", "-p", "topic=loneliness")
    there = local_rows(built, "services-for-topic", "-p", "topic=loneliness", "--endpoint", server.query_url)
    assert here and sorted(map(json.dumps, there)) == sorted(map(json.dumps, here))


@pytest.mark.parametrize("server", ["oxigraph_server", "virtuoso_server"])
def test_zero_rows_from_a_graph_that_holds_nothing_says_so(built, server, request):
    server = request.getfixturevalue(server)
    nothing = unique_graph("never-published")
    status, out, err = cli("query", "outcome-coverage", "--endpoint", server.query_url, "--graph", nothing,
                           "--project", built)
    assert_one_paragraph_error(status, out, err, "holds nothing", nothing, "publish")


def test_a_real_empty_answer_from_a_full_graph_is_not_an_error(built, oxigraph_server):
    graph = unique_graph("full")
    assert cli("publish", "--endpoint", oxigraph_server.store_url, "--graph", graph, "--project", built)[0] == 0
    status, out, err = cli("query", "actions-due", "-p", "before=1900-01-01", "--format", "json",
                           "--endpoint", oxigraph_server.query_url, "--graph", graph, "--project", built)
    assert status == 0, err
    assert json.loads(out) == []


def test_closed_port_is_unreachable(built):
    url = f"http://127.0.0.1:{free_port()}"
    status, out, err = cli("query", "outcome-coverage", "--endpoint", url + "/query", "--project", built)
    assert_one_paragraph_error(status, out, err, "could not reach", url + "/query", "running")
    status, out, err = cli("publish", "--endpoint", url + "/store", "--project", built)
    assert_one_paragraph_error(status, out, err, "could not reach", url + "/store")


@pytest.mark.parametrize("server", ["oxigraph_server", "virtuoso_server"])
def test_wrong_path_on_a_real_server(built, server, request):
    server = request.getfixturevalue(server)
    status, out, err = cli("query", "outcome-coverage", "--endpoint", server.base + "/no-such-sparql",
                           "--project", built)
    assert_one_paragraph_error(status, out, err, "does not exist", "/no-such-sparql", "check the path")


def test_virtuoso_digest_login_from_the_environment_only(built, virtuoso_server):
    v = virtuoso_server
    graph = unique_graph("digest")
    # no login at all
    status, out, err = cli("publish", "--endpoint", v.auth_store_url, "--graph", graph, "--project", built)
    assert_one_paragraph_error(status, out, err, "refused", "ICSGRAPH_ENDPOINT_USER", "ICSGRAPH_ENDPOINT_PASSWORD")
    # the wrong password
    wrong = {"ICSGRAPH_ENDPOINT_USER": v.user, "ICSGRAPH_ENDPOINT_PASSWORD": SECRET}
    status, out, err = cli("publish", "--endpoint", v.auth_store_url, "--graph", graph, "--project", built, env=wrong)
    assert_one_paragraph_error(status, out, err, "refused", "were not accepted")
    assert SECRET not in out + err
    assert cli("query", "outcome-coverage", "--endpoint", v.query_url, "--graph", graph, "--project", built)[0] == 1
    # the right one: published, and nothing of the login printed
    right = {"ICSGRAPH_ENDPOINT_USER": v.user, "ICSGRAPH_ENDPOINT_PASSWORD": v.password}
    status, out, err = cli("publish", "--endpoint", v.auth_store_url, "--graph", graph, "--project", built, env=right)
    assert status == 0, err
    assert v.password not in out + err and v.user not in out + err
    rows = local_rows(built, "outcome-coverage", "--endpoint", v.query_url, "--graph", graph)
    assert rows == local_rows(built, "outcome-coverage")
    # a login written into the URL is refused, and not repeated back
    url = v.auth_store_url.replace("http://", f"http://{v.user}:{SECRET}@")
    status, out, err = cli("publish", "--endpoint", url, "--graph", graph, "--project", built)
    assert_one_paragraph_error(status, out, err, "ICSGRAPH_ENDPOINT_PASSWORD")
    assert SECRET not in out + err


class _Misbehaving(http.server.BaseHTTPRequestHandler):
    mode = "500"

    def do_POST(self):  # noqa: N802
        if self.server.mode == "sleep":
            time.sleep(3)
        body = b"Internal trouble: the disk is full"
        self.send_response(500 if self.server.mode == "500" else 200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass

    do_PUT = do_POST  # noqa: N815

    def log_message(self, *args):
        pass


@pytest.fixture
def misbehaving():
    servers = []

    def start(mode):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Misbehaving)
        server.mode = mode
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"
    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_server_error(built, misbehaving):
    url = misbehaving("500") + "/sparql"
    status, out, err = cli("query", "outcome-coverage", "--endpoint", url, "--project", built)
    assert_one_paragraph_error(status, out, err, "server error", "HTTP 500", "disk is full")
    status, out, err = cli("publish", "--endpoint", url, "--project", built)
    assert_one_paragraph_error(status, out, err, "server error", "HTTP 500")


def test_timeout(built, misbehaving):
    url = misbehaving("sleep") + "/sparql"
    started = time.monotonic()
    status, out, err = cli("query", "outcome-coverage", "--endpoint", url, "--project", built,
                           env={"ICSGRAPH_ENDPOINT_TIMEOUT": "0.5"})
    assert_one_paragraph_error(status, out, err, "did not answer within 0.5 s", "ICSGRAPH_ENDPOINT_TIMEOUT")
    assert time.monotonic() - started < 2.9
    status, out, err = cli("query", "outcome-coverage", "--endpoint", url, "--project", built,
                           env={"ICSGRAPH_ENDPOINT_TIMEOUT": "soon"})
    assert_one_paragraph_error(status, out, err, "ICSGRAPH_ENDPOINT_TIMEOUT", "number of seconds")
