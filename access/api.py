"""HTTP routes of the access capability.

OAuth 2.0 / OIDC (built-in issuer mode only): `/.well-known/openid-configuration`, `/oauth/jwks` (also
`/.well-known/jwks.json`), `/oauth/authorize` (a plain, CSRF-protected login form), `/oauth/token`,
`/oauth/revoke`, `/oauth/userinfo`. The workflow: `/api/projects`, `/api/access-requests` and its steps,
`/api/steward/queue`, `/api/audit`, and `/api/me`.

Every access route caps its request body (`access.max_body_bytes`, 413 beyond), and every workflow route
checks the token, then the scope and role (function level), then the object (a request or project the
caller may not see answers 404, exactly like a missing one).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from urllib.parse import urlsplit

from authlib.oauth2.rfc6749 import OAuth2Error
from fastapi import APIRouter, Query, Request
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, JSONResponse, Response

from access import actors, audit, decisions, inputs, request_views, workflow
from access.accounts import SCOPES
from access.credentials import verify_password
from access.deps import Applicant, Auditor, CurrentUser, Reviewer, Steward, runtime_of, unit
from access.errors import InsufficientScope, PayloadTooLarge
from access.models import User
from access.oauth import FedcatServer, HttpCall, account_of
from access.runtime import AccessRuntime
from catalogue.errors import NotFound
from catalogue.web import render


class LimitedRoute(APIRoute):
    """A route that refuses bodies over the configured cap before parsing them (413)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def limited(request: Request) -> Response:
            if request.method in {"POST", "PUT", "PATCH", "DELETE"}:
                cap = runtime_of(request).settings.max_body_bytes
                declared = request.headers.get("content-length")
                if declared is not None and (not declared.isdigit() or int(declared) > cap):
                    raise PayloadTooLarge(f"request bodies here are at most {cap} bytes")
                body = bytearray()
                async for chunk in request.stream():  # also caps bodies sent without a length
                    body += chunk
                    if len(body) > cap:
                        raise PayloadTooLarge(f"request bodies here are at most {cap} bytes")
                request._body = bytes(body)  # Starlette reads the cached body from here
            return await handler(request)

        return limited


router = APIRouter(tags=["access"], route_class=LimitedRoute)
CSRF_COOKIE = "fedcat_csrf"
LOGIN_FIELDS = {"username", "password", "csrf_token"}
# The site's stylesheet and icon, no script; forms post only here (and end at the client: see _form_target).
LOGIN_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
CSP_SOURCE = re.compile(r"[a-z][a-z0-9+.-]*:(//[a-z0-9.\-]+(:\d+)?|//\[[0-9a-f:.]+\](:\d+)?)?")


def _builtin(request: Request) -> AccessRuntime:
    runtime = runtime_of(request)
    if not runtime.builtin:
        raise NotFound("this node trusts an external issuer; its own authorization server is off")
    return runtime


# Discovery and keys


@router.get("/.well-known/openid-configuration", summary="OpenID Connect discovery")
def openid_configuration(request: Request) -> dict[str, Any]:
    """Where the built-in authorization server's endpoints are and what it supports."""
    runtime = _builtin(request)
    base = runtime.issuer_url
    return {
        "issuer": base,
        "authorization_endpoint": f"{base}/oauth/authorize",
        "token_endpoint": f"{base}/oauth/token",
        "jwks_uri": f"{base}/oauth/jwks",
        "userinfo_endpoint": f"{base}/oauth/userinfo",
        "revocation_endpoint": f"{base}/oauth/revoke",
        "scopes_supported": list(SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "preferred_username", "roles"],
    }


@router.get("/oauth/jwks", summary="The public signing keys (JWKS)")
@router.get("/.well-known/jwks.json", include_in_schema=False)
def jwks(request: Request) -> JSONResponse:
    """The current key and every retired key whose tokens may still be alive."""
    runtime = _builtin(request)
    return JSONResponse(runtime.ring.jwks(), headers={"Cache-Control": "public, max-age=300"})


# Authorization endpoint with its login form


def _page(
    runtime: AccessRuntime,
    title: str,
    *,
    message: str | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The issuer's page in the site's layout (catalogue/web/templates/signin.html): the login form or an error."""
    page = render(
        "signin.html", language="en", node_title=runtime.node.node.title, heading=title, message=message, form=form
    )
    response = HTMLResponse(page, status_code=status)
    # The login form must not be framed (clickjacking) nor cached; it runs no script at all.
    response.headers["X-Frame-Options"] = "DENY"
    target = form.get("target") if form else None
    policy = LOGIN_CSP.replace("form-action 'self'", f"form-action 'self' {target}") if target else LOGIN_CSP
    response.headers["Content-Security-Policy"] = policy
    response.headers["Cache-Control"] = "no-store"
    return response


def _login_form(pairs: list[tuple[str, str]], grant: Any, csrf: str) -> dict[str, Any]:
    """What signin.html's form needs: the authorization request's fields are carried along hidden."""
    hidden = [(k, v) for k, v in pairs if k not in LOGIN_FIELDS]
    scope = grant.request.scope or "none"
    return {
        "client": grant.client.row.name,
        "scope": scope,
        "hidden": hidden,
        "csrf": csrf,
        "target": _form_target(grant),
    }


def _form_target(grant: Any) -> str | None:
    """The CSP source of the client's redirect URI: browsers hold the form's POST to form-action through the
    redirect that ends it, so a client on another origin (a notebook, a portal) needs its origin listed."""
    uri = urlsplit(str(grant.redirect_uri or ""))  # validated against the client's registered URIs
    source = f"{uri.scheme}://{uri.netloc}" if uri.netloc else f"{uri.scheme}:"
    return source.lower() if CSP_SOURCE.fullmatch(source.lower()) else None


def _error_page(server: FedcatServer, error: OAuth2Error) -> Response:
    # Only a redirect URI the client registered may receive the error; otherwise it is shown here, so a
    # forged redirect_uri never turns this endpoint into an open redirector.
    if error.redirect_uri:
        return server.handle_response(*error())
    detail = error.description or error.error or "invalid request"
    return _page(server.runtime, "Invalid authorization request", message=str(detail), status=400)


def _with_csrf(response: HTMLResponse, runtime: AccessRuntime, csrf: str) -> HTMLResponse:
    response.set_cookie(
        CSRF_COOKIE,
        csrf,
        httponly=True,
        samesite="strict",
        secure=runtime.issuer_url.startswith("https://"),
        path="/oauth/authorize",
        max_age=900,
    )
    return response


def _call(request: Request, runtime: AccessRuntime, pairs: list[tuple[str, str]]) -> HttpCall:
    # Authlib checks the transport by this URI: the node's public base, not whatever Host the client sent.
    return HttpCall(request.method, runtime.issuer_url + request.url.path, request.headers, pairs)


@router.get("/oauth/authorize", summary="Authorization endpoint (login form)", response_class=HTMLResponse)
async def authorize_form(request: Request) -> Response:
    """Validate the authorization request, then show the login form."""
    runtime = _builtin(request)
    pairs = list(request.query_params.multi_items())

    def work() -> Response:
        with runtime.db.session() as session:
            server = FedcatServer(runtime, session)
            try:
                grant = server.get_consent_grant(_call(request, runtime, pairs))
            except OAuth2Error as error:
                return _error_page(server, error)
            csrf = secrets.token_urlsafe(24)
            form = _login_form(pairs, grant, csrf)
            return _with_csrf(_page(runtime, "Sign in", form=form), runtime, csrf)

    return await run_in_threadpool(work)


@router.post("/oauth/authorize", summary="Authorization endpoint (login)", response_class=HTMLResponse)
async def authorize_login(request: Request) -> Response:
    """Check the CSRF token and the password, then redirect back to the client with a code."""
    runtime = _builtin(request)
    form = await request.form()
    pairs = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    fields = dict(pairs)
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not secrets.compare_digest(cookie.encode(), fields.get("csrf_token", "").encode()):
        expired = "The sign-in form expired or was not sent from this site."
        return _page(runtime, "Session expired", message=expired, status=400)
    oauth_pairs = [(k, v) for k, v in pairs if k not in LOGIN_FIELDS]

    def work() -> Response:
        with runtime.db.session() as session:
            server = FedcatServer(runtime, session)
            try:
                grant = server.get_consent_grant(_call(request, runtime, oauth_pairs))
            except OAuth2Error as error:
                return _error_page(server, error)
            username = fields.get("username", "")[:150]
            user = session.query(User).filter(User.username == username).one_or_none()
            now = runtime.now()
            if not verify_password(user.password_hash if user else None, fields.get("password", "")) or (
                user is not None and user.disabled
            ):
                audit.record(session, kind="login.failed", actor=f"user:{username}", at=now, data={"via": "authorize"})
                csrf = secrets.token_urlsafe(24)
                form = _login_form(oauth_pairs, grant, csrf)
                form["username"] = username  # kept, so only the password is typed again
                page = _page(runtime, "Sign in", message="Wrong name or password.", form=form, status=401)
                return _with_csrf(page, runtime, csrf)
            assert user is not None
            audit.record(
                session,
                kind="login.succeeded",
                actor=f"user:{user.username}",
                at=now,
                data={"via": "authorize", "client": grant.client.client_id},
            )
            account = account_of(session, user, int(now.timestamp()))
            response = server.create_authorization_response(grant.request, grant_user=account, grant=grant)
            response.delete_cookie(CSRF_COOKIE, path="/oauth/authorize")
            return response

    return await run_in_threadpool(work)


async def _form_call(request: Request, runtime: AccessRuntime) -> HttpCall:
    form = await request.form()
    pairs = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    return _call(request, runtime, pairs)  # token parameters come in the body only, never the query


@router.post("/oauth/token", summary="Token endpoint")
async def token(request: Request) -> Response:
    """Authorization code (with PKCE), client credentials and refresh token grants."""
    runtime = _builtin(request)
    call = await _form_call(request, runtime)

    def work() -> Response:
        with runtime.db.session() as session:
            return FedcatServer(runtime, session).create_token_response(call)

    return await run_in_threadpool(work)


@router.post("/oauth/revoke", summary="Token revocation (RFC 7009)")
async def revoke_token(request: Request) -> Response:
    """Revoke a refresh token (its whole family) or an access token (until it expires)."""
    runtime = _builtin(request)
    call = await _form_call(request, runtime)

    def work() -> Response:
        with runtime.db.session() as session:
            response = FedcatServer(runtime, session).create_endpoint_response("revocation", call)
            assert response is not None
            return response

    return await run_in_threadpool(work)


@router.get("/oauth/userinfo", summary="OpenID Connect userinfo", operation_id="oidc_userinfo_get")
@router.post("/oauth/userinfo", summary="OpenID Connect userinfo (POST)", operation_id="oidc_userinfo_post")
def userinfo(request: Request, principal: CurrentUser) -> dict[str, Any]:
    """Claims about the user the access token was issued for (needs the `openid` scope)."""
    runtime = _builtin(request)
    if "openid" not in principal.scopes:
        raise InsufficientScope("userinfo needs the openid scope", scope="openid")
    with unit(request, principal) as (_, actor):
        user = actor.user
        return {
            "sub": user.subject,
            "preferred_username": user.username,
            "name": user.name,
            "email": user.email,
            "roles": [user.role],
            "publishers": sorted(actor.publishers),
            "iss": runtime.issuer_url,
        }


@router.get("/api/me", summary="Who the access token speaks for")
async def me(principal: CurrentUser) -> dict[str, Any]:
    """The validated token's subject, client, scopes, roles and publishers."""
    return {
        "sub": principal.subject,
        "username": principal.username,
        "client_id": principal.client_id,
        "scopes": sorted(principal.scopes),
        "roles": sorted(principal.roles),
        "publishers": sorted(principal.publishers),
    }


# Projects


@router.post("/api/projects", status_code=201, summary="Create a project")
def create_project(request: Request, body: inputs.ProjectIn, principal: Applicant) -> dict[str, Any]:
    """A project with its members (user names); the creator is a member and, by default, its PI."""
    with unit(request, principal) as (ctx, actor):
        return request_views.project_view(ctx, workflow.create_project(ctx, actor, body))


@router.get("/api/projects", summary="My projects")
def list_projects(request: Request, principal: Applicant) -> list[dict[str, Any]]:
    """The projects the caller belongs to."""
    with unit(request, principal) as (ctx, actor):
        return [request_views.project_view(ctx, p) for p in request_views.list_projects(ctx, actor)]


@router.get("/api/projects/{project_id}", summary="One project")
def get_project(request: Request, project_id: str, principal: Applicant) -> dict[str, Any]:
    """A project the caller belongs to (404 for any other)."""
    with unit(request, principal) as (ctx, actor):
        return request_views.project_view(ctx, actors.get_project(ctx, actor, project_id))


# Access requests


@router.post("/api/access-requests", status_code=201, summary="Create an access request (draft)")
def create_request(request: Request, body: inputs.RequestIn, principal: Applicant) -> dict[str, Any]:
    """A draft request of one of the caller's projects."""
    with unit(request, principal) as (ctx, actor):
        return request_views.request_view(ctx, actor, workflow.create_request(ctx, actor, body))


@router.get("/api/access-requests", summary="My access requests")
def list_requests(request: Request, principal: Applicant) -> list[dict[str, Any]]:
    """The requests of the caller's projects, newest first."""
    with unit(request, principal) as (ctx, actor):
        return [request_views.summary(ctx, r) for r in request_views.list_requests(ctx, actor)]


@router.get("/api/access-requests/{request_id}", summary="One access request with its history")
def get_request(request: Request, request_id: str, principal: Applicant) -> dict[str, Any]:
    """The request, its datasets and conditions check, decisions, entitlements and history."""
    with unit(request, principal) as (ctx, actor):
        return request_views.request_view(ctx, actor, actors.get_request(ctx, actor, request_id))


@router.patch("/api/access-requests/{request_id}", summary="Change a draft or returned request")
def update_request(
    request: Request, request_id: str, body: inputs.RequestUpdate, principal: Applicant
) -> dict[str, Any]:
    """Edit a request before (re)submission."""
    with unit(request, principal) as (ctx, actor):
        return request_views.request_view(ctx, actor, workflow.update_request(ctx, actor, request_id, body))


@router.post("/api/access-requests/{request_id}/submit", summary="Submit a request to the stewards")
def submit(request: Request, request_id: str, principal: Applicant) -> dict[str, Any]:
    """draft | returned -> submitted."""
    with unit(request, principal) as (ctx, actor):
        return request_views.request_view(ctx, actor, workflow.submit(ctx, actor, request_id))


@router.post("/api/access-requests/{request_id}/withdraw", summary="Withdraw a request")
def withdraw(
    request: Request, request_id: str, principal: Applicant, body: inputs.ReasonIn | None = None
) -> dict[str, Any]:
    """The applicant side withdraws; active access ends."""
    with unit(request, principal) as (ctx, actor):
        reason = body.reason if body else None
        return request_views.request_view(ctx, actor, workflow.withdraw(ctx, actor, request_id, reason))


@router.post("/api/access-requests/{request_id}/decision", summary="Decide (stewards)")
def decide(request: Request, request_id: str, body: inputs.DecisionIn, principal: Steward) -> dict[str, Any]:
    """Approve (optionally narrowed), reject or return the caller's publishers' datasets of a request."""
    with unit(request, principal) as (ctx, actor):
        return request_views.request_view(ctx, actor, decisions.decide(ctx, actor, request_id, body))


@router.post("/api/access-requests/{request_id}/revoke", summary="Revoke access (stewards, admins)")
def revoke(request: Request, request_id: str, body: inputs.ReasonIn, principal: Reviewer) -> dict[str, Any]:
    """End active entitlements before their end date, with a reason."""
    with unit(request, principal) as (ctx, actor):
        revoked = decisions.revoke(ctx, actor, request_id, body)
        view, project_id = request_views.request_view(ctx, actor, revoked), revoked.project_id
    # Committed: the project's views go now and its running query is interrupted, not at the next sweep.
    after_revocation(request.app, project_id)
    return view


@router.get("/api/steward/queue", summary="A steward's queue with age and SLA")
def steward_queue(request: Request, principal: Steward) -> dict[str, Any]:
    """Submitted requests waiting for the caller's decision, oldest first."""
    with unit(request, principal) as (ctx, actor):
        return request_views.queue(ctx, actor)


@router.get("/api/audit", summary="The audit log (admins: all; stewards: their publishers)")
def audit_log(
    request: Request,
    principal: Auditor,
    after: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    kind: Annotated[str | None, Query(max_length=64)] = None,
) -> dict[str, Any]:
    """Events after sequence number `after`, oldest first; page on with the last `seq`."""
    with unit(request, principal) as (ctx, actor):
        scope = None if actor.role == "admin" else actor.publishers
        found = audit.events(ctx.session, publishers=scope, after=after, limit=limit, kind=kind)
        return {"events": [audit.as_dict(e) for e in found], "next_after": found[-1].seq if found else None}


from access.sandbox_api import sandbox_routes  # noqa: E402  (the sandbox's views and query routes)
from access.sandbox_service import after_revocation  # noqa: E402

router.include_router(sandbox_routes(LimitedRoute))
