"""The built-in OAuth 2.0 / OpenID Connect authorization server, on Authlib's framework-agnostic core.

Grants: authorization code with PKCE (S256 only, required for every client, public or confidential),
client credentials (confidential clients, for partner portals), refresh tokens with rotation (reuse of a
rotated refresh token revokes its whole family, RFC 9700 section 4.14). Authorization codes are single-use: a
second presentation fails and revokes what the first one produced. Redirect URIs match exactly as registered
(loopback URIs on any port, RFC 8252 section 7.3), so the authorization endpoint is no open redirector.

Authlib's request and response types are adapted here to data read from Starlette requests; each call gets
its own server object bound to one database session, so nothing is shared between threads.
"""

from __future__ import annotations

import ipaddress
import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

import sqlalchemy as sa
from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    ClientMixin,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Payload,
    OAuth2Request,
    TokenMixin,
    grants,
)
from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse, Response

from access import audit
from access.accounts import SCOPES, publishers_of
from access.credentials import digest, matches, new_secret
from access.errors import TokenError
from access.models import AuthCode, Client, RefreshToken, RevokedToken, User

if TYPE_CHECKING:
    from access.runtime import AccessRuntime


def _loopback(host: str | None) -> bool:
    if host is None:
        return False
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def valid_redirect_uri(uri: str) -> bool:
    """https without fragment or user info, or http to a loopback address (native apps, RFC 8252)."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return False
    if parts.fragment or "@" in parts.netloc or not parts.hostname:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and _loopback(parts.hostname))


def redirect_matches(registered: list[str], uri: str) -> bool:
    """Exact match; for a registered loopback URI any port is accepted (the CLI's listener picks one)."""
    if uri in registered:
        return True
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return False
    if parts.scheme != "http" or not _loopback(parts.hostname) or port is None:
        return False
    for candidate in registered:
        reg = urlsplit(candidate)
        if (
            reg.scheme == "http"
            and _loopback(reg.hostname)
            and reg.hostname == parts.hostname
            and reg.port is None
            and reg.path == parts.path
            and reg.query == parts.query
        ):
            return True
    return False


class OAuthClient(ClientMixin):
    """A registered client as Authlib sees it."""

    def __init__(self, row: Client) -> None:
        self.row = row
        self.client_id = row.client_id
        self.scopes = set(row.scopes.split())
        self.grants = set(row.grant_types.split())

    @property
    def public(self) -> bool:
        return self.row.secret_hash is None

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        uris = self.row.redirect_uris
        return uris[0] if len(uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        if not scope:
            return " ".join(sorted(self.scopes))
        wanted = scope_to_list(scope) or []
        if not set(wanted) <= self.scopes:
            return None  # asking for more than the client was registered for is an error, not silently trimmed
        return " ".join(dict.fromkeys(wanted))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_matches(list(self.row.redirect_uris), redirect_uri)

    def check_client_secret(self, client_secret: str) -> bool:
        return matches(self.row.secret_hash, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return (method == "none") == self.public

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in self.grants

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.grants


@dataclass
class Account:
    """The user a grant acts for."""

    id: int
    subject: str
    username: str
    role: str
    publishers: frozenset[str]
    auth_time: int


@dataclass
class CodeRecord:
    """An authorization code as the grant needs it."""

    row: AuthCode
    code_hash: str

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope

    @property
    def code_challenge(self) -> str:
        return self.row.code_challenge

    @property
    def code_challenge_method(self) -> str:
        return self.row.code_challenge_method


class RefreshRecord(TokenMixin):
    """A refresh token as the grant needs it."""

    def __init__(self, row: RefreshToken) -> None:
        self.row = row

    def check_client(self, client: OAuthClient) -> bool:
        return self.row.client_id == client.client_id

    def get_scope(self) -> str:
        return self.row.scope

    def get_user(self) -> int:
        return self.row.user_id


class FormPayload(OAuth2Payload):
    """Query and form parameters, single values and lists."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._list: defaultdict[str, list[str]] = defaultdict(list)
        for key, value in pairs:
            self._list[key].append(value)
        self._data = {k: v[0] for k, v in self._list.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._list


class FedcatRequest(OAuth2Request):
    """An OAuth2Request over parameters already read from a Starlette request."""

    def __init__(self, method: str, uri: str, headers: Mapping[str, str], pairs: list[tuple[str, str]]) -> None:
        super().__init__(method=method, uri=uri, headers=headers)  # Starlette's Headers: case-insensitive
        self.payload = FormPayload(pairs)

    @property
    def args(self) -> dict[str, str]:
        return self.payload.data

    @property
    def form(self) -> dict[str, str]:
        return self.payload.data


@dataclass
class HttpCall:
    """What the server needs of an HTTP request."""

    method: str
    uri: str
    headers: Mapping[str, str]
    pairs: list[tuple[str, str]]


def account_of(session: Session, user: User, auth_time: int) -> Account:
    """The user a grant acts for, with their publishers."""
    return Account(user.id, user.subject, user.username, user.role, publishers_of(session, user), auth_time)


class PKCE(CodeChallenge):
    """PKCE with S256 only, and required of every authorization request (RFC 9700 section 2.1.1)."""

    SUPPORTED_CODE_CHALLENGE_METHOD: ClassVar[list[str]] = ["S256"]
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send code_challenge with code_challenge_method=S256")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("code_challenge_method must be S256")
        super().validate_code_challenge(grant, redirect_uri)


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = ["client_secret_basic", "client_secret_post", "none"]
    server: FedcatServer

    def save_authorization_code(self, code: str, request: Any) -> None:
        server = self.server
        data = request.payload.data
        user: Account = request.user
        now = server.runtime.now()
        server.session.add(
            AuthCode(
                code_hash=digest(code),
                client_id=request.client.client_id,
                user_id=user.id,
                redirect_uri=request.payload.redirect_uri or request.client.get_default_redirect_uri() or "",
                scope=request.scope or "",
                nonce=data.get("nonce"),
                code_challenge=data["code_challenge"],
                code_challenge_method=data.get("code_challenge_method", "S256"),
                auth_time=datetime.fromtimestamp(user.auth_time, now.tzinfo),
                expires_at=now + timedelta(seconds=server.runtime.settings.auth_code_seconds),
                used_at=None,
            )
        )

    def query_authorization_code(self, code: str, client: OAuthClient) -> CodeRecord | None:
        server = self.server
        code_hash = digest(code)
        row = server.session.execute(
            sa.select(AuthCode).where(AuthCode.code_hash == code_hash).with_for_update()
        ).scalar_one_or_none()
        if row is None or row.client_id != client.client_id:
            return None
        now = server.runtime.now()
        if row.used_at is not None:
            # A replayed code: refuse it, and revoke what its first use produced (RFC 6749 section 4.1.2).
            server.revoke_family(code_hash=code_hash)
            server.audit("oauth.code_replayed", f"client:{client.client_id}", {"client": client.client_id})
            return None
        row.used_at = now  # every presentation consumes the code, even one that fails PKCE afterwards
        if row.expires_at <= now:
            return None
        return CodeRecord(row, code_hash)

    def delete_authorization_code(self, authorization_code: CodeRecord) -> None:
        pass  # already marked used when it was presented; kept so a replay can be recognised

    def authenticate_user(self, authorization_code: CodeRecord) -> Account | None:
        user = self.server.session.get(User, authorization_code.row.user_id)
        if user is None or user.disabled:
            return None
        return account_of(self.server.session, user, int(authorization_code.row.auth_time.timestamp()))


class RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = ["client_secret_basic", "client_secret_post", "none"]
    INCLUDE_NEW_REFRESH_TOKEN = True
    server: FedcatServer

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshRecord | None:
        server = self.server
        row = server.session.execute(
            sa.select(RefreshToken).where(RefreshToken.token_hash == digest(refresh_token)).with_for_update()
        ).scalar_one_or_none()
        if row is None:
            return None
        if row.used_at is not None or row.revoked_at is not None:
            if row.used_at is not None and row.revoked_at is None:
                # A rotated token came back: someone holds a stolen copy. End the whole family.
                server.revoke_family(family=row.family)
                server.audit("oauth.refresh_reuse", f"client:{row.client_id}", {"family": row.family})
            return None
        if row.expires_at <= server.runtime.now():
            return None
        return RefreshRecord(row)

    def authenticate_user(self, refresh_token: RefreshRecord) -> Account | None:
        user = self.server.session.get(User, refresh_token.row.user_id)
        if user is None or user.disabled:
            return None
        return account_of(self.server.session, user, int(refresh_token.row.issued_at.timestamp()))

    def revoke_old_credential(self, refresh_token: RefreshRecord) -> None:
        refresh_token.row.used_at = self.server.runtime.now()


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = ["client_secret_basic", "client_secret_post"]
    server: FedcatServer

    def create_token_response(self) -> tuple[int, Any, list[tuple[str, str]]]:
        client: OAuthClient = self.request.client
        scope = client.get_allowed_scope(self.request.payload.scope)
        if scope is None:
            raise InvalidScopeError("the client is not registered for these scopes")
        scope = " ".join(s for s in scope.split() if s not in {"openid", "profile", "offline_access"})
        token = self.generate_token(scope=scope, include_refresh_token=False)
        self.save_token(token)
        self.server.audit(
            "login.client_credentials", f"client:{client.client_id}", {"client": client.client_id, "scope": scope}
        )
        return 200, token, self.TOKEN_RESPONSE_HEADER


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS: ClassVar[list[str]] = ["client_secret_basic", "client_secret_post", "none"]
    server: FedcatServer

    def query_token(self, token_string: str, token_type_hint: str | None) -> Any:
        server = self.server
        if token_type_hint != "access_token":
            row = server.session.execute(
                sa.select(RefreshToken).where(RefreshToken.token_hash == digest(token_string))
            ).scalar_one_or_none()
            if row is not None:
                return RefreshRecord(row)
        try:
            claims = server.runtime.validator.validate(token_string)
        except TokenError:
            return None  # unknown or invalid tokens are answered 200 all the same (RFC 7009 section 2.2)
        return AccessTokenRecord(claims)

    def revoke_token(self, token: Any, request: Any) -> None:
        server = self.server
        if isinstance(token, RefreshRecord):
            server.revoke_family(family=token.row.family)
        else:
            server.runtime.revoke_access_token(server.session, token.claims)
        server.audit("oauth.revoked", f"client:{request.client.client_id}", {"kind": type(token).__name__})


class AccessTokenRecord(TokenMixin):
    """A valid access token presented for revocation."""

    def __init__(self, claims: dict[str, Any]) -> None:
        self.claims = claims

    def check_client(self, client: OAuthClient) -> bool:
        return self.claims.get("client_id") == client.client_id


class FedcatServer(AuthorizationServer):
    """One authorization server call, bound to one database session."""

    def __init__(self, runtime: AccessRuntime, session: Session) -> None:
        super().__init__(scopes_supported=list(SCOPES))
        self.runtime = runtime
        self.session = session
        self.register_grant(AuthorizationCodeGrant, [PKCE(required=True)])
        self.register_grant(RefreshTokenGrant)
        self.register_grant(ClientCredentialsGrant)
        self.register_endpoint(Revocation)
        self.register_token_generator("default", self._generate)

    # Authlib's framework hooks

    def query_client(self, client_id: str) -> OAuthClient | None:
        row = self.session.execute(sa.select(Client).where(Client.client_id == client_id)).scalar_one_or_none()
        return None if row is None or row.disabled else OAuthClient(row)

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        if isinstance(request, OAuth2Request):
            return request
        call: HttpCall = request
        return FedcatRequest(call.method, call.uri, call.headers, call.pairs)

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> Response:
        hdrs = dict(headers)
        if isinstance(body, dict):
            if status >= 400 and "error" in body:
                # OAuth clients read `error`; the rest of fedcat's one error shape rides along.
                body = {
                    "type": f"oauth-{body['error'].replace('_', '-')}",
                    "title": body["error"].replace("_", " ").capitalize(),
                    "status": status,
                    "detail": body.get("error_description") or body["error"],
                    **body,
                }
            hdrs.pop("Content-Type", None)
            response: Response = JSONResponse(body, status_code=status, headers=hdrs)
        else:
            response = Response(body or b"", status_code=status, headers=hdrs)
        response.headers["Cache-Control"] = "no-store"
        return response

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        pass

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        user: Account | None = request.user
        refresh = token.get("refresh_token")
        if refresh and user is not None:
            previous: RefreshRecord | None = request.refresh_token
            code: CodeRecord | None = request.authorization_code
            now = self.runtime.now()
            self.session.add(
                RefreshToken(
                    token_hash=digest(refresh),
                    family=previous.row.family if previous else uuid.uuid4().hex,
                    client_id=request.client.client_id,
                    user_id=user.id,
                    scope=token.get("scope", ""),
                    code_hash=previous.row.code_hash if previous else (code.code_hash if code else None),
                    issued_at=now,
                    expires_at=now + timedelta(seconds=self.runtime.settings.refresh_token_seconds),
                    used_at=None,
                    revoked_at=None,
                )
            )
        code = request.authorization_code
        if code is not None and user is not None and "openid" in token.get("scope", "").split():
            token["id_token"] = self.runtime.issuer.id_token(
                subject=user.subject,
                client_id=request.client.client_id,
                nonce=code.row.nonce,
                auth_time=user.auth_time,
                username=user.username,
            )

    # Helpers

    def _generate(
        self,
        grant_type: str,
        client: OAuthClient,
        user: Account | None = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        scope = scope or ""
        access, claims = self.runtime.issuer.access_token(
            subject=user.subject if user else client.client_id,
            client_id=client.client_id,
            scope=scope,
            roles=[user.role] if user else (),
            publishers=user.publishers if user else (),
            username=user.username if user else None,
            auth_time=user.auth_time if user else None,
        )
        token: dict[str, Any] = {
            "token_type": "Bearer",
            "access_token": access,
            "expires_in": claims["exp"] - claims["iat"],
            "scope": scope,
        }
        if include_refresh_token and user is not None:
            token["refresh_token"] = new_secret(32)
        return token

    def revoke_family(self, *, family: str | None = None, code_hash: str | None = None) -> None:
        """Revoke every refresh token of a family, or every one descended from an authorization code."""
        query = sa.update(RefreshToken).where(RefreshToken.revoked_at.is_(None))
        query = (
            query.where(RefreshToken.family == family) if family else query.where(RefreshToken.code_hash == code_hash)
        )
        self.session.execute(query.values(revoked_at=self.runtime.now()))

    def audit(self, kind: str, actor: str, data: dict[str, Any]) -> None:
        audit.record(self.session, kind=kind, actor=actor, at=self.runtime.now(), data=data)


def revoke_jti(session: Session, jti: str, expires_at: datetime, now: datetime) -> None:
    """Record a revoked access token until its expiry."""
    if session.get(RevokedToken, jti) is None:
        session.add(RevokedToken(jti=jti, expires_at=expires_at, revoked_at=now))


__all__ = ["FedcatServer", "HttpCall", "account_of", "redirect_matches", "valid_redirect_uri"]
