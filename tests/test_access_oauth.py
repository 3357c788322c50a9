"""The built-in OAuth 2.0 / OIDC server over real HTTP on 127.0.0.1, and external-issuer mode."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import sqlite3
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from tests.access_support import PASSWORD, build_node, cli, configure, live
from tests.servers import LoopbackServer

REDIRECT = "http://127.0.0.1/callback"


def verifier_and_challenge() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def parse_client(output: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in output.splitlines() if "=" in line and line.startswith("client_"))


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Any:
    home = tmp_path_factory.mktemp("oauth") / "node"
    ids = build_node(home)
    web = cli(
        home,
        "clients",
        "add",
        "webui",
        "--public",
        "--redirect-uri",
        REDIRECT,
        "--scope",
        "openid profile offline_access access:request access:review",
    )
    portal = cli(home, "clients", "add", "portal", "--scope", "catalogue:restricted access:request")
    assert web.exit_code == 0 and portal.exit_code == 0, web.output + portal.output
    with live(home) as served:
        served.web = parse_client(web.output)  # type: ignore[attr-defined]
        served.portal = parse_client(portal.output)  # type: ignore[attr-defined]
        served.home = home  # type: ignore[attr-defined]
        served.ids = ids  # type: ignore[attr-defined]
        yield served


def authorize(
    node: Any,
    client: httpx.Client,
    challenge: str,
    *,
    username: str = "alice",
    password: str = PASSWORD,
    redirect_uri: str = "http://127.0.0.1:53682/callback",
    scope: str = "openid offline_access access:request",
) -> httpx.Response:
    params = {
        "response_type": "code",
        "client_id": node.web["client_id"],
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": "st-1",
        "nonce": "nonce-1",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    page = client.get("/oauth/authorize", params=params)
    assert page.status_code == 200, page.text
    assert page.headers["x-frame-options"] == "DENY"
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
    fields = {k: v.replace("&amp;", "&") for k, v in fields.items()}
    assert fields["csrf_token"]
    return client.post("/oauth/authorize", data={**fields, "username": username, "password": password})


def code_from(response: httpx.Response) -> str:
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["location"])
    query = parse_qs(location.query)
    assert query["state"] == ["st-1"] and location.netloc == "127.0.0.1:53682"
    return query["code"][0]


def exchange(
    node: Any, code: str, verifier: str, redirect_uri: str = "http://127.0.0.1:53682/callback"
) -> httpx.Response:
    with node.client() as client:
        return client.post(
            "/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "client_id": node.web["client_id"],
                "code_verifier": verifier,
            },
        )


def login(node: Any, username: str = "alice", **kw: Any) -> dict[str, Any]:
    verifier, challenge = verifier_and_challenge()
    with node.client() as client:
        code = code_from(authorize(node, client, challenge, username=username, **kw))
    response = exchange(node, code, verifier)
    assert response.status_code == 200, response.text
    return response.json()


def test_discovery_and_jwks(node: Any) -> None:
    with node.client() as client:
        config = client.get("/.well-known/openid-configuration").json()
        assert config["issuer"] == node.url and config["code_challenge_methods_supported"] == ["S256"]
        assert config["token_endpoint"] == f"{node.url}/oauth/token"
        jwks = client.get(urlsplit(config["jwks_uri"]).path).json()
        assert client.get("/.well-known/jwks.json").json() == jwks
    assert all("d" not in key and key["alg"] == "RS256" for key in jwks["keys"])


def test_authorization_code_with_pkce_end_to_end(node: Any) -> None:
    tokens = login(node)
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 300
    assert {"access_token", "refresh_token", "id_token"} <= tokens.keys()
    with node.client() as client:
        keys = KeySet.import_key_set(client.get("/oauth/jwks").json())
        me = client.get("/api/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()
        info = client.get("/oauth/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    access = jwt.decode(tokens["access_token"], keys, algorithms=["RS256"])
    assert access.header["typ"] == "at+jwt" and access.claims["client_id"] == node.web["client_id"]
    assert access.claims["roles"] == ["scientist"] and access.claims["aud"] == node.url
    id_token = jwt.decode(tokens["id_token"], keys, algorithms=["RS256"])
    assert id_token.claims["aud"] == node.web["client_id"] and id_token.claims["nonce"] == "nonce-1"
    assert me["username"] == "alice" and "access:request" in me["scopes"]
    assert info.status_code == 200 and info.json()["preferred_username"] == "alice"


def test_refresh_rotation_and_reuse_detection(node: Any) -> None:
    tokens = login(node)
    data = {"grant_type": "refresh_token", "client_id": node.web["client_id"]}
    with node.client() as client:
        first = client.post("/oauth/token", data={**data, "refresh_token": tokens["refresh_token"]})
        assert first.status_code == 200 and first.json()["refresh_token"] != tokens["refresh_token"]
        replay = client.post("/oauth/token", data={**data, "refresh_token": tokens["refresh_token"]})
        assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
        # The old token came back: the whole family is revoked, the newest refresh token included.
        after = client.post("/oauth/token", data={**data, "refresh_token": first.json()["refresh_token"]})
        assert after.status_code == 400


TITLES = "SELECT ?t WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> ; <http://purl.org/dc/terms/title> ?t }"


def sparql_titles(client: httpx.Client, **headers: str) -> tuple[httpx.Response, set[str]]:
    response = client.get("/sparql", params={"query": TITLES}, headers={"Accept": "application/json", **headers})
    titles = {row["t"]["value"] for row in response.json()["results"]["bindings"]} if response.is_success else set()
    return response, titles


def test_a_partner_portal_token_with_catalogue_restricted_sees_restricted_records(node: Any) -> None:
    auth = (node.portal["client_id"], node.portal["client_secret"])
    with node.client() as client:
        wide = client.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=auth).json()
        narrow = client.post(
            "/oauth/token", data={"grant_type": "client_credentials", "scope": "access:request"}, auth=auth
        ).json()
        anonymous, public = sparql_titles(client)
        assert public == {"Parks"} and "private" not in anonymous.headers.get("cache-control", "")
        entitled, everything = sparql_titles(client, Authorization=f"Bearer {wide['access_token']}")
        assert everything == {"Parks", "Hospital stays", "Census microdata"}
        assert entitled.headers["cache-control"] == "private, no-store"
        assert "Authorization" in entitled.headers["vary"]
        _, narrowed = sparql_titles(client, Authorization=f"Bearer {narrow['access_token']}")
        assert narrowed == {"Parks"}  # a valid token without the scope gets the public view
        bad, _ = sparql_titles(client, Authorization=f"Bearer {wide['access_token'][:-4]}AAAA")
        assert bad.status_code == 401 and bad.json()["type"] == "invalid-token"
        assert bad.headers["www-authenticate"].startswith("Bearer ")
        assert bad.headers["access-control-allow-origin"] == "*"  # a portal's browser can read why
        malformed, _ = sparql_titles(client, Authorization="Basic dXNlcjpwYXNz")
        assert malformed.status_code == 401 and malformed.json()["type"] == "invalid-token"
        # The search and the JSON dataset view read the same way.
        entitled_search = client.get("/api/datasets", headers={"Authorization": f"Bearer {wide['access_token']}"})
        assert {i["title"] for i in entitled_search.json()["items"]} == everything
        assert entitled_search.headers["cache-control"] == "private, no-store"
        narrow_search = client.get("/api/datasets", headers={"Authorization": f"Bearer {narrow['access_token']}"})
        assert {i["title"] for i in narrow_search.json()["items"]} == {"Parks"}
        assert client.get("/api/datasets").json()["total"] == 1
        stays = f"/api/datasets/{node.ids['stays']}"
        assert client.get(stays).status_code == 404
        assert client.get(stays, headers={"Authorization": f"Bearer {narrow['access_token']}"}).status_code == 404
        shown = client.get(stays, headers={"Authorization": f"Bearer {wide['access_token']}"})
        assert shown.status_code == 200 and shown.json()["title"]["value"] == "Hospital stays"
        bad_search = client.get("/api/datasets", headers={"Authorization": "Bearer nope"})
        assert bad_search.status_code == 401 and bad_search.json()["type"] == "invalid-token"


def test_client_credentials(node: Any) -> None:
    auth = (node.portal["client_id"], node.portal["client_secret"])
    with node.client() as client:
        token = client.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=auth)
        assert token.status_code == 200 and "refresh_token" not in token.json()
        assert set(token.json()["scope"].split()) == {"catalogue:restricted", "access:request"}
        narrow = client.post(
            "/oauth/token", data={"grant_type": "client_credentials", "scope": "catalogue:restricted"}, auth=auth
        )
        assert narrow.json()["scope"] == "catalogue:restricted"
        wider = client.post("/oauth/token", data={"grant_type": "client_credentials", "scope": "audit:read"}, auth=auth)
        assert wider.status_code == 400 and wider.json()["error"] == "invalid_scope"
        wrong = client.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=(auth[0], "nope"))
        assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
        bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
        me = client.get("/api/me", headers=bearer).json()
        assert me["sub"] == node.portal["client_id"] and me["roles"] == []
        projects = client.post("/api/projects", headers=bearer, json={"title": "t", "purpose": "p"})
        assert projects.status_code == 403  # a machine has no role in the workflow
        public = client.post(
            "/oauth/token", data={"grant_type": "client_credentials", "client_id": node.web["client_id"]}
        )
        assert public.status_code in (400, 401)  # public clients cannot use client credentials


def test_revocation(node: Any) -> None:
    tokens = login(node)
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    with node.client() as client:
        assert client.get("/api/me", headers=bearer).status_code == 200
        data = {"client_id": node.web["client_id"]}
        assert client.post("/oauth/revoke", data={**data, "token": tokens["access_token"]}).status_code == 200
        refused = client.get("/api/me", headers=bearer)
        assert refused.status_code == 401 and "revoked" in refused.headers["www-authenticate"]
        assert client.post("/oauth/revoke", data={**data, "token": tokens["refresh_token"]}).status_code == 200
        again = client.post(
            "/oauth/token", data={**data, "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
        )
        assert again.status_code == 400
        assert client.post("/oauth/revoke", data={**data, "token": "garbage"}).status_code == 200  # RFC 7009 2.2


def test_token_checks_never_wait_for_a_database_writer(node: Any) -> None:
    """The revocation check reads the database without the write lock, and off the event loop.

    It used to begin IMMEDIATE (taking SQLite's write lock) inside the event loop: while any writer held the lock
    (another request's transaction, a CLI command, a migration) the whole server stalled for up to the 30 s busy
    timeout, and clients saw read timeouts.
    """
    token = node.token("alice")
    with node.client(token) as client:
        assert client.get("/api/me").status_code == 200
    writer = sqlite3.connect(node.home / "fedcat.db", isolation_level=None, timeout=30)
    writer.execute("BEGIN IMMEDIATE")  # a writer holds the lock ...
    try:
        time.sleep(2.1)  # ... past the revocation list's refresh interval, so the next check reads the database
        started = time.monotonic()
        bearer = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=node.url, headers=bearer, timeout=10) as client:
            me = client.get("/api/me")
            discovery = client.get("/.well-known/openid-configuration")
        assert me.status_code == 200 and discovery.status_code == 200
        assert time.monotonic() - started < 5
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_login_failures_and_csrf(node: Any) -> None:
    _, challenge = verifier_and_challenge()
    with node.client() as client:
        failed = authorize(node, client, challenge, password="wrong password!")
        assert failed.status_code == 401 and "Wrong name or password" in failed.text
        fields = {"username": "alice", "password": PASSWORD, "csrf_token": "forged", "client_id": node.web["client_id"]}
        forged = client.post("/oauth/authorize", data=fields)
        assert forged.status_code == 400 and "location" not in forged.headers
    with node.client(node.token("ada", "audit:read")) as admin:
        events = admin.get("/api/audit", params={"kind": "login.failed", "limit": 1000}).json()["events"]
    assert any(e["actor"] == "user:alice" for e in events)


def test_operator_token_cli_and_key_rotation(node: Any) -> None:
    issued = cli(node.home, "token", "issue", "alice", "--scope", "access:request")
    assert issued.exit_code == 0
    token = issued.stdout.strip()
    assert token.count(".") == 2 and "\n" not in token
    # The CLI read fedcat.toml, whose base_url is this server: the token is valid here.
    with node.client(token) as client:
        assert client.get("/api/me").json()["scopes"] == ["access:request"]
        assert cli(node.home, "keys", "rotate").exit_code == 0
        time.sleep(1.1)  # the server re-reads the key manifest at most once a second
        assert client.get("/api/me").status_code == 200  # old tokens live on after a rotation
        kids = {k["kid"] for k in client.get("/oauth/jwks").json()["keys"]}
    assert len(kids) == 2
    fresh = cli(node.home, "token", "issue", "alice").stdout.strip()
    assert json.loads(base64.urlsafe_b64decode(fresh.split(".")[0] + "=="))["kid"] in kids
    with node.client(fresh) as client:
        assert client.get("/api/me").status_code == 200
    assert cli(node.home, "token", "issue", "nobody").exit_code != 0


class TinyIssuer:
    """A Keycloak-like OIDC issuer on 127.0.0.1: discovery, JWKS, and tokens it signs with its own key."""

    def __init__(self) -> None:
        self.server = LoopbackServer().start()
        self.key = RSAKey.generate_key(2048, parameters={"kid": "kc-1", "alg": "RS256", "use": "sig"})
        self.url = self.server.url + "/realms/lnds"
        self.server.route(
            "/realms/lnds/.well-known/openid-configuration",
            json.dumps({"issuer": self.url, "jwks_uri": self.url + "/protocol/openid-connect/certs"}),
            "application/json",
        )
        self.server.route(
            "/realms/lnds/protocol/openid-connect/certs",
            json.dumps(KeySet([self.key]).as_dict(private=False)),
            "application/json",
        )

    @property
    def jwks_fetches(self) -> int:
        return sum(1 for hit in self.server.hits if hit.endswith("/certs"))

    def token(self, roles: list[str], *, kid: str = "kc-1", key: RSAKey | None = None, **claims: Any) -> str:
        now = int(time.time())
        body = {
            "iss": self.url,
            "aud": "fedcat-node",
            "sub": "kc-user-1",
            "azp": "fedcat-web",
            "scope": "openid access:request",
            "exp": now + 300,
            "iat": now,
            "realm_access": {"roles": roles},
            "preferred_username": "kc-alice",
            **claims,
        }
        return jwt.encode({"alg": "RS256", "typ": "at+jwt", "kid": kid}, body, key or self.key)


def test_external_issuer_mode(tmp_path: Path) -> None:
    issuer = TinyIssuer()
    home = tmp_path / "node"
    build_node(home, users=False)
    configure(
        home,
        issuer_mode="external",
        issuer=issuer.url,
        audience="fedcat-node",
        role_claim="realm_access.roles",
        role_map={"lnds-researcher": "scientist", "lnds-steward": "steward"},
        publisher_claim="lnds_publishers",
        jwks_cooldown_seconds=300,
    )
    try:
        with live(home) as node:
            with node.client(issuer.token(["lnds-researcher", "offline_access"])) as client:
                me = client.get("/api/me").json()
                assert me["roles"] == ["scientist"] and me["username"] == "kc-alice"
                created = client.post("/api/projects", json={"title": "t", "purpose": "p"})
                assert created.status_code == 201 and created.json()["principal_investigator"] == "kc-alice"
                assert client.get("/.well-known/openid-configuration").status_code == 404  # no built-in server
            assert issuer.jwks_fetches == 1
            stranger = RSAKey.generate_key(2048)
            for i in range(100):
                forged = issuer.token(["lnds-steward"], kid=f"unknown-{i}", key=stranger)
                with node.client(forged) as client:
                    assert client.get("/api/me").status_code == 401
            assert issuer.jwks_fetches == 1  # 100 unknown kids inside one cooldown: no refetch
            with node.client(issuer.token(["lnds-researcher"], aud="someone-else")) as client:
                assert client.get("/api/me").status_code == 401
            with node.client(issuer.token(["lnds-researcher"], iss="https://evil.example")) as client:
                assert client.get("/api/me").status_code == 401
            with node.client(issuer.token(["lnds-steward"], lnds_publishers=["STATEC"], sub="kc-steward")) as client:
                queue = client.get("/api/steward/queue")
                assert queue.status_code == 403  # a missing scope: this token has no access:review
                assert "insufficient_scope" in queue.headers["www-authenticate"]
            token = issuer.token(["lnds-steward"], lnds_publishers=["STATEC"], sub="kc-steward", scope="access:review")
            with node.client(token) as client:
                assert client.get("/api/steward/queue").status_code == 200
    finally:
        issuer.server.stop()
