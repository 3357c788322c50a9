"""The pages, server side: each renders for its users, sign-in (PKCE) and sign-out, CSRF, security headers,
languages, the search state in the URL, escaping, the forms of the access workflow, the workspace against the
query API's shape, and the SPARQL page beside the protocol endpoint."""

from __future__ import annotations

import base64
import hashlib
import re
import time
from collections.abc import Iterator
from datetime import timedelta
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from access.runtime import utcnow
from catalogue.api import create_app
from catalogue.config import load_settings
from catalogue.web.search_page import SearchState, snippet
from catalogue.web.session import safe_next
from tests.access_support import PASSWORD, build_node, cli, configure

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
HOSTILE = """@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
<https://open.example.lu/ds/xss> a dcat:Dataset ; dct:title "<script>alert('t')</script> Bus stops"@en ;
  dct:description "Stops </p><img src=x onerror=alert(1)> of every bus line."@en ;
  dct:publisher [ dct:title "x" ] .
"""


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The access tests' node (restricted hospital and census datasets, a public one), plus a hostile record."""
    home = tmp_path_factory.mktemp("pages") / "node"
    ids = build_node(home)
    (home / "hostile.ttl").write_text(HOSTILE)
    assert (
        cli(home, "sources", "add", "hostile", "--kind", "dcat", "--url", (home / "hostile.ttl").as_uri()).exit_code
        == 0
    )
    assert cli(home, "harvest", "hostile").exit_code == 0
    settings = load_settings(home)
    app = create_app(settings)
    with TestClient(app, base_url=settings.base) as client:
        yield {"home": home, "ids": ids, "app": app, "settings": settings, "anon": client}


def browser(node: dict[str, Any]) -> TestClient:
    """A fresh client (its own cookie jar) on the running app."""
    return TestClient(node["app"], base_url=node["settings"].base)


def sign_in(node: dict[str, Any], username: str) -> TestClient:
    """A client signed in as `username` through the real flow: /signin, the issuer's form, the callback."""
    client = browser(node)
    form = client.get("/signin?next=/projects")
    assert form.status_code == 200 and "/oauth/authorize" in str(form.url)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.text))
    fields = {k: unescape(v) for k, v in fields.items()}
    done = client.post("/oauth/authorize", data={**fields, "username": username, "password": PASSWORD})
    assert done.status_code == 200 and str(done.url).endswith("/projects"), done.text[:500]
    assert f"<strong>{username}</strong>" in done.text
    return client


def token_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has a form with a CSRF token"
    return found.group(1)


def new_project(client: TestClient, title: str = "Stays study") -> str:
    page = client.get("/projects/new")
    response = client.post(
        "/projects/new",
        data={"csrf_token": token_of(page.text), "title": title, "purpose": "Why people stay.", "members": ""},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:500]
    return response.headers["location"].rsplit("/", 1)[-1]


# -- pages render, and only for their users ---------------------------------------------------------------------


def test_public_pages_render_and_protected_ones_ask_to_sign_in(node: dict[str, Any]) -> None:
    anon = node["anon"]
    parks = node["ids"]["parks"]
    for url in ("/", "/search?q=parks", "/sparql", f"/datasets/{parks}"):
        response = anon.get(url, headers={"Accept": "text/html"})
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/html"), url
        assert 'href="/signin?next=' in response.text
    for url in ("/projects", "/projects/new", "/requests", "/requests/new?dataset=x", "/steward", "/operator"):
        response = anon.get(url, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/signin?next="), url
    # Restricted records stay out of anonymous search and answer the API's 404 on their page.
    assert "Hospital stays" not in anon.get("/search?q=stays").text
    assert anon.get(f"/datasets/{node['ids']['stays']}").status_code == 404


def test_each_role_sees_its_pages(node: dict[str, Any]) -> None:
    alice, sam, ada = sign_in(node, "alice"), sign_in(node, "sam"), sign_in(node, "ada")
    stays = node["ids"]["stays"]
    for url in ("/projects", "/projects/new", "/requests", f"/requests/new?dataset={stays}", f"/datasets/{stays}"):
        response = alice.get(url)
        assert response.status_code == 200, url
        assert response.headers["cache-control"] == "no-store"  # personal pages stay out of caches
    assert "Hospital stays" in alice.get("/search?q=stays").text  # signed in: restricted records show
    page = alice.get(f"/datasets/{stays}").text
    assert "Request access" in page and "DUO:0000006" in page  # conditions from the record's DUO codes
    assert alice.get("/steward").status_code == 403 and alice.get("/operator").status_code == 403
    assert sam.get("/steward").status_code == 200 and sam.get("/steward/audit").status_code == 200
    assert sam.get("/operator").status_code == 403
    operator = ada.get("/operator")
    assert (
        operator.status_code == 200 and "<code>secret</code>" in operator.text and "<code>open</code>" in operator.text
    )
    assert ada.get("/steward/audit").status_code == 200
    nav = re.findall(r'<li><a href="(/[a-z/]*)"', ada.get("/").text)
    assert "/operator" in nav and "/steward" not in nav


# -- signing in and out -------------------------------------------------------------------------------------------


def test_sign_in_uses_pkce_and_a_sealed_http_only_cookie(node: dict[str, Any]) -> None:
    client = browser(node)
    start = client.get("/signin?next=/requests", follow_redirects=False)
    assert start.status_code == 303
    query = parse_qs(urlsplit(start.headers["location"]).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["redirect_uri"] == [node["settings"].base + "/oauth/callback"] and query["response_type"] == ["code"]
    flow = start.headers["set-cookie"]
    assert "HttpOnly" in flow and "SameSite=lax" in flow and "Path=/oauth/callback" in flow
    # A callback whose state is not the one this browser started with is refused.
    forged = client.get("/oauth/callback?code=abc&state=forged")
    assert forged.status_code == 400 and "Sign-in failed" in forged.text
    alice = sign_in(node, "alice")
    cookie = alice.cookies.get("fedcat_session")
    # No JWT (header.payload.) in the cookie, neither as sent nor base64-decoded: it is sealed, not encoded.
    jwt = re.compile(r"eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.")
    assert (
        cookie and not jwt.search(cookie) and not jwt.search(base64.urlsafe_b64decode(cookie + "==").decode("latin-1"))
    )
    # A cookie someone changed opens nothing, and is cleared.
    tampered = browser(node)
    tampered.cookies.set("fedcat_session", cookie[:-6] + "AAAAAA")
    page = tampered.get("/")
    assert "Sign in</a>" in page.text and 'fedcat_session=""' in page.headers.get("set-cookie", "")


def test_the_issuers_sign_in_page_has_the_site_layout_and_keeps_its_guards(node: dict[str, Any]) -> None:
    client = browser(node)
    form = client.get("/signin?next=/projects")
    assert form.status_code == 200 and "/oauth/authorize" in str(form.url)
    page = form.text
    assert '<link rel="stylesheet" href="/static/fedcat.css">' in page and 'class="site-header"' in page
    assert '<label for="username">User name</label>' in page and '<label for="password">Password</label>' in page
    assert 'id="username"' in page and 'id="password"' in page and "<script" not in page
    policy = form.headers["content-security-policy"]
    assert "style-src 'self'" in policy and "script-src" not in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "default-src 'none'" in policy
    base = urlsplit(node["settings"].base)
    assert f"form-action 'self' {base.scheme}://{base.netloc};" in policy  # the form ends at the web's callback
    assert form.headers["x-frame-options"] == "DENY" and form.headers["cache-control"] == "no-store"
    assert form.headers["x-content-type-options"] == "nosniff"
    fields = {k: unescape(v) for k, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)}
    # A wrong password: the error in the alert area, the name kept (escaped), a fresh CSRF token.
    wrong = client.post("/oauth/authorize", data={**fields, "username": "<b>alice", "password": "not it"})
    assert wrong.status_code == 401 and wrong.headers["content-security-policy"] == policy
    assert re.search(
        r'class="notice error" role="alert" id="signin-error">\s*<p>Wrong name or password.</p>', wrong.text
    )
    assert 'value="&lt;b&gt;alice" aria-invalid="true" aria-describedby="signin-error"' in wrong.text
    assert token_of(wrong.text) != fields["csrf_token"] and "<b>alice" not in wrong.text
    # Without the form's CSRF token (or its cookie) nothing is checked and nothing is granted.
    forged = client.post("/oauth/authorize", data={**fields, "csrf_token": "forged", "username": "alice"})
    assert forged.status_code == 400 and "location" not in forged.headers
    assert "<h1>Session expired</h1>" in forged.text and 'href="/static/fedcat.css"' in forged.text
    assert 'role="alert"' in forged.text and "form-action 'self';" in forged.headers["content-security-policy"]
    # An authorization request the issuer refuses is shown in the same layout, never redirected.
    bad = client.get("/oauth/authorize", params={**fields, "client_id": "nobody"})
    assert bad.status_code == 400 and "<h1>Invalid authorization request</h1>" in bad.text
    assert 'class="site-header"' in bad.text and "location" not in bad.headers
    # A client on another origin: its form-action lists that origin, or browsers would stop the final redirect.
    redirect = "http://127.0.0.1:8765/cb"
    added = cli(node["home"], "clients", "add", "nb", "--public", "--redirect-uri", redirect, "--scope", "openid")
    client_id = re.search(r"^client_id=(\S+)$", added.output, re.MULTILINE).group(1)  # type: ignore[union-attr]
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect, "scope": "openid"}
    params |= {"state": "s", "code_challenge": "c" * 43, "code_challenge_method": "S256"}
    other = client.get("/oauth/authorize", params=params)
    assert other.status_code == 200 and "Sign in to let <strong>nb</strong>" in other.text
    assert "form-action 'self' http://127.0.0.1:8765;" in other.headers["content-security-policy"]


def test_next_is_local_only() -> None:
    assert safe_next("/requests?x=1") == "/requests?x=1"
    for bad in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", None, ""):
        assert safe_next(bad) == "/"


def test_expired_access_tokens_are_rotated_and_sign_out_revokes(node: dict[str, Any]) -> None:
    alice = sign_in(node, "alice")
    runtime = node["app"].state.access
    before = alice.cookies.get("fedcat_session")
    runtime.clock = lambda: utcnow() + timedelta(minutes=10)  # the 5-minute access token has expired
    try:
        page = alice.get("/requests")
        assert page.status_code == 200 and "<strong>alice</strong>" in page.text
        assert alice.cookies.get("fedcat_session") != before  # the rotated tokens went back into the cookie
        signed_out = alice.post("/signout", data={"csrf_token": token_of(page.text)}, follow_redirects=False)
        assert signed_out.status_code == 303 and signed_out.headers["location"] == "/"
        assert 'fedcat_session=""' in signed_out.headers["set-cookie"]
    finally:
        runtime.clock = utcnow
    replay = browser(node)
    replay.cookies.set("fedcat_session", before)  # the old cookie: its refresh token family is revoked
    runtime.clock = lambda: utcnow() + timedelta(minutes=10)
    try:
        assert replay.get("/requests", follow_redirects=False).status_code == 303
    finally:
        runtime.clock = utcnow


# -- CSRF and headers ---------------------------------------------------------------------------------------------


def test_forms_without_the_sessions_csrf_token_are_refused(node: dict[str, Any]) -> None:
    alice, bob = sign_in(node, "alice"), sign_in(node, "bob")
    form = {"title": "Forged", "purpose": "Forged.", "members": ""}
    token = token_of(alice.get("/projects/new").text)
    assert alice.post("/projects/new", data=form).status_code == 403
    assert alice.post("/projects/new", data={**form, "csrf_token": "x" * 43}).status_code == 403
    bobs = token_of(bob.get("/projects/new").text)
    assert alice.post("/projects/new", data={**form, "csrf_token": bobs}).status_code == 403  # another session's
    cross = {"Origin": "https://evil.example"}
    assert alice.post("/projects/new", data={**form, "csrf_token": token}, headers=cross).status_code == 403
    fetch = {"Sec-Fetch-Site": "cross-site"}
    assert alice.post("/projects/new", data={**form, "csrf_token": token}, headers=fetch).status_code == 403
    refused = alice.post("/signout", data={})
    assert refused.status_code == 403 and "<strong>alice</strong>" in alice.get("/").text  # still signed in
    assert "Forged" not in alice.get("/projects").text
    ok = alice.post("/projects/new", data={**form, "csrf_token": token}, headers={"Origin": node["settings"].base})
    assert ok.status_code == 200 and "Forged" in ok.text  # followed to the new project's workspace
    assert node["anon"].post("/projects/new", data=form).status_code == 403  # no session, no form


def approved(
    node: dict[str, Any], applicant: TestClient, steward: TestClient, dataset: str, title: str
) -> tuple[str, str]:
    """A new project of `applicant` with an approved request for `dataset`: (project id, request id)."""
    project = new_project(applicant, title)
    form = applicant.get(f"/requests/new?dataset={dataset}&project={project}")
    data = {
        "csrf_token": token_of(form.text),
        "project": project,
        "dataset": dataset,
        "accept": dataset,
        "purpose": "Counts by canton.",
        "permission": "DUO:0000042",
        "legal_basis": "GDPR Art. 9(2)(j)",
    }
    created = applicant.post("/requests/new", data=data, follow_redirects=False)
    assert created.status_code == 303, created.text[:800]
    request_id = created.headers["location"].rsplit("/", 1)[-1]
    review = steward.get(f"/steward/requests/{request_id}")
    decision = {"csrf_token": token_of(review.text), "dataset": dataset, "decision": "approve", "reason": "Fine."}
    assert "state-approved" in steward.post(f"/steward/requests/{request_id}/decision", data=decision).text
    return project, request_id


def test_security_headers(node: dict[str, Any]) -> None:
    anon = node["anon"]
    for url in ("/", "/sparql", "/static/fedcat.css", "/api/datasets", f"/datasets/{node['ids']['parks']}", "/docs"):
        response = anon.get(url, headers={"Accept": "text/html"} if url == "/sparql" else {})
        headers = response.headers
        assert headers["x-content-type-options"] == "nosniff", url
        assert headers["referrer-policy"] == "same-origin" and headers["x-frame-options"] == "DENY", url
        policy = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy and "default-src 'none'" in policy
    policy = anon.get("/").headers["content-security-policy"]
    assert "script-src 'self'" in policy and "form-action 'self'" in policy and "base-uri 'none'" in policy
    page = anon.get("/sparql", headers={"Accept": "text/html"}).text
    assert '<script src="/static/fedcat.js" defer></script>' in page and "<script>" not in page  # no inline script
    assert "script-src" not in anon.get(f"/datasets/{node['ids']['parks']}").headers["content-security-policy"]
    assert "script-src 'self'" in anon.get("/docs").headers["content-security-policy"]  # Swagger UI from a file
    callback = anon.get("/oauth/callback?code=x&state=y")  # the code in this URL must not travel on
    assert callback.status_code == 400 and callback.headers["cache-control"] == "no-store"
    assert callback.headers["referrer-policy"] == "no-referrer"


# -- language, search state, escaping ---------------------------------------------------------------------------


def test_language_switch_and_negotiation(node: dict[str, Any]) -> None:
    anon = node["anon"]
    french = anon.get("/search?q=parks&lang=fr").text
    assert '<html lang="fr">' in french and "Trouver des jeux de données" in french
    german = anon.get("/", headers={"Accept-Language": "de-LU, fr;q=0.5"}).text
    assert '<html lang="de">' in german and "Datensätze finden" in german
    luxembourgish = anon.get("/?lang=lb").text
    assert '<html lang="lb">' in luxembourgish and "Datesätz fannen" in luxembourgish
    switch = re.findall(r'<a href="([^"]+)" hreflang="(\w+)"', anon.get("/search?q=parks&theme=HEAL").text)
    assert {lang for _, lang in switch} == {"en", "fr", "de", "lb"}
    for href, lang in switch:
        params = parse_qs(urlsplit(unescape(href)).query)
        assert params["q"] == ["parks"] and params["theme"] == ["HEAL"] and params["lang"] == [lang]
    words = anon.get("/requests?lang=fr", follow_redirects=False)
    assert words.status_code == 303  # the language survives the trip to sign in
    assert "lang%3Dfr" in words.headers["location"]


def test_the_url_holds_the_whole_search() -> None:
    params = [("q", "air"), ("theme", "ENVI"), ("format", "CSV"), ("format", "JSON"), ("sort", "title"), ("page", "3")]
    state = SearchState.from_params([*params, ("lang", "fr"), ("junk", "1")])
    assert SearchState.from_params(parse_qs_items(state.url())) == state  # a round trip through the URL
    assert state.with_page(4).endswith("page=4&lang=fr")
    toggled = SearchState.from_params(parse_qs_items(state.toggle("format", "CSV")))
    assert toggled.filters["format"] == ("JSON",) and toggled.page == 1 and toggled.sort == "title"
    assert SearchState.from_params(parse_qs_items(state.cleared())).filters == {}
    assert SearchState.from_params([("sort", "evil"), ("page", "-3"), ("lang", "x-y")]) == SearchState()


def parse_qs_items(url: str) -> list[tuple[str, str]]:
    return [(k, v) for k, vs in parse_qs(urlsplit(url).query).items() for v in vs]


def test_search_page_links_keep_the_state(node: dict[str, Any]) -> None:
    page = node["anon"].get("/search?q=&sort=title&lang=en").text
    links = [unescape(link) for link in re.findall(r'<a href="(/search(?:\?[^"]*)?)"', page)]
    assert len(links) > 6 and all("lang=" in link for link in links)  # language, facet and sort links
    assert [link for link in links if "sort=title" not in link] == ["/search?lang=en", "/search?sort=modified&lang=en"]
    assert 'aria-current="true">title</a>' in page


def test_snippets_highlight_the_query_words() -> None:
    text = "Hourly measurements of air quality in every commune; quality checked daily."
    assert [t for t, marked in snippet(text, "quality -daily") if marked] == ["quality", "quality"]
    assert snippet(text, "") == [(text, False)]
    long = "word " * 100 + "needle here" + " word" * 100
    parts = snippet(long, "needle")
    assert parts[0] == ("… ", False) and ("needle", True) in parts and parts[-1] == (" …", False)


def test_harvested_markup_and_query_text_are_escaped(node: dict[str, Any]) -> None:
    anon = node["anon"]
    page = anon.get("/search", params={"q": "bus <img src=x onerror=alert(1)>"}).text
    assert "<img" not in page and "onerror=alert(1)&gt;" in page
    page = anon.get("/search?q=bus").text
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt; Bus stops" in page
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt; of every <mark>bus</mark> line" in page
    page = anon.get("/sparql", params={"query": "SELECT ('<b>x</b>' AS ?v) {}"}, headers={"Accept": "text/html"}).text
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page


# -- the access workflow through the forms ------------------------------------------------------------------------


def test_request_decision_revocation_through_the_forms(node: dict[str, Any]) -> None:
    alice, sam = sign_in(node, "alice"), sign_in(node, "sam")
    stays = node["ids"]["stays"]
    project = new_project(alice, "Hospital stays and air")
    form = alice.get(f"/requests/new?dataset={stays}&project={project}")
    assert f'<option value="{project}" selected>' in form.text
    request = {
        "csrf_token": token_of(form.text),
        "project": project,
        "dataset": stays,
        "purpose": "Length of stay by season.",
        "permission": "DUO:0000006",
        "modifier": "DUO:0000046",
        "legal_basis": "GDPR Art. 9(2)(j)",
        "duration_days": "30",
    }
    missing_terms = alice.post("/requests/new", data=request)
    assert missing_terms.status_code == 422 and "accept the terms" in missing_terms.text
    assert "Length of stay by season." in missing_terms.text  # the form keeps what was typed
    created = alice.post("/requests/new", data={**request, "accept": stays}, follow_redirects=False)
    assert created.status_code == 303
    request_id = created.headers["location"].rsplit("/", 1)[-1]
    page = alice.get(f"/requests/{request_id}").text
    assert "state-submitted" in page and "health or medical or biomedical research" in page

    queue = sam.get("/steward?overdue=").text
    assert f'href="/steward/requests/{request_id}"' in queue and "Hospital stays and air" in queue
    assert request_id not in sam.get("/steward?q=no-such-words").text  # the filter
    review = sam.get(f"/steward/requests/{request_id}").text
    assert "Stated purpose against the dataset" in review and "allows the stated purpose" in review
    decision = {"csrf_token": token_of(review), "dataset": stays, "decision": "approve", "reason": ""}
    refused = sam.post(f"/steward/requests/{request_id}/decision", data=decision)
    assert refused.status_code == 422 and 'role="alert"' in refused.text  # a decision needs a reason
    end = (utcnow() + timedelta(days=10)).date().isoformat()
    decision.update(reason="Fine for ten days.", end_date=end, row_filter="1 = 1")
    approved = sam.post(f"/steward/requests/{request_id}/decision", data=decision)
    assert approved.status_code == 200 and "state-approved" in approved.text
    assert "Open the workspace" in alice.get(f"/requests/{request_id}").text
    workspace = alice.get(f"/projects/{project}").text
    assert f"/datasets/{stays}" in workspace and "1 = 1" in workspace  # the active, narrowed access

    revoke = {"csrf_token": token_of(approved.text), "reason": "Study stopped."}
    revoked = sam.post(f"/steward/requests/{request_id}/revoke", data=revoke)
    assert revoked.status_code == 200 and "state-revoked" in revoked.text
    assert "Study stopped." in alice.get(f"/requests/{request_id}").text
    audit = sam.get("/steward/audit").text
    assert "entitlement.revoked" in audit and f'href="/steward/requests/{request_id}"' in audit
    assert "entitlement.revoked" in sam.get("/steward/audit?kind=entitlement.revoked").text
    # Other people's requests and projects answer 404 pages.
    bob = sign_in(node, "bob")
    assert bob.get(f"/requests/{request_id}").status_code == 404
    assert bob.get(f"/projects/{project}").status_code == 404


# -- the workspace against the query API's shape ------------------------------------------------------------------


def test_workspace_shows_results_notices_and_csv_from_the_query_api(node: dict[str, Any]) -> None:
    """With the sandbox's routes in place (stand-ins here, answering in the API's documented shape)."""
    app = node["app"]
    calls: list[dict[str, Any]] = []

    async def views(request: Request, project_id: str) -> JSONResponse:
        columns = [{"name": "canton", "type": "VARCHAR"}, {"name": "n", "type": "BIGINT"}]
        return JSONResponse([{"name": "stays", "dataset_id": "x", "access_mode": "aggregate-only", "columns": columns}])

    async def query(request: Request, project_id: str) -> Response:
        body = await request.json()
        calls.append({"auth": request.headers.get("authorization", ""), **body})
        if "refuse" in body["sql"]:
            return JSONResponse({"type": "sandbox-revoked", "title": "Access ended", "detail": "revoked"}, 403)
        if body["format"] == "csv":
            return Response("canton,n\nCapellen,\nClervaux,25\n", media_type="text/csv")
        rows = [["Capellen", None], ["Clervaux", 25]]
        suppressed = [{"row": 0, "column": "n", "rule": "threshold", "reason": "3 records < 10"}]
        columns = [{"name": "canton", "type": "VARCHAR"}, {"name": "n", "type": "BIGINT"}]
        answer = {"columns": columns, "rows": rows, "row_count": 2, "truncated": True, "suppressed": suppressed}
        return JSONResponse(answer)

    stand_ins = [
        APIRoute("/api/projects/{project_id}/views", views, methods=["GET"]),
        APIRoute("/api/projects/{project_id}/query", query, methods=["POST"]),
    ]
    for route in stand_ins:
        app.router.routes.insert(0, route)
    try:
        alice = sign_in(node, "alice")
        project, _ = approved(node, alice, sign_in(node, "sue"), node["ids"]["census"], "Workspace shapes")
        page = alice.get(f"/projects/{project}")
        assert page.status_code == 200 and '<code class="view-name">stays</code>' in page.text
        assert "SELECT canton, count(*) AS n" in page.text  # an example for aggregate-only data
        token = token_of(page.text)
        run = {"csrf_token": token, "sql": "SELECT 1", "format": "json"}
        result = alice.post(f"/projects/{project}/query", data=run)
        assert result.status_code == 200
        assert 'id="notice-truncated"' in result.text and 'id="notice-suppressed"' in result.text
        assert result.text.count('class="suppressed"') == 1 and "<td>25</td>" in result.text
        assert calls[-1]["auth"].startswith("Bearer ey") and calls[-1]["sql"] == "SELECT 1"
        csv = alice.post(f"/projects/{project}/query", data={**run, "format": "csv"})
        assert csv.headers["content-type"].startswith("text/csv") and "attachment" in csv.headers["content-disposition"]
        assert csv.text.startswith("canton,n")
        refused = alice.post(f"/projects/{project}/query", data={**run, "sql": "refuse"})
        assert refused.status_code == 403 and "Access ended" in refused.text
    finally:
        for route in stand_ins:
            app.router.routes.remove(route)


# -- SPARQL ------------------------------------------------------------------------------------------------------


def test_sparql_page_for_browsers_and_the_protocol_for_everyone_else(node: dict[str, Any]) -> None:
    anon = node["anon"]
    browser_accept = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    page = anon.get("/sparql", headers=browser_accept)
    assert page.headers["content-type"].startswith("text/html") and 'id="query"' in page.text
    described = anon.get("/sparql")
    assert described.headers["content-type"].startswith("text/turtle")  # the Service Description, unchanged
    query = "SELECT ?title WHERE { ?d <http://purl.org/dc/terms/title> ?title } ORDER BY ?title"
    results = anon.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert results.headers["content-type"].startswith("application/sparql-results+json")
    table = anon.get("/sparql", params={"query": query}, headers=browser_accept).text
    assert '<th scope="col">?title</th>' in table and "Parks" in table
    ask = anon.get("/sparql", params={"query": "ASK {}"}, headers=browser_accept).text
    assert 'class="answer">Yes<' in ask
    broken = anon.get("/sparql", params={"query": "SELECT * {"}, headers=browser_accept)
    assert broken.status_code == 400 and 'role="alert"' in broken.text


def test_every_page_template_is_in_the_package() -> None:
    templates = Path(__file__).resolve().parents[1] / "catalogue" / "web" / "templates"
    names = {p.name for p in templates.glob("*.html")}
    assert {"search.html", "dataset.html", "workspace.html", "steward_request.html", "sparql.html"} <= names


def test_sign_in_through_an_external_issuer(tmp_path: Path) -> None:
    """Against an external OIDC provider: discovery, its authorization endpoint, the code redeemed over HTTP."""
    key = RSAKey.generate_key(2048, parameters={"kid": "kc-1", "alg": "RS256", "use": "sig"})
    issuer = "https://idp.example.lu/realms/lnds"
    seen: dict[str, Any] = {"revoked": []}

    def provider(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/.well-known/openid-configuration"):
            endpoints = {name: f"{issuer}/protocol/openid-connect/{name}" for name in ("auth", "token", "revoke")}
            return httpx.Response(
                200,
                json={
                    "issuer": issuer,
                    "jwks_uri": f"{issuer}/protocol/openid-connect/certs",
                    "authorization_endpoint": endpoints["auth"],
                    "token_endpoint": endpoints["token"],
                    "revocation_endpoint": endpoints["revoke"],
                },
            )
        if path.endswith("/certs"):
            return httpx.Response(200, json=KeySet([key]).as_dict(private=False))
        form = parse_qs(request.content.decode())
        if path.endswith("/token"):
            seen["token"] = (form, request.headers.get("authorization"))
            now = int(time.time())
            claims = {
                "iss": issuer,
                "aud": "fedcat-node",
                "sub": "kc-user-1",
                "scope": "openid access:request",
                "exp": now + 300,
                "iat": now,
                "realm_access": {"roles": ["lnds-researcher"]},
                "preferred_username": "kc-alice",
            }
            access = jwt.encode({"alg": "RS256", "typ": "at+jwt", "kid": "kc-1"}, claims, key)
            return httpx.Response(200, json={"access_token": access, "refresh_token": "kc-refresh", "expires_in": 300})
        seen["revoked"].append(form["token"][0])
        return httpx.Response(200)

    home = tmp_path / "node"
    build_node(home, users=False)
    configure(
        home,
        issuer_mode="external",
        issuer=issuer,
        audience="fedcat-node",
        role_claim="realm_access.roles",
        role_map={"lnds-researcher": "scientist"},
    )
    toml = home / "fedcat.toml"
    toml.write_text(toml.read_text() + '\n[web]\nclient_id = "fedcat-web"\nclient_secret = "kc-secret"\n')
    settings = load_settings(home)
    app = create_app(settings)
    app.state.access.transport = httpx.MockTransport(provider)
    with TestClient(app, base_url=settings.base) as client:
        start = client.get("/signin?next=/projects", follow_redirects=False)
        location = start.headers["location"]
        assert location.startswith(f"{issuer}/protocol/openid-connect/auth?")
        query = parse_qs(urlsplit(location).query)
        assert query["client_id"] == ["fedcat-web"] and query["code_challenge_method"] == ["S256"]
        back = client.get(f"/oauth/callback?code=kc-code&state={query['state'][0]}", follow_redirects=False)
        assert back.status_code == 303 and back.headers["location"] == "/projects"
        form, authorization = seen["token"]
        assert form["grant_type"] == ["authorization_code"] and form["code"] == ["kc-code"]
        verifier = form["code_verifier"][0].encode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode()
        assert query["code_challenge"] == [challenge]
        assert authorization == "Basic " + base64.b64encode(b"fedcat-web:kc-secret").decode()
        projects = client.get("/projects")
        assert projects.status_code == 200 and "<strong>kc-alice</strong>" in projects.text
        client.post("/signout", data={"csrf_token": token_of(projects.text)})
        assert seen["revoked"][0] == "kc-refresh"
