"""Abuse and bad input against the access routes, over real HTTP: each attack in the issue has a test."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import RSAKey

from access.deps import OptionalPrincipal
from access.errors import BearerError
from access.runtime import _bearer_error
from tests.access_support import build_node, cli, live
from tests.test_access_oauth import authorize, code_from, exchange, parse_client, verifier_and_challenge

REDIRECT = "http://127.0.0.1/callback"


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Any:
    home = tmp_path_factory.mktemp("abuse") / "node"
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
        "openid offline_access access:request",
    )
    with live(home) as served:
        served.ids = ids  # type: ignore[attr-defined]
        served.web = parse_client(web.output)  # type: ignore[attr-defined]
        yield served


def as_user(node: Any, user: str) -> httpx.Client:
    return node.client(node.token(user))


@pytest.fixture(scope="module")
def alices_request(node: Any) -> dict[str, str]:
    with as_user(node, "alice") as client:
        project = client.post("/api/projects", json={"title": "t", "purpose": "p", "members": ["bob"]}).json()
        body = {
            "project_id": project["id"],
            "datasets": [node.ids["stays"]],
            "purpose": "p",
            "legal_basis": "b",
            "accept_terms": True,
        }
        request = client.post("/api/access-requests", json=body).json()
        assert client.post(f"/api/access-requests/{request['id']}/submit").status_code == 200
    return {"project": project["id"], "request": request["id"]}


def test_another_users_objects_answer_404_like_missing_ones(node: Any, alices_request: dict[str, str]) -> None:
    rid, pid = alices_request["request"], alices_request["project"]
    with as_user(node, "mallory") as mallory:
        theirs = mallory.get(f"/api/access-requests/{rid}")
        missing = mallory.get("/api/access-requests/req-doesnotexist")
        assert theirs.status_code == missing.status_code == 404
        assert theirs.json()["type"] == missing.json()["type"] == "not-found"
        assert set(theirs.json()) == set(missing.json())
        assert mallory.get(f"/api/projects/{pid}").status_code == 404
        for path in ("submit", "withdraw"):
            assert mallory.post(f"/api/access-requests/{rid}/{path}").status_code == 404
        assert mallory.patch(f"/api/access-requests/{rid}", json={"purpose": "mine now"}).status_code == 404
        body = {"project_id": pid, "datasets": [node.ids["stays"]], "purpose": "p", "legal_basis": "b"}
        assert mallory.post("/api/access-requests", json=body).status_code == 404  # not their project
    with as_user(node, "sue") as sue:  # a steward of another publisher
        assert sue.get(f"/api/access-requests/{rid}").status_code == 404
        assert (
            sue.post(f"/api/access-requests/{rid}/decision", json={"decision": "approve", "reason": "x"}).status_code
            == 404
        )


def test_scientists_cannot_reach_decision_endpoints_by_any_method(node: Any, alices_request: dict[str, str]) -> None:
    rid = alices_request["request"]
    decision = {"decision": "approve", "reason": "self-service"}
    with as_user(node, "alice") as alice:
        for path in (
            f"/api/access-requests/{rid}/decision",
            f"/api/access-requests/{rid}/revoke",
            "/api/steward/queue",
        ):
            for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                response = alice.request(method, path, json=decision)
                assert response.status_code in (403, 405), (method, path, response.status_code)
                assert not response.is_success
        assert alice.post(f"/api/access-requests/{rid}/decision", json=decision).json()["type"] == "forbidden"
        assert alice.get(f"/api/access-requests/{rid}").json()["state"] == "submitted"
        assert alice.get("/api/audit").status_code == 403
    with node.client(node.token("sam", "access:request")) as sam:  # a steward whose token lacks the scope
        response = sam.post(f"/api/access-requests/{rid}/decision", json=decision)
        assert response.status_code == 403 and 'error="insufficient_scope"' in response.headers["www-authenticate"]


@pytest.mark.parametrize(
    "field", [{"status": "approved"}, {"state": "approved"}, {"end_date": "2099-01-01"}, {"decided_by": "sam"}]
)
def test_mass_assignment_is_refused(node: Any, alices_request: dict[str, str], field: dict[str, str]) -> None:
    with as_user(node, "alice") as alice:
        before = len(alice.get("/api/access-requests").json())
        body = {
            "project_id": alices_request["project"],
            "datasets": [node.ids["census"]],
            "purpose": "p",
            "legal_basis": "b",
            **field,
        }
        response = alice.post("/api/access-requests", json=body)
        assert response.status_code == 422 and response.json()["type"] == "invalid-request"
        assert len(alice.get("/api/access-requests").json()) == before
        rid = alices_request["request"]
        assert alice.patch(f"/api/access-requests/{rid}", json=field).status_code == 422
    with as_user(node, "sam") as sam:
        body = {"decision": "approve", "reason": "x", **field}
        assert sam.post(f"/api/access-requests/{alices_request['request']}/decision", json=body).status_code == 422
        assert sam.get(f"/api/access-requests/{alices_request['request']}").json()["state"] == "submitted"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def bad_tokens(node: Any) -> dict[str, str]:
    runtime = node.runtime
    key = runtime.ring.signing_key()
    now = int(time.time())
    base = {
        "iss": runtime.issuer_url,
        "aud": runtime.audience,
        "sub": "x",
        "client_id": "c",
        "scope": "access:request",
        "roles": ["admin"],
        "iat": now,
        "exp": now + 300,
    }
    header = {"alg": "RS256", "typ": "at+jwt", "kid": key.kid}

    def sign(claims: dict[str, Any], hdr: dict[str, Any] = header, with_key: RSAKey = key) -> str:
        return jwt.encode(hdr, claims, with_key, algorithms=["RS256"])

    good = node.token("alice")
    signing_input = _b64({"alg": "HS256", "typ": "at+jwt", "kid": key.kid}) + "." + good.split(".")[1]
    mac = hmac.new(key.as_pem(private=False), signing_input.encode(), hashlib.sha256).digest()
    return {
        "unsigned": _b64({"alg": "none", "typ": "at+jwt", "kid": key.kid}) + "." + _b64(base) + ".",
        "forged": sign(base, with_key=RSAKey.generate_key(2048, parameters={"kid": key.kid})),
        "tampered": good.split(".")[0] + "." + _b64(base) + "." + good.split(".")[2],
        "expired": sign({**base, "iat": now - 4000, "exp": now - 3600}),
        "not yet valid": sign({**base, "nbf": now + 3600, "iat": now}),
        "other audience": sign({**base, "aud": "https://other.example"}),
        "other issuer": sign({**base, "iss": "https://evil.example"}),
        "hs256 with the public key": signing_input + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode(),
        "id token": runtime.issuer.id_token(subject="x", client_id="c", nonce=None, auth_time=now, username="x"),
        "garbage": "not-a-token",
    }


def test_bad_tokens_are_refused_with_rfc6750_challenges(node: Any) -> None:
    for name, token in bad_tokens(node).items():
        with node.client(token) as client:
            response = client.get("/api/me")
        assert response.status_code == 401, name
        challenge = response.headers["www-authenticate"]
        assert challenge.startswith("Bearer ") and 'error="invalid_token"' in challenge, name
        assert response.json()["status"] == 401
    with node.client() as client:
        anonymous = client.get("/api/me")
        assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == 'Bearer realm="fedcat"'
        basic = client.get("/api/me", headers={"Authorization": "Basic YWxpY2U6eA=="})
        assert basic.status_code == 401


def test_replayed_authorization_code(node: Any) -> None:
    verifier, challenge = verifier_and_challenge()
    with node.client() as client:
        code = code_from(authorize(node, client, challenge))
    first = exchange(node, code, verifier)
    assert first.status_code == 200
    second = exchange(node, code, verifier)
    assert second.status_code == 400 and second.json()["error"] == "invalid_grant"
    with node.client() as client:  # what the first use produced is revoked too
        refresh = client.post(
            "/oauth/token",
            data={
                "grant_type": "refresh_token",
                "client_id": node.web["client_id"],
                "refresh_token": first.json()["refresh_token"],
            },
        )
    assert refresh.status_code == 400


def test_pkce_mismatch_and_missing_pkce(node: Any) -> None:
    _, challenge = verifier_and_challenge()
    other_verifier, _ = verifier_and_challenge()
    with node.client() as client:
        code = code_from(authorize(node, client, challenge))
    wrong = exchange(node, code, other_verifier)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    assert exchange(node, code, other_verifier).status_code == 400  # and the code is spent
    params = {"response_type": "code", "client_id": node.web["client_id"], "redirect_uri": REDIRECT, "state": "s"}
    with node.client() as client:
        for extra in (
            {},
            {"code_challenge": challenge, "code_challenge_method": "plain"},
            {"code_challenge": challenge},
        ):
            response = client.get("/oauth/authorize", params={**params, **extra})
            assert response.status_code == 302  # the registered redirect URI hears about the error
            query = parse_qs(urlsplit(response.headers["location"]).query)
            assert query["error"] == ["invalid_request"] and "code" not in query


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://evil.example/callback",
        "http://127.0.0.1/other-path",
        "http://127.0.0.1@evil.example/callback",
        "http://evil.example/callback",
        "//evil.example/callback",
        "http://127.0.0.1/callback#frag",
        "http://127.0.0.2/callback",
    ],
)
def test_no_open_redirect_at_authorize(node: Any, redirect_uri: str) -> None:
    _, challenge = verifier_and_challenge()
    params = {
        "response_type": "code",
        "client_id": node.web["client_id"],
        "redirect_uri": redirect_uri,
        "state": "s",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    with node.client() as client:
        response = client.get("/oauth/authorize", params=params)
        assert response.status_code == 400 and "location" not in response.headers
        unknown = client.get("/oauth/authorize", params={**params, "client_id": "nobody", "redirect_uri": REDIRECT})
        assert unknown.status_code == 400 and "location" not in unknown.headers


def test_unknown_ids(node: Any) -> None:
    with as_user(node, "sam") as sam:
        for rid in ("req-nope", "x" * 300, "..%2F..%2Fetc", "1 OR 1=1"):
            assert sam.get(f"/api/access-requests/{rid}").status_code == 404
            response = sam.post(f"/api/access-requests/{rid}/decision", json={"decision": "reject", "reason": "x"})
            assert response.status_code == 404
    with as_user(node, "alice") as alice:
        assert alice.get("/api/projects/prj-nope").status_code == 404


def test_oversized_bodies(node: Any, alices_request: dict[str, str]) -> None:
    huge = {
        "project_id": alices_request["project"],
        "datasets": [node.ids["stays"]],
        "purpose": "x" * 200_000,
        "legal_basis": "b",
    }
    with as_user(node, "alice") as alice:
        response = alice.post("/api/access-requests", json=huge)
        assert response.status_code == 413 and response.json()["type"] == "payload-too-large"

        def chunks() -> Any:  # no Content-Length: the cap holds on the stream itself
            for _ in range(100):
                yield b"x" * 4096

        streamed = alice.post("/api/projects", content=chunks(), headers={"Content-Type": "application/json"})
        assert streamed.status_code == 413
    with node.client() as client:
        token = client.post("/oauth/token", data={"grant_type": "client_credentials", "junk": "y" * 200_000})
        assert token.status_code == 413


def test_optional_principal_for_other_routers(node: Any) -> None:
    app = FastAPI()
    app.state.access = node.runtime
    app.add_exception_handler(BearerError, _bearer_error)

    @app.get("/page")
    async def page(principal: OptionalPrincipal) -> dict[str, Any]:
        return {"user": principal.username if principal else None}

    with TestClient(app) as client:
        assert client.get("/page").json() == {"user": None}  # anonymous: the public view
        assert client.get("/page", headers={"Authorization": f"Bearer {node.token('alice')}"}).json() == {
            "user": "alice"
        }
        assert client.get("/page", headers={"Authorization": "Bearer broken"}).status_code == 401  # never downgraded
