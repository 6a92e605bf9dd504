"""The web app and the static site in a real browser: Debian's Chromium, headless, driven by
playwright, with every request that is not to the app under test (or a file of the site)
refused. An officer's path: ask services-for-topic with "social isolation" through the
form, get the loneliness answer, follow a row to its node page, then to the focused network;
no console error; axe-core finds no serious or critical accessibility violation.
Under CI (the CI variable set) a missing browser fails instead of skipping."""
import json
import os
import re
import shutil
import urllib.parse

import pytest

from conftest import MINI, ROOT, make_project, run_cli
from test_web import Server, get

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def chromium():
    """Chromium, driven from a thread of its own: another module's Playwright (the network
    page's tests keep one for the session) holds an event loop in the main thread, and the
    sync API refuses to start a second one there. Yields run(fn): fn(browser) in that thread."""
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
    from concurrent.futures import ThreadPoolExecutor
    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chromium")
    state = {}

    def start():
        state["pw"] = sync_playwright().start()
        state["browser"] = state["pw"].chromium.launch(executable_path=CHROMIUM, headless=True,
                                                       args=CHROMIUM_ARGS[1:])
    worker.submit(start).result()
    try:
        yield lambda fn: worker.submit(fn, state["browser"]).result()
    finally:
        def stop():
            state["browser"].close()
            state["pw"].stop()
        worker.submit(stop).result()
        worker.shutdown()


class Tab:
    """A page that may only reach `allowed` (a URL prefix), recording console errors and
    refused requests."""

    def __init__(self, browser, allowed: str):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.errors, self.refused = [], []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

        def route(r):
            if r.request.url.startswith(allowed):
                r.continue_()
            else:
                self.refused.append(r.request.url)
                r.abort()
        self.page.route("**/*", route)

    def close(self):
        self.context.close()


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe
    results = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} - {len(v['nodes'])} element(s)"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


@pytest.fixture(scope="module")
def kent_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kent-browser")
    for name in ("ontology", "queries", "data"):
        shutil.copytree(ROOT / name, folder / name, ignore=shutil.ignore_patterns("parts"))
    assert run_cli("build", "--project", folder)[0] == 0
    s = Server(folder)
    yield s
    s.stop()


def _officers_path(tab, start_url, submit_wait):
    page = tab.page
    page.goto(start_url)
    page.fill("#param-topic", "social isolation")
    with page.expect_navigation():
        page.click("form.ics-form button[type=submit]")
    submit_wait(page)
    heading = page.inner_text("#answer-heading")
    rows = page.locator("#answer tbody tr").count()
    link = page.locator("#answer tbody a[href*='id/']").first
    target = link.inner_text()
    with page.expect_navigation():
        link.click()
    main = " ".join(page.inner_text("main").split())
    # the link names the node by code and/or name: each word of it is on the node's page
    assert all(word in main for word in target.split()), (target, main[:200])
    network = page.locator("a", has_text="in the network")
    with page.expect_navigation():
        network.click()
    page.wait_for_selector("#network canvas", timeout=30000)
    return heading, rows, target


def test_officers_path_and_accessibility_on_the_served_app(chromium, kent_server):
    chromium(lambda browser: _served(browser, kent_server))


def _served(browser, kent_server):
    base = kent_server.url
    tab = Tab(browser, base)
    try:
        answer = json.loads(get(f"{base}/api/queries/services-for-topic?topic=loneliness")[2])
        heading, rows, target = _officers_path(tab, f"{base}/queries/services-for-topic",
                                               lambda page: page.wait_for_selector("#answer"))
        assert rows == len(answer) and rows > 5, heading  # the loneliness answer
        assert "focus" in tab.page.url or "/network/" in tab.page.url
        problems = {}
        for path in ("/", "/queries/services-for-topic", "/queries/services-for-topic?topic=loneliness",
                     "/id/mechanism/m-mecc", "/gaps", "/search?q=social+isolation"):
            tab.page.goto(base + path)
            found = serious_violations(tab.page)
            if found:
                problems[path] = found
        assert not problems, problems
        assert not tab.errors, tab.errors
        assert not tab.refused, tab.refused
    finally:
        tab.close()


# --- the static site from file:// -----------------------------------------------------------

@pytest.fixture(scope="module")
def mini_site(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("mini-site"), MINI)
    shutil.copytree(ROOT / "data" / "sources", project / "data" / "sources")
    assert run_cli("build", "--project", project)[0] == 0
    status, out, err = run_cli("site", "--project", project, "--out", project / "site")
    assert status == 0, err
    return project / "site"


def test_officers_path_on_the_static_site_from_disk(chromium, mini_site):
    chromium(lambda browser: _from_disk(browser, mini_site))


def _from_disk(browser, mini_site):
    tab = Tab(browser, "file://")
    try:
        start = (mini_site / "queries" / "services-for-topic.html").as_uri()
        heading, rows, target = _officers_path(tab, start, lambda page: page.wait_for_selector("#answer"))
        assert "loneliness" in tab.page.url or "focus=" in tab.page.url
        assert "focus=" in tab.page.url and tab.page.url.startswith("file://")
        answer = json.loads((mini_site / "api" / "queries" / "services-for-topic" / "loneliness.json")
                            .read_text(encoding="utf-8"))
        assert rows == len(answer) and rows > 0
        # search from the home page, in the page (no server)
        tab.page.goto((mini_site / "index.html").as_uri())
        tab.page.fill("#q", "social isolation")
        with tab.page.expect_navigation():
            tab.page.click("form[role=search] button")
        tab.page.wait_for_selector("#search-results li a")
        assert tab.page.locator("#search-results li a", has_text="Loneliness").count() == 1
        # a date question filters its rows in the page
        tab.page.goto((mini_site / "queries" / "actions-due.html").as_uri())
        every = tab.page.locator("#answer tbody tr").count()
        tab.page.fill("input[data-filter-table]", "1900-01-01")
        assert tab.page.locator("#answer tbody tr:visible").count() == 0 < every
        assert tab.page.inner_text("[data-count-for=answer]") == "0"
        assert not tab.errors, tab.errors
        assert not tab.refused, tab.refused
    finally:
        tab.close()


# --- the network page served by the app reads the parameters of its address -----------------

@pytest.fixture(scope="module")
def mini_server(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("mini-served"), MINI)
    assert run_cli("build", "--project", project)[0] == 0
    s = Server(project)
    yield s
    s.stop()


def test_served_network_page_applies_its_address(chromium, mini_server):
    chromium(lambda browser: _network_address(browser, mini_server))


def _network_address(browser, mini_server):
    """/network?topic=...&types=...&status=... (once refused with 400) opens the view they say."""
    base = mini_server.url
    tab = Tab(browser, base)
    try:
        tab.page.goto(f"{base}/network?topic=loneliness&types=Commitment,Action&status=none&names=1")
        tab.page.wait_for_selector("body[data-ready]", state="attached", timeout=30_000)  # (no eval: the CSP)
        state = tab.page.evaluate("ics.state()")
        assert state["topic"] == "Loneliness" and state["status"] == "none" and tab.page.evaluate("ics.view()") == "network"
        shown = tab.page.evaluate("network.body.nodeIndices")
        assert shown and all(n.startswith(("commitment/", "action/")) for n in shown), shown
        assert tab.page.is_checked("#all-names")
        tab.page.goto(f"{base}/network?topic=zebra")
        tab.page.wait_for_selector("body[data-ready]", state="attached", timeout=30_000)  # (no eval: the CSP)
        assert "There is no topic “zebra”" in tab.page.text_content("#status")
        assert not tab.errors, tab.errors
        assert not tab.refused, tab.refused
    finally:
        tab.close()
