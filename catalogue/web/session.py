"""Signing in to the pages: the authorization code flow with PKCE, and the session cookie that holds the tokens.

The pages are an OAuth client of their own node (the "backend for frontend" pattern): a confidential client,
registered automatically the first time someone signs in, whose secret lives in `<home>/keys/web-client.json`
(mode 0600). `/signin` sends the browser to the authorization endpoint with a fresh `state` and PKCE
challenge (S256), kept in a short-lived encrypted cookie; `/oauth/callback` checks the state and redeems the
code with the verifier. Against the built-in issuer the code is redeemed in-process, through the same
authorization server object `/oauth/token` uses; against an external OIDC issuer, over HTTP to its token
endpoint (found by discovery, with the client configured under `[web]` in fedcat.toml).

The tokens go into one cookie, encrypted and authenticated with a node key (`<home>/keys/web-session.key`,
Fernet: AES-CBC + HMAC-SHA256), `HttpOnly`, `SameSite=Lax`, `Secure` (and `__Host-`) on https. The browser
carries them but can read them neither from script nor from the cookie itself. Access tokens live minutes:
a request that finds one about to expire rotates it with the refresh token, and signing out revokes both.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import threading
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from pydantic import BaseModel
from starlette.datastructures import Headers

from access import audit
from access.accounts import RESTRICTED_SCOPE, add_client
from access.credentials import digest, matches, new_secret
from access.errors import TokenError
from access.models import Client
from access.oauth import FedcatServer, HttpCall, valid_redirect_uri
from access.runtime import AccessRuntime
from access.tokens import Principal
from catalogue.errors import ConfigError, FedcatError

WEB_CLIENT_NAME = "fedcat web pages"
# What the pages act with. Roles still decide: a scientist's token carries access:review, yet every steward
# route also requires the steward role.
WEB_SCOPES = ("access:request", "access:review", "audit:read", RESTRICTED_SCOPE)
CALLBACK_PATH = "/oauth/callback"
FLOW_SECONDS = 600  # from /signin to the callback: time to type a password
REFRESH_MARGIN = 30  # rotate an access token this many seconds before it expires
_lock = threading.Lock()
_discovered: dict[str, dict[str, Any]] = {}  # issuer discovery URL -> document


class SignInFailed(FedcatError):
    """The callback cannot complete the sign-in (stale or forged state, refused code, ...)."""

    status, type, title = 400, "sign-in-failed", "Sign-in failed"


class WebSettings(BaseModel):
    """`[web]` in fedcat.toml (or `FEDCAT_WEB__*`): the pages' client at an external issuer.

    With the built-in issuer nothing needs configuring: the client registers itself.
    """

    client_id: str | None = None
    client_secret: str | None = None
    scope: str = "openid " + " ".join(WEB_SCOPES)


def web_settings(home: Path) -> WebSettings:
    """The `[web]` table of the node's fedcat.toml, overridden by `FEDCAT_WEB__CLIENT_ID` and friends."""
    values: dict[str, Any] = {}
    with contextlib.suppress(OSError, tomllib.TOMLDecodeError):
        values = dict(tomllib.loads((home / "fedcat.toml").read_text()).get("web", {}))
    for name in WebSettings.model_fields:
        env = os.environ.get(f"FEDCAT_WEB__{name.upper()}")
        if env is not None:
            values[name] = env
    return WebSettings(**values)


# -- keys and the client ---------------------------------------------------------------------------------------


def _create_private(path: Path, content: bytes) -> bool:
    """Write `content` to a new file readable by the owner only; False when the file already exists."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    return True


def session_key(home: Path) -> bytes:
    """The node's cookie key (a Fernet key), created on first use; concurrent creators agree on one."""
    path = home / "keys" / "web-session.key"
    _create_private(path, Fernet.generate_key())
    return path.read_bytes().strip()


@dataclass(frozen=True)
class WebClient:
    """The pages' OAuth client: its id, secret, redirect URI and the endpoints it talks to."""

    client_id: str
    client_secret: str | None
    redirect_uri: str
    scope: str
    authorization_endpoint: str
    token_endpoint: str
    revocation_endpoint: str | None
    builtin: bool


def _client_file(home: Path) -> Path:
    return home / "keys" / "web-client.json"


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path` (across processes: several server workers may start at once)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _register(runtime: AccessRuntime, redirect_uri: str) -> tuple[str, str]:
    """The built-in issuer's client for the pages: (client_id, secret), registered or repaired as needed."""
    path = _client_file(runtime.node.home)
    # Under the lock, so a second process never resets a secret the first has just saved.
    with _lock, _exclusive(path.with_suffix(".lock")):
        return _register_locked(runtime, path, redirect_uri)


def _register_locked(runtime: AccessRuntime, path: Path, redirect_uri: str) -> tuple[str, str]:
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError):
        saved = {}
    with runtime.db.session() as session:
        row = session.execute(sa.select(Client).where(Client.name == WEB_CLIENT_NAME)).scalar_one_or_none()
        if row is None:
            created = add_client(
                session, WEB_CLIENT_NAME, scopes=WEB_SCOPES, redirect_uris=[redirect_uri], now=runtime.now()
            )
            row, secret = created.client, created.client_secret or ""
            audit.record(
                session,
                kind="client.added",
                actor="system:web",
                at=runtime.now(),
                subject=row.client_id,
                data={"name": WEB_CLIENT_NAME, "scopes": list(WEB_SCOPES), "redirect_uris": [redirect_uri]},
            )
        elif saved.get("client_id") == row.client_id and matches(row.secret_hash, saved.get("client_secret", "")):
            secret = saved["client_secret"]
        else:
            # The secret file was lost or belongs to another database: the registered client gets a new secret.
            secret = new_secret(32)
            row.secret_hash = digest(secret)
            audit.record(
                session, kind="client.secret_reset", actor="system:web", at=runtime.now(), subject=row.client_id
            )
        if redirect_uri not in row.redirect_uris:
            # base_url changed since the registration: the new callback joins the registered ones.
            row.redirect_uris = [*row.redirect_uris, redirect_uri]
        client_id = row.client_id
    content = json.dumps({"client_id": client_id, "client_secret": secret}).encode()
    if saved.get("client_id") != client_id or saved.get("client_secret") != secret:
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        _create_private(tmp, content)
        os.replace(tmp, path)
    return client_id, secret


def _discover(runtime: AccessRuntime) -> dict[str, Any]:
    """The external issuer's OpenID configuration, fetched once per process and issuer."""
    url = runtime.issuer_url + "/.well-known/openid-configuration"
    cached = _discovered.get(url)
    if cached is not None:
        return cached
    with httpx.Client(transport=runtime.transport, timeout=10.0) as http:
        response = http.get(url)
    if response.status_code != 200:
        raise SignInFailed(f"the identity provider's discovery document answered {response.status_code}")
    document: dict[str, Any] = response.json()
    _discovered[url] = document
    return document


def web_client(runtime: AccessRuntime) -> WebClient:
    """The pages' client for this node's issuer (registering it with the built-in issuer on first use)."""
    redirect_uri = runtime.node.base + CALLBACK_PATH
    if runtime.builtin:
        if not valid_redirect_uri(redirect_uri):
            raise ConfigError(
                f"signing in needs base_url on https (or http on a loopback address), not {runtime.node.base!r}"
            )
        client_id, secret = _register(runtime, redirect_uri)
        base = runtime.issuer_url
        return WebClient(
            client_id,
            secret,
            redirect_uri,
            " ".join(WEB_SCOPES),
            f"{base}/oauth/authorize",
            f"{base}/oauth/token",
            f"{base}/oauth/revoke",
            builtin=True,
        )
    config = web_settings(runtime.node.home)
    if not config.client_id:
        raise ConfigError("signing in through an external issuer needs [web] client_id (and client_secret)")
    found = _discover(runtime)
    return WebClient(
        config.client_id,
        config.client_secret,
        redirect_uri,
        config.scope,
        found["authorization_endpoint"],
        found["token_endpoint"],
        found.get("revocation_endpoint"),
        builtin=False,
    )


# -- the cookie ------------------------------------------------------------------------------------------------


@dataclass
class WebSession:
    """A signed-in user: the tokens (what the cookie holds) and the principal their access token speaks for.

    Roles, publishers and scopes are read from the validated access token on every request, never from the
    cookie, so a refreshed token brings changed roles with it and the cookie stays small.
    """

    sid: str  # random, per sign-in: binds the CSRF tokens to this session
    access_token: str
    refresh_token: str | None
    expires_at: int  # of the access token, epoch seconds
    signed_in_at: int
    principal: Principal
    changed: bool = False  # the cookie must be written again

    @property
    def username(self) -> str:
        return self.principal.username or self.principal.subject

    @property
    def roles(self) -> frozenset[str]:
        return self.principal.roles

    @property
    def scopes(self) -> frozenset[str]:
        return self.principal.scopes

    @property
    def publishers(self) -> frozenset[str]:
        return self.principal.publishers

    def has_role(self, *roles: str) -> bool:
        """True when the user has one of `roles`."""
        return bool(set(roles) & self.principal.roles)

    @property
    def sees_restricted(self) -> bool:
        """True when restricted records are visible to this user (a person with the catalogue:restricted scope)."""
        return RESTRICTED_SCOPE in self.principal.scopes and self.principal.is_user

    def to_cookie(self) -> dict[str, Any]:
        """What the cookie keeps."""
        return {
            "sid": self.sid,
            "at": self.access_token,
            "rt": self.refresh_token,
            "exp": self.expires_at,
            "auth": self.signed_in_at,
        }


class CookieJar:
    """Seals and opens the pages' cookies with the node key; names them by the transport (`__Host-` on https)."""

    def __init__(self, home: Path, base_url: str) -> None:
        self.key = session_key(home)
        self.fernet = Fernet(self.key)
        self.secure = base_url.startswith("https://")
        prefix = "__Host-" if self.secure else ""
        self.session_name = f"{prefix}fedcat_session"
        self.flow_name = f"{prefix}fedcat_signin"

    def seal(self, data: dict[str, Any]) -> str:
        """The cookie value for `data`: encrypted, authenticated and timestamped."""
        return self.fernet.encrypt(json.dumps(data, separators=(",", ":")).encode()).decode()

    def open(self, value: str | None, max_age: int) -> dict[str, Any] | None:
        """The data of a cookie this node sealed less than `max_age` seconds ago; None for anything else."""
        if not value:
            return None
        try:
            data = json.loads(self.fernet.decrypt(value.encode(), ttl=max_age))
        except (InvalidToken, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def options(self, max_age: int | None) -> dict[str, Any]:
        """Cookie attributes: host-only, whole site, no script access, not sent on cross-site subrequests."""
        return {"max_age": max_age, "path": "/", "secure": self.secure, "httponly": True, "samesite": "lax"}


# -- the flow --------------------------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def safe_next(target: str | None) -> str:
    """A local path to return to after signing in; anything else (other hosts, schemes, `//x`) becomes `/`."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


def begin(client: WebClient, next_url: str | None) -> tuple[str, dict[str, Any]]:
    """The authorization URL to send the browser to, and the flow state to keep in the sign-in cookie."""
    verifier = secrets.token_urlsafe(64)  # 86 characters, within RFC 7636's 43..128
    flow = {
        "state": secrets.token_urlsafe(32),
        "verifier": verifier,
        "nonce": secrets.token_urlsafe(16),
        "next": safe_next(next_url),
    }
    params = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": client.redirect_uri,
        "scope": client.scope,
        "state": flow["state"],
        "nonce": flow["nonce"],
        "code_challenge": _b64(hashlib.sha256(verifier.encode()).digest()),
        "code_challenge_method": "S256",
    }
    return f"{client.authorization_endpoint}?{urlencode(params)}", flow


def _basic(client: WebClient) -> dict[str, str]:
    if client.client_secret is None:
        return {}
    pair = f"{client.client_id}:{client.client_secret}".encode()
    return {"authorization": "Basic " + base64.b64encode(pair).decode()}


def _token_call(runtime: AccessRuntime, client: WebClient, pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """One token endpoint call (code or refresh grant); the JSON answer, or `SignInFailed`."""
    if client.client_secret is None:
        pairs = [*pairs, ("client_id", client.client_id)]
    if client.builtin:
        # In-process: the same authorization server `/oauth/token` runs, without a request to ourselves.
        headers = Headers(headers={"content-type": "application/x-www-form-urlencoded", **_basic(client)})
        call = HttpCall("POST", client.token_endpoint, headers, pairs)
        with runtime.db.session() as session:
            response = FedcatServer(runtime, session).create_token_response(call)
        status, body = response.status_code, bytes(response.body)
    else:
        with httpx.Client(transport=runtime.transport, timeout=10.0) as http:
            answer = http.post(client.token_endpoint, data=dict(pairs), headers=_basic(client))
        status, body = answer.status_code, answer.content
    try:
        data = json.loads(body)
    except ValueError:
        data = {}
    if status != 200 or not isinstance(data, dict) or "access_token" not in data:
        detail = data.get("error_description") or data.get("error") or f"status {status}"
        raise SignInFailed(f"the identity provider refused the sign-in: {detail}")
    return data


def _session_from(runtime: AccessRuntime, tokens: dict[str, Any], sid: str, signed_in_at: int) -> WebSession:
    try:
        claims = runtime.validator.validate(tokens["access_token"])
    except TokenError as exc:
        raise SignInFailed(f"the access token is not valid here: {exc.message}") from exc
    principal = runtime.principal(claims)
    if not principal.is_user:
        raise SignInFailed("the token speaks for no user with a role on this node")
    return WebSession(
        sid=sid,
        access_token=tokens["access_token"],
        refresh_token=tokens.get("refresh_token"),
        expires_at=int(claims["exp"]),
        signed_in_at=signed_in_at,
        principal=principal,
        changed=True,
    )


def complete(
    runtime: AccessRuntime, client: WebClient, flow: dict[str, Any] | None, code: str, state: str
) -> WebSession:
    """Redeem the authorization code of a callback whose `state` matches the sign-in cookie's."""
    if flow is None or not secrets.compare_digest(str(flow.get("state", "")).encode(), state.encode()):
        raise SignInFailed("this sign-in was not started here, or took too long; please sign in again")
    pairs = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", client.redirect_uri),
        ("code_verifier", str(flow["verifier"])),
    ]
    tokens = _token_call(runtime, client, pairs)
    return _session_from(runtime, tokens, secrets.token_urlsafe(24), runtime.epoch())


def resume(runtime: AccessRuntime, client_of: Callable[[], WebClient], data: dict[str, Any]) -> WebSession | None:
    """The session a cookie holds, its access token checked (and rotated when about to expire); None when over.

    `client_of` is called only when a refresh is needed, so ordinary requests never touch the client record.
    """
    try:
        sid, access, refresh = str(data["sid"]), str(data["at"]), data.get("rt")
        expires_at, signed_in_at = int(data["exp"]), int(data["auth"])
    except (KeyError, TypeError, ValueError):
        return None
    if expires_at - REFRESH_MARGIN <= runtime.epoch():
        if not refresh:
            return None
        try:
            tokens = _token_call(runtime, client_of(), [("grant_type", "refresh_token"), ("refresh_token", refresh)])
            refreshed = _session_from(runtime, tokens, sid, signed_in_at)
        except (SignInFailed, ConfigError):
            return None  # the refresh token expired or was revoked (sign-out elsewhere, reuse detected)
        refreshed.refresh_token = refreshed.refresh_token or refresh
        return refreshed
    try:
        claims = runtime.validator.validate(access)
    except TokenError:
        return None  # revoked, or signed with a key since retired: sign in again
    principal = runtime.principal(claims)
    return WebSession(sid, access, refresh if isinstance(refresh, str) else None, expires_at, signed_in_at, principal)


def end(runtime: AccessRuntime, client: WebClient, session: WebSession) -> None:
    """Revoke the session's refresh token (its whole family) and access token; failures are not fatal."""
    tokens = [(session.refresh_token, "refresh_token"), (session.access_token, "access_token")]
    for token, hint in tokens:
        if not token:
            continue
        pairs = [("token", token), ("token_type_hint", hint)]
        if client.client_secret is None:
            pairs.append(("client_id", client.client_id))
        try:
            if client.builtin:
                headers = Headers(headers={"content-type": "application/x-www-form-urlencoded", **_basic(client)})
                call = HttpCall("POST", client.revocation_endpoint or "", headers, pairs)
                with runtime.db.session() as db:
                    FedcatServer(runtime, db).create_endpoint_response("revocation", call)
            elif client.revocation_endpoint:
                with httpx.Client(transport=runtime.transport, timeout=10.0) as http:
                    http.post(client.revocation_endpoint, data=dict(pairs), headers=_basic(client))
        except (httpx.HTTPError, FedcatError):
            pass  # the cookie goes anyway; an unrevoked access token dies within minutes
