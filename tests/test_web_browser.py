"""The pages in a real browser: Debian's Chromium, headless, driven by Playwright, against uvicorn on 127.0.0.1.

The node is the demo node (smaller: 60 home datasets, 20 partner packages) with its home catalogue marked
restricted (the datasets one requests access to), one dataset's hosted Parquet file attached as aggregate-only
data, metadata quality scored, and three users made with `fedcat users add`. The story: a scientist searches,
opens a dataset and requests access; a steward approves it narrowed; the scientist queries in the workspace
and sees small cells suppressed; the steward revokes, and the next query is refused. Every page is
screenshotted into docs/screenshots/.

Chromium is launched with flags that keep it off the network (`--host-resolver-rules` maps every host but
127.0.0.1 to nothing), and every request the pages make is checked to stay on loopback. A missing Chromium
fails the test (install it with `apt-get install -y chromium`), it never skips.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
import tomlkit
from playwright import sync_api

from catalogue.config import load_settings
from catalogue.records import dataset_id
from catalogue.web import workspace
from tests.access_support import PASSWORD, LiveNode, cli, configure, free_socket
from tests.servers import LoopbackServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # Without this Chromium still resolves Google's hosts at every start: nothing but loopback may be reached.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
SHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
DISCHARGES = "https://data.demo.lu/dataset/hospital-discharges-by-canton-2016-2021"
DISCHARGES_FILE = "hospital-discharges-by-canton-2016-2021.parquet"
LIH = "https://data.demo.lu/organization/lih"
USERS = {"alice": ("scientist", []), "sam": ("steward", [LIH]), "ada": ("admin", [])}
HMB = "HMB – health or medical or biomedical research"
SMALL_CELLS_SQL = "SELECT commune, diagnosis_icd10, count(*) AS n\nFROM {view}\nGROUP BY commune, diagnosis_icd10"
UNLABELLED = """() => Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea'))
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby'))
  .map(el => el.name || el.id || el.outerHTML)"""

# WCAG 2 contrast of every visible piece of text against the backgrounds behind it (4.5:1, 3:1 for large text).
LOW_CONTRAST = r"""() => {
  const parse = (text) => {
    const m = text.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a),
    g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a),
    a: 1,
  });
  const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  const luminance = (c) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  const backdrop = (el) => {
    const chain = [];
    for (let e = el; e; e = e.parentElement) chain.unshift(e);
    let colour = { r: 255, g: 255, b: 255, a: 1 };
    for (const e of chain) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) colour = over(c, colour);
    }
    return colour;
  };
  const failures = [];
  for (const el of document.querySelectorAll("body *")) {
    if (!Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
    const rect = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (style.visibility !== "visible" || rect.width <= 1 || rect.height <= 1) continue;
    const back = backdrop(el);
    const fore = over(parse(style.color), back);
    const [hi, lo] = [luminance(fore), luminance(back)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (parseInt(style.fontWeight, 10) >= 700 && size >= 18.66);
    if (ratio < (large ? 3 : 4.5)) {
      const text = el.textContent.trim().slice(0, 40);
      failures.push(`${el.tagName.toLowerCase()}.${el.className} ${ratio.toFixed(2)}:1 "${text}"`);
    }
  }
  return failures;
}"""


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveNode]:
    """The demo node, served by uvicorn on a loopback port that is its base_url from the start."""
    home = tmp_path_factory.mktemp("browser") / "node"
    sock = free_socket()
    host, port = sock.getsockname()[:2]
    base = f"http://{host}:{port}"
    env = {**os.environ, "FEDCAT_BASE_URL": base}  # graph and run IRIs are minted from it during the build
    build = [sys.executable, "-m", "demo.build", "--home", str(home), "--datasets", "60", "--partner-datasets", "20"]
    done = subprocess.run(build, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    configure(home, base_url=base)
    # The demo's home catalogue holds the protected datasets: as restricted records they need an access request.
    toml = home / "fedcat.toml"
    doc = tomlkit.parse(toml.read_text())
    sources: Any = doc["sources"]
    for source in sources:
        if source["name"] == "home":
            source["visibility"] = "restricted"
    toml.write_text(tomlkit.dumps(doc))
    assert cli(home, "harvest", "home", "--full").exit_code == 0  # --full: the pages did not change
    discharges = dataset_id("home", DISCHARGES)
    data = home / "demo" / "data" / DISCHARGES_FILE
    added = cli(home, "data", "add", discharges, str(data), "--access", "aggregate-only")
    assert added.exit_code == 0, added.output
    scored = cli(home, "quality", "score")
    assert scored.exit_code == 0, scored.output
    for name, (role, publishers) in USERS.items():
        args = ["users", "add", name, "--role", role]
        for publisher in publishers:
            args += ["--publisher", publisher]
        result = cli(home, *args, input=PASSWORD + "\n")
        assert result.exit_code == 0, result.output
    served = LiveNode(load_settings(home), sock).start()
    served.discharges = discharges  # type: ignore[attr-defined]
    yield served
    served.stop()
    sock.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless; a missing binary is a failure with the command that fixes it."""
    if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
        pytest.fail(f"{CHROMIUM} not found: install Debian's Chromium with `apt-get install -y chromium`")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


class Visit:
    """One person's browser context: pages, screenshots, and the checks every page gets."""

    def __init__(self, browser: Any, node: LiveNode, lang: str = "en-GB") -> None:
        self.node = node
        self.context = browser.new_context(
            base_url=node.url,
            viewport={"width": 1280, "height": 900},
            locale=lang,
            accept_downloads=True,
        )
        self.context.set_default_timeout(30_000)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.context.on("request", self._request)

    def _console(self, message: Any) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            self.problems.append(f"console {message.type}: {message.text}")

    def _request(self, request: Any) -> None:
        host = urlsplit(request.url).hostname
        if request.url.startswith(("http:", "https:", "ws:", "wss:")) and host != "127.0.0.1":
            self.problems.append(f"request off loopback: {request.url}")

    def check(self) -> None:
        """Every control has a label, all text has enough contrast, nothing went wrong in the console or network."""
        assert self.page.evaluate(UNLABELLED) == [], f"unlabelled form controls on {self.page.url}"
        assert self.page.evaluate(LOW_CONTRAST) == [], f"text below WCAG AA contrast on {self.page.url}"
        assert self.problems == [], self.problems

    def shot(self, name: str) -> None:
        """Check the page, then keep its screenshot."""
        self.check()
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    def sign_in(self, username: str, shot: str | None = None) -> None:
        """Sign in through the header link and the built-in issuer's login form (authorization code + PKCE)."""
        page = self.page
        page.get_by_role("link", name="Sign in").click()
        page.wait_for_url(re.compile(r"/oauth/authorize\?"))
        assert "code_challenge_method=S256" in page.url and "state=" in page.url
        page.get_by_label("User name").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        if shot:
            self.shot(shot)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        assert page.locator(".account").inner_text().startswith(f"Signed in as {username}")

    def close(self) -> None:
        self.context.close()


def test_keyboard_search_language_switch_and_shareable_state(browser: Any, node: LiveNode) -> None:
    """Tab to the search box, search with Enter, filter by a facet, switch language: the URL carries it all."""
    visit = Visit(browser, node)
    page = visit.page
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    for _ in range(30):
        if page.evaluate("document.activeElement.id") == "q":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q", "the search box is reachable with Tab"
    page.keyboard.type("vaccination")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=vaccination"))
    assert page.locator(".hit").count() >= 1
    assert page.locator(".hit mark").first.inner_text().lower().startswith("vaccination")
    first_facet = page.locator(".facet a").first
    first_facet.click()
    page.wait_for_load_state()
    assert page.locator(".facet a[aria-current=true]").count() == 1
    page.get_by_role("link", name="Français").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("heading", level=1).inner_text() == "Trouver des jeux de données"
    shared = page.url
    assert "q=vaccination" in shared and "lang=fr" in shared
    summary = page.locator(".summary").inner_text()
    other = Visit(browser, node)
    other.page.goto(shared)  # the same URL in a fresh browser shows the same search
    assert other.page.locator(".summary").inner_text() == summary
    assert other.page.locator(".facet a[aria-current=true]").count() == 1
    visit.shot("search-anonymous-fr")
    other.check()
    other.close()
    visit.close()


def test_sparql_page_runs_an_example(browser: Any, node: LiveNode) -> None:
    """`/sparql` in a browser is the query page: an example query runs and its results form a table."""
    visit = Visit(browser, node)
    page = visit.page
    page.goto("/sparql")
    assert page.get_by_role("heading", level=1).inner_text() == "SPARQL query"
    page.get_by_role("link", name="Datasets per publisher").click()
    page.wait_for_load_state()
    assert page.locator(".results-table tbody tr").count() >= 1
    assert page.locator(".results-table thead").inner_text().split() == ["?name", "?datasets"]
    visit.shot("sparql")
    page.locator("#query").fill("SELECT * WHERE { ?s ?p }")  # a syntax error is shown, not a crash
    page.locator("#query").press("Control+Enter")  # the editor's keyboard shortcut (fedcat.js)
    page.wait_for_load_state()
    assert page.get_by_role("alert").count() == 1
    visit.problems = [p for p in visit.problems if "status of 400" not in p]  # the page itself answers 400
    visit.check()
    visit.close()


def test_api_docs_are_served_by_the_node_under_its_csp(browser: Any, node: LiveNode) -> None:
    """`/docs` is Swagger UI from this node: the operations render, "Try it out" runs one, nothing is refused."""
    visit = Visit(browser, node)
    page = visit.page
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(f"{request.url}: {request.failure}"))
    page.on("response", lambda response: response.status >= 400 and failed.append(f"{response.url}: {response.status}"))
    page.goto("/docs")
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() >= 20
    assert page.locator(".opblock-summary-path[data-path='/api/datasets']").count() == 1
    version = page.locator(".opblock").filter(has=page.locator(".opblock-summary-path[data-path='/api/version']"))
    version.locator(".opblock-summary").click()
    version.get_by_role("button", name="Try it out").click()
    version.get_by_role("button", name="Execute").click()
    status = version.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip() == "200"
    assert '"name": "fedcat"' in version.locator(".live-responses-table .microlight").first.inner_text()
    assert failed == [] and visit.problems == [], failed + visit.problems  # CSP violations are console errors
    visit.close()


def test_sign_in_page_has_the_site_layout_and_an_error_area(browser: Any, node: LiveNode) -> None:
    """The issuer's form uses the site's stylesheet, says what went wrong, keeps the name, focuses the password."""
    visit = Visit(browser, node)
    page = visit.page
    page.goto("/")
    page.get_by_role("link", name="Sign in").click()
    page.wait_for_url(re.compile(r"/oauth/authorize\?"))
    # The stylesheet loaded under the page's CSP: the form's column has the width fedcat.css gives it.
    assert page.evaluate("getComputedStyle(document.querySelector('.signin')).maxWidth") == "416px"
    assert page.locator(".site-header").is_visible() and page.get_by_role("alert").count() == 0
    page.get_by_label("User name").fill("alice")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").inner_text().strip() == "Wrong name or password."
    assert page.get_by_label("User name").input_value() == "alice"
    assert page.evaluate("document.activeElement.id") == "password"
    assert page.get_by_label("Password").get_attribute("aria-describedby") == "signin-error"
    visit.problems = [p for p in visit.problems if "status of 401" not in p]  # the refusal's own status
    visit.shot("sign-in-error")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert page.locator(".account").inner_text().startswith("Signed in as alice")
    visit.check()
    visit.close()


def test_a_client_on_another_origin_gets_its_code(browser: Any, node: LiveNode) -> None:
    """A client elsewhere (a notebook on another port) signs people in through the issuer's form: the form's POST
    ends in a redirect to the client, which the page's CSP form-action must allow, or the browser stops there."""
    notebook = LoopbackServer()
    notebook.route("/callback", "Signed in.", content_type="text/plain")
    notebook.start()
    try:
        redirect = notebook.url + "/callback"
        scope = "openid access:request"
        added = cli(
            node.settings.home, "clients", "add", "notebook", "--public", "--redirect-uri", redirect, "--scope", scope
        )
        assert added.exit_code == 0, added.output
        client_id = re.search(r"^client_id=(\S+)$", added.output, re.MULTILINE).group(1)  # type: ignore[union-attr]
        verifier = base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode()
        params = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect, "scope": scope}
        params |= {"state": "st-1", "code_challenge": challenge, "code_challenge_method": "S256"}
        visit = Visit(browser, node)
        page = visit.page
        page.goto("/oauth/authorize?" + urlencode(params))
        assert "Sign in to let notebook act for you" in page.locator("main").inner_text()
        page.get_by_label("User name").fill("alice")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(re.escape(redirect) + r"\?code=[\w-]+&state=st-1$"))
        assert any(hit.startswith("/callback?code=") for hit in notebook.hits)
        assert [p for p in visit.problems if "status of 404" not in p] == []  # the notebook has no favicon
        visit.close()
    finally:
        notebook.stop()


def test_the_whole_story(browser: Any, node: LiveNode) -> None:
    """Search, request, approve narrowed, query with suppression, revoke, refused; every page screenshotted."""
    discharges = node.discharges  # type: ignore[attr-defined]
    scientist = Visit(browser, node)
    page = scientist.page

    # A scientist signs in and searches: restricted datasets are visible now, with quality badges.
    page.goto("/")
    scientist.shot("search-home")
    scientist.sign_in("alice", shot="sign-in")
    page.get_by_label("Search the catalogue").fill("hospital discharges")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url(re.compile(r"q=hospital\+discharges"))
    hit = page.locator(".hit").filter(has_text="Hospital discharges by canton 2016-2021").first
    assert hit.locator(".badge", has_text="Quality").count() == 1
    scientist.shot("search")

    # The dataset page: quality panel, access conditions, hosted data, "Request access".
    hit.get_by_role("link", name="Hospital discharges by canton 2016-2021").click()
    page.wait_for_url(re.compile(f"/datasets/{discharges}"))
    for heading in ("Access and conditions of use", "Quality", "Metadata quality (MQA)", "Data profile"):
        assert page.get_by_role("heading", name=heading, exact=True).count() == 1, heading
    assert "aggregates only" in page.locator(".access-panel").inner_text()
    scientist.shot("dataset")
    page.get_by_role("link", name="Request access").click()

    # No project yet: make one on the way, and come back to the request form with it chosen.
    page.wait_for_url(re.compile(r"/requests/new\?dataset="))
    page.get_by_role("link", name="New project").click()
    page.get_by_label("Project title").fill("Length of hospital stays by canton")
    page.get_by_label("Purpose of the project").fill("How long patients stay in hospital, by canton and diagnosis.")
    scientist.shot("project-new")
    page.get_by_role("button", name="Create the project").click()
    page.wait_for_url(re.compile(r"/requests/new\?.*project=prj-"))
    project_id = re.search(r"project=(prj-[\w-]+)", page.url).group(1)  # type: ignore[union-attr]
    assert page.get_by_label("For the project").input_value() == project_id
    for column in ("canton", "commune", "sex", "hospital", "diagnosis_icd10", "length_of_stay"):
        page.locator(f"input[name='columns:{discharges}'][value='{column}']").check()
    page.get_by_label("What you will do with the data").fill(
        "Descriptive statistics of length of stay by canton and diagnosis for a health services study."
    )
    page.get_by_label("Purpose of use (GA4GH DUO)").select_option(
        label="HMB – health or medical or biomedical research"
    )
    page.get_by_label("Legal basis").fill("GDPR Art. 6(1)(e) and 9(2)(j): scientific research in the public interest")
    page.get_by_label("I accept the conditions of use of").check()
    scientist.shot("request-new")
    page.get_by_role("button", name="Submit the request").click()
    page.wait_for_url(re.compile(r"/requests/req-"))
    request_id = page.url.rsplit("/", 1)[-1]
    assert page.locator("h1 .state").inner_text() == "submitted"
    scientist.shot("request-submitted")
    page.goto("/requests")
    assert page.get_by_role("link", name=request_id).count() == 1
    scientist.shot("requests")

    # The steward: the queue with SLA age, the purpose-versus-conditions check, approval narrowed.
    steward = Visit(browser, node)
    spage = steward.page
    spage.goto("/")
    steward.sign_in("sam")
    spage.get_by_role("link", name="Steward queue").click()
    row = spage.locator("tbody tr").filter(has_text=request_id)
    assert row.count() == 1 and "Length of hospital stays by canton" in row.inner_text()
    steward.shot("steward-queue")
    spage.get_by_role("link", name=request_id).click()
    spage.wait_for_url(re.compile(f"/steward/requests/{request_id}"))
    assert spage.get_by_role("heading", name="Stated purpose against the dataset's conditions").count() == 1
    spage.get_by_label("Approve").check()
    spage.locator("input[name=columns][value=hospital]").uncheck()  # narrowed: no hospital names
    spage.get_by_label("Reason").fill("Approved for the study; hospital names are not needed and stay out.")
    steward.shot("steward-review")
    spage.get_by_role("button", name="Record the decision").click()
    spage.wait_for_load_state()
    assert spage.locator("h1 .state").inner_text() == "approved"
    granted = spage.locator("#h-decisions + ul code").all_inner_texts()
    assert "length_of_stay" in granted and "hospital" not in granted

    # The scientist sees the approval, and the workspace with the narrowed access.
    page.goto(f"/requests/{request_id}")
    assert page.locator("h1 .state").inner_text() == "approved"
    scientist.shot("request-approved")
    page.get_by_role("link", name="Open the workspace").click()
    page.wait_for_url(re.compile(f"/projects/{project_id}"))
    access = page.locator("#h-active + table code").all_inner_texts()
    assert "commune" in access and "hospital" not in access
    scientist.shot("workspace")
    assert workspace.available(node.app), "the sandbox query API must be routed"
    # Needs the sandbox's `GET /api/projects/{id}/views` and `POST /api/projects/{id}/query`.
    view = page.locator(".view-name").first.inner_text()
    page.get_by_label("SQL query over your views").fill(SMALL_CELLS_SQL.format(view=view))
    page.get_by_role("button", name="Run the query").click()
    page.wait_for_load_state()
    assert page.locator("#notice-suppressed").count() == 1, "small groups are suppressed"
    assert page.locator("td.suppressed").count() >= 1
    scientist.shot("workspace-results")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download as CSV").click()
    csv = Path(download.value.path()).read_text()
    assert csv.splitlines()[0].replace('"', "").split(",")[:3] == ["commune", "diagnosis_icd10", "n"]
    page.goto("/projects")
    assert page.get_by_role("link", name="Length of hospital stays by canton").count() == 1
    scientist.shot("projects")

    # The steward revokes; the audit trail shows the whole story.
    spage.goto(f"/steward/requests/{request_id}")
    spage.locator("#revoke-reason").fill("The project's ethics approval was withdrawn.")
    spage.get_by_role("button", name="Revoke", exact=True).click()
    spage.wait_for_load_state()
    assert spage.locator("h1 .state").inner_text() == "revoked"
    steward.shot("steward-revoked")
    spage.get_by_role("link", name="Audit trail").click()
    trail = spage.locator("tbody").inner_text()
    for kind in ("request.created", "request.decision", "entitlement.created", "entitlement.revoked"):
        assert kind in trail, kind
    steward.shot("steward-audit")

    # The next query is refused; the request says why.
    page.goto(f"/projects/{project_id}")
    page.get_by_label("SQL query over your views").fill("SELECT count(*) AS n FROM discharges")
    page.get_by_role("button", name="Run the query").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").count() == 1
    scientist.problems = [p for p in scientist.problems if "status of" not in p]  # the refusal's own status
    assert page.get_by_text("No approved access is active for this project.").count() == 1
    scientist.shot("workspace-revoked")
    page.goto(f"/requests/{request_id}")
    assert page.locator("h1 .state").inner_text() == "revoked"
    assert "The project's ethics approval was withdrawn." in page.locator("#h-access + table").inner_text()

    # Signing out revokes the session's tokens: the next page is anonymous again.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/$"))
    assert page.get_by_role("link", name="Sign in").count() == 1
    page.goto("/projects")
    page.wait_for_url(re.compile(r"/oauth/authorize\?"))  # back to signing in
    scientist.check()

    # The operator: sources with their last runs, counts and quality.
    operator = Visit(browser, node)
    operator.page.goto("/")
    operator.sign_in("ada")
    operator.page.get_by_role("link", name="Sources").click()
    cards = operator.page.locator(".card")
    assert cards.count() == 2
    assert "records scored" in operator.page.locator("section", has=operator.page.locator("#src-partner")).inner_text()
    operator.shot("operator")
    for visit in (scientist, steward, operator):
        visit.close()
