"""Real SPARQL servers for the tests, one of each per test session, on free loopback ports.

- `oxigraph_server`: an empty, read-write Oxigraph server (`oxigraph serve`).
- `virtuoso_server`: Virtuoso 7 from the Debian package `virtuoso-opensource`, with a fresh
  database in a temporary folder, its Graph Store endpoint opened to the `SPARQL` user (so
  `icsgraph publish` works without a login) and a user with a password for the digest-
  protected `/sparql-graph-crud-auth`.

Both give `.query_url` (SPARQL query), `.store_url` (Graph Store HTTP Protocol), `.base` and
`.stop()`; Virtuoso also `.auth_store_url`, `.auth_query_url`, `.user`, `.password` and
`.isql(sql)`. The servers are shared by every test in the session: publish into a graph of
your own (`unique_graph("what")`) and do not clear the whole store.

Both fixtures skip (not fail) when the server program is not installed; `.ci/run` installs them.
"""
from __future__ import annotations

import itertools
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

# the installed configuration, or the package's pristine copy of it
VIRTUOSO_INIS = (Path("/etc/virtuoso-opensource-7/virtuoso.ini"), Path("/usr/share/virtuoso-opensource-7/virtuoso.ini"))
_graph_numbers = itertools.count(1)


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unique_graph(what: str = "test") -> str:
    """A named-graph IRI no other test in this session uses."""
    return f"https://w3id.org/icsgraph/graph/test/{what}-{os.getpid()}-{next(_graph_numbers)}"


def wait_for_http(url: str, seconds: float, proc: subprocess.Popen | None = None,
                  headers: dict | None = None) -> None:
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server stopped (exit status {proc.returncode}) before {url} answered")
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=2):
                return
        except urllib.error.HTTPError as e:  # it answers: up, even if it refuses this request
            last = e
            if e.code < 500:
                return
        except OSError as e:
            last = e
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds} s ({last})")


def _stop_process(proc: subprocess.Popen, timeout: float = 15) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


class Server:
    def __init__(self, name: str, base: str, query_url: str, store_url: str,
                 proc: subprocess.Popen, folder: Path):
        self.name, self.base, self.query_url, self.store_url = name, base, query_url, store_url
        self.proc, self.folder = proc, folder

    def stop(self) -> None:
        _stop_process(self.proc)
        shutil.rmtree(self.folder, ignore_errors=True)

    def __repr__(self) -> str:
        return f"<{self.name} at {self.base}>"


def start_oxigraph() -> Server:
    exe = shutil.which("oxigraph")
    if exe is None:
        raise FileNotFoundError("the oxigraph server is not installed (pip install oxigraph)")
    folder = Path(tempfile.mkdtemp(prefix="icsgraph-oxigraph-"))
    port = free_port()
    log = open(folder / "server.log", "wb")
    proc = subprocess.Popen([exe, "serve", "--location", str(folder / "store"), "--bind", f"127.0.0.1:{port}"],
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    log.close()
    base = f"http://127.0.0.1:{port}"
    server = Server("Oxigraph", base, base + "/query", base + "/store", proc, folder)
    try:
        wait_for_http(base + "/query?query=" + urllib.parse.quote("ASK {}"), 30, proc)
    except BaseException:
        server.stop()
        raise
    return server


# --- Virtuoso -----------------------------------------------------------------------------

def virtuoso_ini(template: str, folder: Path, sql_port: int, http_port: int) -> str:
    """The Debian virtuoso.ini with every file in `folder` and both ports on 127.0.0.1."""
    db = str(folder)
    settings = {
        "Database": {"DatabaseFile": f"{db}/virtuoso.db", "ErrorLogFile": f"{db}/virtuoso.log",
                     "LockFile": f"{db}/virtuoso.lck", "TransactionFile": f"{db}/virtuoso.trx",
                     "xa_persistent_file": f"{db}/virtuoso.pxa"},
        "TempDatabase": {"DatabaseFile": f"{db}/virtuoso-temp.db", "TransactionFile": f"{db}/virtuoso-temp.trx"},
        "Parameters": {"ServerPort": f"127.0.0.1:{sql_port}", "DirsAllowed": f"., {db}",
                       "NumberOfBuffers": "20000", "MaxDirtyBuffers": "15000",
                       "CheckpointInterval": "0", "ThreadsPerQuery": "2"},
        "HTTPServer": {"ServerPort": f"127.0.0.1:{http_port}", "ServerRoot": f"{db}/vsp",
                       "MaxClientConnections": "8", "ServerThreads": "8"},
        "URIQA": {"DefaultHost": f"127.0.0.1:{http_port}"},
        # the national-scale benchmark returns tens of thousands of rows
        "SPARQL": {"ResultSetMaxRows": "1000000", "MaxQueryExecutionTime": "300"},
        "Plugins": {},
    }
    out, section = [], None
    for line in template.splitlines():
        m = re.match(r"\s*\[([^\]]+)\]", line)
        if m:
            section = m.group(1)
            out.append(line)
            continue
        key = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=", line)
        if section == "Plugins" and key:  # plug-ins (wiki, mediawiki...) are not needed
            continue
        if key and section in settings and key.group(1) in settings[section]:
            out.append(f"{key.group(1)} = {settings[section][key.group(1)]}")
            continue
        out.append(line)
    return "\n".join(out) + "\n"


class VirtuosoServer(Server):
    user = "icsgraph_publisher"

    def __init__(self, *args, sql_port: int, password: str, **kw):
        super().__init__(*args, **kw)
        self.sql_port = sql_port
        self.password = password
        self.auth_store_url = self.base + "/sparql-graph-crud-auth"
        self.auth_query_url = self.base + "/sparql-auth"

    def isql(self, sql: str, timeout: float = 120) -> str:
        """Run SQL as the database administrator (a fresh database's dba/dba, on loopback only)."""
        proc = subprocess.run([shutil.which("isql-vt") or "isql-vt", f"127.0.0.1:{self.sql_port}", "dba", "dba",
                               "VERBOSE=OFF", "BANNER=OFF", "PROMPT=OFF", "ECHO=OFF", "ERRORS=STDOUT"],
                              input=sql if sql.rstrip().endswith(";") else sql + ";", text=True,
                              capture_output=True, timeout=timeout)
        text = proc.stdout + proc.stderr
        if proc.returncode != 0 or re.search(r"^\*\*\* Error", text, re.M):
            raise RuntimeError(f"isql-vt failed: {text.strip()}")
        return text


GRAPH_STORE_GRANTS = """
GRANT SPARQL_UPDATE TO "SPARQL";
GRANT EXECUTE ON DB.DBA.SPARQL_INSERT_DICT_CONTENT TO "SPARQL";
GRANT EXECUTE ON DB.DBA.SPARQL_DELETE_DICT_CONTENT TO "SPARQL";
GRANT EXECUTE ON DB.DBA.L_O_LOOK TO "SPARQL";
GRANT EXECUTE ON DB.DBA.SPARUL_RUN TO "SPARQL";
GRANT EXECUTE ON DB.DBA.RDF_OBJ_ADD_KEYWORD_FOR_GRAPH TO "SPARQL";
"""


def start_virtuoso() -> VirtuosoServer:
    exe = shutil.which("virtuoso-t")
    template = next((p for p in VIRTUOSO_INIS if p.exists()), None)
    if exe is None or shutil.which("isql-vt") is None or template is None:
        raise FileNotFoundError("Virtuoso is not installed (Debian package virtuoso-opensource)")
    folder = Path(tempfile.mkdtemp(prefix="icsgraph-virtuoso-"))
    (folder / "vsp").mkdir()
    sql_port, http_port = free_port(), free_port()
    while http_port == sql_port:
        http_port = free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(virtuoso_ini(template.read_text(), folder, sql_port, http_port))
    log = open(folder / "server.out", "wb")
    proc = subprocess.Popen([exe, "+configfile", str(ini), "+foreground", "+wait"], cwd=folder,
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    log.close()
    base = f"http://127.0.0.1:{http_port}"
    password = "pw-" + os.urandom(6).hex()
    server = VirtuosoServer("Virtuoso", base, base + "/sparql", base + "/sparql-graph-crud", proc, folder,
                            sql_port=sql_port, password=password)
    try:
        wait_for_http(base + "/sparql?query=" + urllib.parse.quote("ASK {}"), 120, proc)
        server.isql(GRAPH_STORE_GRANTS + f"""
DB.DBA.USER_CREATE('{server.user}', '{password}');
GRANT SPARQL_SELECT TO "{server.user}";
GRANT SPARQL_UPDATE TO "{server.user}";
""")
    except BaseException:
        try:
            log_text = (folder / "virtuoso.log").read_text(errors="replace")[-2000:]
        except OSError:
            log_text = ""
        server.stop()
        if log_text:
            print("Virtuoso log:\n" + log_text)
        raise
    return server


def _session_server(start, request):
    try:
        server = start()
    except FileNotFoundError as e:
        pytest.skip(str(e))
    request.addfinalizer(server.stop)
    return server


@pytest.fixture(scope="session")
def oxigraph_server(request):
    """An empty read-write Oxigraph server for the whole session (`.query_url`, `.store_url`)."""
    return _session_server(start_oxigraph, request)


@pytest.fixture(scope="session")
def virtuoso_server(request):
    """A Virtuoso 7 server for the whole session (`.query_url`, `.store_url`, `.auth_store_url`,
    `.user`, `.password`)."""
    return _session_server(start_virtuoso, request)
