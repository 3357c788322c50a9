"""RFC 9068 access tokens: issued with the node's key, validated strictly; key rotation; the JWKS cache."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from access.errors import IssuerUnavailable, TokenError
from access.jwks import JwksCache, KeyFetchNeeded
from access.keys import KeyRing
from access.tokens import LocalKeys, TokenIssuer, TokenValidator, principal_from_claims

ISS, AUD = "https://node.example.lu", "https://node.example.lu"


class Clock:
    def __init__(self, now: int = 1_800_000_000) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ring(tmp_path: Path) -> KeyRing:
    return KeyRing(tmp_path / "keys", grace_seconds=330)


def pair(ring: KeyRing, clock: Clock, **kw: Any) -> tuple[TokenIssuer, TokenValidator]:
    issuer = TokenIssuer(ring, issuer=ISS, audience=AUD, access_seconds=300, id_seconds=300, clock=clock)
    validator = TokenValidator(LocalKeys(ring), issuer=ISS, audience=AUD, leeway=30, clock=clock, **kw)
    return issuer, validator


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_access_token_is_rfc9068(ring: KeyRing, clock: Clock) -> None:
    issuer, validator = pair(ring, clock)
    token, claims = issuer.access_token(
        subject="u1", client_id="c1", scope="access:request", roles=["steward"], publishers=["STATEC"], username="sue"
    )
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header == {"alg": "RS256", "typ": "at+jwt", "kid": ring.ensure()}
    assert {"iss", "aud", "sub", "client_id", "scope", "iat", "exp", "jti", "roles"} <= claims.keys()
    assert claims["exp"] - claims["iat"] == 300  # minutes, not days
    checked = validator.validate(token)
    principal = principal_from_claims(checked)
    assert principal.roles == {"steward"} and principal.publishers == {"STATEC"} and principal.is_user
    assert principal.scopes == {"access:request"} and principal.client_id == "c1"


def test_expiry_and_not_before_with_leeway(ring: KeyRing, clock: Clock) -> None:
    issuer, validator = pair(ring, clock)
    token, claims = issuer.access_token(subject="u", client_id="c", scope="")
    clock.now = claims["exp"] + 29  # inside the leeway
    validator.validate(token)
    clock.now = claims["exp"] + 31
    with pytest.raises(TokenError, match="expired"):
        validator.validate(token)
    clock.now = 1_800_000_000
    future, _ = TokenIssuer(
        ring, issuer=ISS, audience=AUD, access_seconds=300, id_seconds=300, clock=lambda: 1_800_000_000 + 120
    ).access_token(subject="u", client_id="c", scope="")
    with pytest.raises(TokenError, match=r"not yet valid|issued in the future"):
        validator.validate(future)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"iss": "https://evil.example"}, "iss"),
        ({"aud": "https://other.example"}, "aud"),
        ({"sub": None}, "sub"),
    ],
)
def test_claims_are_checked(ring: KeyRing, clock: Clock, change: dict[str, Any], message: str) -> None:
    _, validator = pair(ring, clock)
    key = ring.signing_key()
    claims = {"iss": ISS, "aud": AUD, "sub": "u", "exp": clock.now + 60, "iat": clock.now, "client_id": "c"}
    claims = {k: v for k, v in {**claims, **change}.items() if v is not None}
    token = jwt.encode({"alg": "RS256", "typ": "at+jwt", "kid": key.kid}, claims, key, algorithms=["RS256"])
    with pytest.raises(TokenError, match=message):
        validator.validate(token)


def test_algorithm_type_and_key_are_checked_before_the_signature(ring: KeyRing, clock: Clock) -> None:
    issuer, validator = pair(ring, clock)
    token, claims = issuer.access_token(subject="u", client_id="c", scope="")
    head, body, _ = token.split(".")
    kid = ring.ensure()
    unsigned = b64({"alg": "none", "typ": "at+jwt", "kid": kid}) + "." + body + "."
    with pytest.raises(TokenError):
        validator.validate(unsigned)
    # HS256 "signed" with the public key: the classic algorithm confusion attack.
    public_pem = ring.signing_key().as_pem(private=False)  # joserfc refuses to build this, so do it by hand
    signing_input = b64({"alg": "HS256", "typ": "at+jwt", "kid": kid}) + "." + body
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    hs = signing_input + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    with pytest.raises(TokenError, match="algorithm 'HS256' is not allowed"):
        validator.validate(hs)
    id_token = issuer.id_token(subject="u", client_id="c", nonce="n", auth_time=clock.now, username="u")
    with pytest.raises(TokenError, match="not an access token"):
        validator.validate(id_token)
    forged_key = RSAKey.generate_key(2048, parameters={"kid": kid})
    forged = jwt.encode({"alg": "RS256", "typ": "at+jwt", "kid": kid}, claims, forged_key, algorithms=["RS256"])
    with pytest.raises(TokenError, match="bad signature"):
        validator.validate(forged)
    stranger = RSAKey.generate_key(2048, parameters={"kid": "someone-else"})
    with pytest.raises(TokenError, match="unknown key"):
        validator.validate(jwt.encode({"alg": "RS256", "typ": "at+jwt", "kid": "someone-else"}, claims, stranger))
    with pytest.raises(TokenError, match="key material"):
        validator.validate(
            jwt.encode({"alg": "RS256", "typ": "at+jwt", "kid": kid, "jku": "https://x"}, claims, ring.signing_key())
        )
    for junk in ("", "a.b", "a.b.c.d.e", "x" * 9000, head + "." + body + ".!!"):
        with pytest.raises(TokenError):
            validator.validate(junk)


def test_revoked_jti_is_refused(ring: KeyRing, clock: Clock) -> None:
    revoked: set[str] = set()
    issuer, validator = pair(ring, clock, is_revoked=revoked.__contains__)
    token, claims = issuer.access_token(subject="u", client_id="c", scope="")
    validator.validate(token)
    revoked.add(claims["jti"])
    with pytest.raises(TokenError, match="revoked"):
        validator.validate(token)


def test_rotation_keeps_old_tokens_valid_until_they_expire(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    now = [datetime(2027, 1, 1, tzinfo=UTC)]
    ring = KeyRing(tmp_path / "keys", grace_seconds=330, clock=lambda: now[0])
    epoch = Clock(int(now[0].timestamp()))
    issuer, validator = pair(ring, epoch)
    old, _ = issuer.access_token(subject="u", client_id="c", scope="")
    old_kid = ring.ensure()
    new_kid = KeyRing(tmp_path / "keys", grace_seconds=330, clock=lambda: now[0]).rotate()  # another process
    ring._checked = 0.0  # let this process notice the manifest changed without waiting a second
    assert new_kid != old_kid and {k["kid"] for k in ring.jwks()["keys"]} == {old_kid, new_kid}
    validator.validate(old)
    fresh, _ = issuer.access_token(subject="u", client_id="c", scope="")
    assert json.loads(base64.urlsafe_b64decode(fresh.split(".")[0] + "=="))["kid"] == new_kid
    now[0] += timedelta(seconds=331)
    epoch.now = int(now[0].timestamp())
    assert [k["kid"] for k in ring.jwks()["keys"]] == [new_kid]
    with pytest.raises(TokenError):
        validator.validate(old)
    assert (tmp_path / "keys" / f"{new_kid}.pem").stat().st_mode & 0o077 == 0  # private keys: owner only


class FakeIssuer:
    """Discovery and JWKS documents served through an httpx transport, counting JWKS fetches."""

    def __init__(self, keys: list[RSAKey]) -> None:
        self.keys = keys
        self.jwks_hits = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/.well-known/openid-configuration":
            return httpx.Response(200, json={"issuer": ISS, "jwks_uri": f"{ISS}/jwks"})
        if request.url.path == "/jwks":
            self.jwks_hits += 1
            return httpx.Response(200, json={"keys": [k.as_dict(private=False) for k in self.keys]})
        return httpx.Response(404)


def test_jwks_cache_fetches_at_most_once_per_cooldown() -> None:
    key = RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256", "use": "sig"})
    fake = FakeIssuer([key])
    now = [0.0]
    cache = JwksCache(
        ISS, algorithms=["RS256"], cooldown=60, transport=httpx.MockTransport(fake.handler), clock=lambda: now[0]
    )
    assert cache.key_for("k1") is not None and fake.jwks_hits == 1
    for i in range(100):
        assert cache.key_for(f"unknown-{i}") is None
    assert fake.jwks_hits == 1  # the first unknown kid came inside the cooldown of the first fetch
    now[0] = 61
    for i in range(100):
        cache.key_for(f"unknown-{i}")
    assert fake.jwks_hits == 2
    with pytest.raises(KeyFetchNeeded):
        now[0] = 200
        cache.key_for("rotated", allow_fetch=False)
    fake.keys.append(RSAKey.generate_key(2048, parameters={"kid": "rotated"}))
    assert cache.key_for("rotated") is not None and fake.jwks_hits == 3


def test_discovery_must_name_the_configured_issuer() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"issuer": "https://evil.example", "jwks_uri": "https://evil.example/jwks"})

    cache = JwksCache(ISS, algorithms=["RS256"], transport=httpx.MockTransport(handler))
    with pytest.raises(IssuerUnavailable, match="names issuer"):
        cache.key_for("k")


def test_role_mapping_for_external_issuers() -> None:
    claims = {
        "iss": ISS,
        "sub": "kc-123",
        "azp": "portal",
        "scope": "openid access:request",
        "realm_access": {"roles": ["data-steward", "offline_access"]},
        "groups": ["STATEC"],
        "preferred_username": "sue",
    }
    principal = principal_from_claims(
        claims, role_claim="realm_access.roles", role_map={"data-steward": "steward"}, publisher_claim="groups"
    )
    assert principal.roles == {"steward"} and principal.publishers == {"STATEC"}
    assert principal.client_id == "portal" and principal.username == "sue"
