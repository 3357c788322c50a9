"""RFC 9068 JWT access tokens (and OIDC ID tokens): issued with the node's key, validated strictly.

Validation checks, in this order and before trusting anything in the token: its shape (a compact JWS, no
JWE, bounded size), the header's algorithm against the allow-list (so `none` and HS256-with-the-public-key
never reach a verifier), `typ` (`at+jwt`, so an ID token is not an access token), a `kid` we know; then the
signature; then `iss`, `aud`, `exp`, `nbf`, `iat` with a small leeway, `sub`; then revocation by `jti`.
"""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from joserfc import jwt
from joserfc.errors import BadSignatureError, ExpiredTokenError, JoseError, MissingClaimError
from joserfc.jwk import RSAKey

from access.errors import TokenError
from access.keys import KeyRing

MAX_TOKEN = 8192
_COMPACT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
# Header parameters that would tell a naive verifier where to get a key: we never follow them.
_KEY_POINTERS = {"jku", "jwk", "x5u", "x5c", "crit"}


def epoch() -> int:
    """Now as a Unix timestamp (the default clock of issuers and validators)."""
    return int(time.time())


@dataclass(frozen=True)
class Principal:
    """Who a validated token speaks for: a user (with roles) or a machine client (scopes only)."""

    subject: str
    issuer: str
    client_id: str | None
    scopes: frozenset[str]
    roles: frozenset[str] = frozenset()
    publishers: frozenset[str] = frozenset()
    username: str | None = None
    claims: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_user(self) -> bool:
        """True for a person; machine clients (client credentials) have no roles."""
        return bool(self.roles)

    @property
    def jti(self) -> str | None:
        value = self.claims.get("jti")
        return value if isinstance(value, str) else None


class KeySource(Protocol):
    """Where validation finds public keys by `kid`."""

    def key_for(self, kid: str, *, allow_fetch: bool = True) -> RSAKey | None:
        """The key for `kid`, or None; may raise `KeyFetchNeeded` when `allow_fetch` is False."""


class LocalKeys:
    """The node's own key ring as a `KeySource` (builtin issuer mode)."""

    def __init__(self, ring: KeyRing) -> None:
        self.ring = ring

    def key_for(self, kid: str, *, allow_fetch: bool = True) -> RSAKey | None:
        return self.ring.verification_key(kid)


class TokenIssuer:
    """Signs access and ID tokens with the current key of the node's key ring."""

    def __init__(
        self,
        ring: KeyRing,
        *,
        issuer: str,
        audience: str,
        access_seconds: int,
        id_seconds: int,
        clock: Callable[[], int] = epoch,
    ) -> None:
        self.ring = ring
        self.issuer = issuer
        self.audience = audience
        self.access_seconds = access_seconds
        self.id_seconds = id_seconds
        self.clock = clock

    def _sign(self, claims: dict[str, Any], typ: str) -> str:
        key = self.ring.signing_key()
        header = {"alg": "RS256", "typ": typ, "kid": key.kid}
        return jwt.encode(header, claims, key, algorithms=["RS256"])

    def access_token(
        self,
        *,
        subject: str,
        client_id: str,
        scope: str,
        roles: Collection[str] = (),
        publishers: Collection[str] = (),
        username: str | None = None,
        auth_time: int | None = None,
        lifetime: int | None = None,
    ) -> tuple[str, dict[str, Any]]:
        """An RFC 9068 access token and its claims."""
        now = self.clock()
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "client_id": client_id,
            "scope": scope,
            "iat": now,
            "nbf": now,
            "exp": now + (lifetime or self.access_seconds),
            "jti": uuid.uuid4().hex,
        }
        if roles:
            claims["roles"] = sorted(roles)
        if publishers:
            claims["publishers"] = sorted(publishers)
        if username:
            claims["preferred_username"] = username
        if auth_time is not None:
            claims["auth_time"] = auth_time
        return self._sign(claims, "at+jwt"), claims

    def id_token(self, *, subject: str, client_id: str, nonce: str | None, auth_time: int, username: str | None) -> str:
        """An OIDC ID token: `typ` JWT and `aud` the client, so it can never pass as an access token here."""
        now = self.clock()
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": client_id,
            "sub": subject,
            "iat": now,
            "exp": now + self.id_seconds,
            "auth_time": auth_time,
            "azp": client_id,
        }
        if nonce:
            claims["nonce"] = nonce
        if username:
            claims["preferred_username"] = username
        return self._sign(claims, "JWT")


def _b64json(segment: str) -> Any:
    padded = segment + "=" * (-len(segment) % 4)
    return json.loads(base64.urlsafe_b64decode(padded))


def unverified_header(token: str) -> dict[str, Any]:
    """The JOSE header of a compact JWS, parsed but NOT verified; `TokenError` when it is not one."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN or not _COMPACT.match(token):
        raise TokenError("the token is not a compact JWS")
    try:
        header = _b64json(token.split(".", 1)[0])
    except (ValueError, UnicodeDecodeError) as exc:
        raise TokenError("the token header is not JSON") from exc
    if not isinstance(header, dict):
        raise TokenError("the token header is not a JSON object")
    return header


class TokenValidator:
    """Validates access tokens for one issuer and audience."""

    def __init__(
        self,
        keys: KeySource,
        *,
        issuer: str,
        audience: str,
        algorithms: Collection[str] = ("RS256",),
        accepted_types: Collection[str] = ("at+jwt", "application/at+jwt"),
        leeway: int = 30,
        clock: Callable[[], int] = epoch,
        is_revoked: Callable[[str], bool] | None = None,
    ) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.algorithms = list(algorithms)
        self.accepted_types = {t.lower() for t in accepted_types}
        self.leeway = leeway
        self.clock = clock
        self.is_revoked = is_revoked

    def validate(self, token: str, *, allow_fetch: bool = True) -> dict[str, Any]:
        """The claims of a valid access token; `TokenError` naming what is wrong otherwise."""
        header = unverified_header(token)
        alg = header.get("alg")
        if alg not in self.algorithms:
            raise TokenError(f"algorithm {alg!r} is not allowed")
        typ = header.get("typ")
        if not isinstance(typ, str) or typ.lower() not in self.accepted_types:
            raise TokenError(f"token type {typ!r} is not an access token")
        if _KEY_POINTERS & header.keys():
            raise TokenError("the token header carries key material or critical extensions")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise TokenError("the token names no key")
        key = self.keys.key_for(kid, allow_fetch=allow_fetch)
        if key is None:
            raise TokenError("the token was signed by an unknown key")
        try:
            claims = jwt.decode(token, key, algorithms=self.algorithms).claims
        except BadSignatureError as exc:
            raise TokenError("bad signature") from exc
        except JoseError as exc:
            raise TokenError(f"the token does not verify: {exc.description or exc.error}") from exc
        registry = jwt.JWTClaimsRegistry(
            now=self.clock,
            leeway=self.leeway,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.audience},
            exp={"essential": True},
            sub={"essential": True},
        )
        try:
            registry.validate(claims)
        except ExpiredTokenError as exc:
            raise TokenError("the token has expired") from exc
        except MissingClaimError as exc:
            raise TokenError(f"the token lacks claims: {exc.description}") from exc
        except JoseError as exc:
            raise TokenError(f"invalid claim: {exc.description or exc.error}") from exc
        jti = claims.get("jti")
        if self.is_revoked is not None and isinstance(jti, str) and self.is_revoked(jti):
            raise TokenError("the token has been revoked")
        return claims


def _claim(claims: Mapping[str, Any], path: str) -> Any:
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def principal_from_claims(
    claims: Mapping[str, Any],
    *,
    role_claim: str = "roles",
    role_map: Mapping[str, str] | None = None,
    publisher_claim: str | None = "publishers",
    username_claim: str = "preferred_username",
) -> Principal:
    """The principal of validated claims, with roles mapped onto fedcat's (unknown role values are ignored)."""
    from access.settings import ROLES

    mapping = {r: r for r in ROLES} | dict(role_map or {})
    roles = frozenset(mapping[r] for r in _strings(_claim(claims, role_claim)) if r in mapping)
    scope = claims.get("scope")
    scopes = frozenset(scope.split()) if isinstance(scope, str) else frozenset(_strings(claims.get("scp")))
    client = claims.get("client_id") or claims.get("azp")
    username = _claim(claims, username_claim)
    return Principal(
        subject=str(claims["sub"]),
        issuer=str(claims["iss"]),
        client_id=client if isinstance(client, str) else None,
        scopes=scopes,
        roles=roles,
        publishers=frozenset(_strings(_claim(claims, publisher_claim))) if publisher_claim else frozenset(),
        username=username if isinstance(username, str) else None,
        claims=dict(claims),
    )
