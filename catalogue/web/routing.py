"""What every page route shares: the session, CSRF on forms, the page language, rendering and HTML errors.

`SessionRoute` opens the session cookie before the handler runs (`request.state.web`: a `WebSession` or
None) and writes it back when the tokens were rotated. `PageRoute` adds, for every POST, a capped form body
(`request.state.form`) that must carry the session's CSRF token, and turns fedcat errors into HTML pages in
the user's language (a missing session into a redirect to sign in).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, RedirectResponse, Response

from access.errors import Forbidden, InsufficientScope
from access.runtime import AccessRuntime
from access.tokens import Principal
from catalogue.config import Settings
from catalogue.errors import FedcatError
from catalogue.search import preferred_languages
from catalogue.web import csrf, render
from catalogue.web.session import CALLBACK_PATH, CookieJar, WebClient, WebSession, resume, web_client

LANGUAGES = {"en": "English", "fr": "Français", "de": "Deutsch", "lb": "Lëtzebuergesch"}
MAX_FORM_BYTES = 256 * 1024  # a SQL console query (64 KiB) percent-encoded, with room to spare
PAGE_VARY = "Cookie, Accept-Language"


class SignInRequired(FedcatError):
    """The page needs a signed-in user."""

    status, type, title = 401, "sign-in-required", "Sign-in required"


class FormTooLarge(FedcatError):
    """A form body over `MAX_FORM_BYTES`."""

    status, type, title = 413, "payload-too-large", "Form too large"


@dataclass
class WebKit:
    """The pages' per-app pieces: settings, the access runtime, the cookie jar and the CSRF key."""

    settings: Settings
    runtime: AccessRuntime

    @cached_property
    def jar(self) -> CookieJar:
        return CookieJar(self.settings.home, self.settings.base)

    @cached_property
    def csrf_key(self) -> bytes:
        # Derived from the cookie key, so one secret file protects both and rotating it ends both.
        return hashlib.sha256(b"fedcat-web-csrf\0" + self.jar.key).digest()

    @cached_property
    def origins(self) -> set[str]:
        return csrf.origins_of(self.settings.base)

    def client(self) -> WebClient:
        """The pages' OAuth client (registered on first use)."""
        return web_client(self.runtime)

    @property
    def session_seconds(self) -> int:
        """How long a session lasts without activity: as long as its refresh token."""
        return self.runtime.settings.refresh_token_seconds


def kit(app: FastAPI) -> WebKit:
    """The app's `WebKit`, made on first use."""
    found = getattr(app.state, "web", None)
    if found is None:
        found = app.state.web = WebKit(app.state.settings, app.state.access)
    return found


def web_of(request: Request) -> WebSession | None:
    """The signed-in user of this request, if any."""
    return getattr(request.state, "web", None)


def csrf_token(request: Request) -> str:
    """The CSRF token forms on this page carry (empty without a session: such pages have no forms to send)."""
    web = web_of(request)
    return csrf.token_for(kit(request.app).csrf_key, web.sid) if web else ""


def form_of(request: Request) -> FormData:
    """The POSTed form (read, capped and CSRF-checked by `PageRoute`)."""
    form: FormData = request.state.form
    return form


def require(request: Request, scope: str, *roles: str) -> tuple[WebSession, Principal]:
    """The signed-in user, who must have `scope` and one of `roles`; else sign in (401) or 403."""
    web = web_of(request)
    if web is None:
        raise SignInRequired("sign in to see this page")
    if scope not in web.scopes:
        raise InsufficientScope(f"your sign-in does not include the scope {scope}", scope=scope)
    if roles and not web.has_role(*roles):
        raise Forbidden(f"this page is for {' or '.join(roles)}s")
    return web, web.principal


def page_language(request: Request, chosen: str | None = None) -> str:
    """The language of the page's own words: `lang=`, else the best of Accept-Language we speak, else English."""
    explicit = chosen or request.query_params.get("lang")
    for code in preferred_languages(explicit, request.headers.get("accept-language")):
        if code in LANGUAGES:
            return code
    return "en"


def with_lang(request: Request, code: str) -> str:
    """This page's URL with `lang` set to `code` (other parameters kept)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    params.append(("lang", code))
    return f"{request.url.path}?{urlencode(params)}"


def languages(request: Request, current: str, link: Callable[[str], str] | None = None) -> list[dict[str, Any]]:
    """The language switch: every language we speak, with the URL of this page in it."""
    make = link or (lambda code: with_lang(request, code))
    return [{"code": c, "name": n, "href": make(c), "current": c == current} for c, n in LANGUAGES.items()]


def here(request: Request) -> str:
    """The path and query of this request (where to come back to after signing in)."""
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def context(request: Request, lang: str, **extra: Any) -> dict[str, Any]:
    """What base.html needs, plus `extra`."""
    settings: Settings = request.app.state.settings
    values: dict[str, Any] = {
        "node_title": settings.node.title,
        "user": web_of(request),
        "csrf": csrf_token(request),
        "lang_links": languages(request, lang),
        "path": request.url.path,
        "signin_url": "/signin?" + urlencode({"next": here(request)}),
    }
    values.update(extra)
    return values


def page(request: Request, template: str, *, lang: str, status: int = 200, **extra: Any) -> HTMLResponse:
    """A rendered page with its language headers."""
    body = render(template, language=lang, **context(request, lang, **extra))
    return HTMLResponse(body, status_code=status, headers={"Content-Language": lang, "Vary": PAGE_VARY})


def error_page(request: Request, exc: FedcatError) -> Response:
    """An error as a page (a missing session as a redirect to sign in)."""
    if isinstance(exc, SignInRequired):
        return RedirectResponse("/signin?" + urlencode({"next": here(request)}), status_code=303)
    lang = page_language(request)
    return page(request, "error.html", lang=lang, status=exc.status, error=exc)


async def load_session(request: Request) -> None:
    """Open the session cookie into `request.state.web` (rotating tokens that are about to expire)."""
    web_kit = kit(request.app)
    jar = web_kit.jar
    data = jar.open(request.cookies.get(jar.session_name), web_kit.session_seconds)
    session = await run_in_threadpool(resume, web_kit.runtime, web_kit.client, data) if data else None
    request.state.web = session
    # A cookie that no longer opens a session (expired, revoked, from another key) is cleared on the way out.
    request.state.web_stale = jar.session_name in request.cookies and session is None


def store_session(request: Request, response: Response) -> None:
    """Write a changed session back into its cookie (or clear a dead one); personal pages are not cached."""
    web_kit = kit(request.app)
    jar = web_kit.jar
    if getattr(request.state, "web_written", False):
        return  # the handler set or cleared the cookie itself (sign-in, sign-out)
    web = web_of(request)
    if web is not None and web.changed:
        response.set_cookie(jar.session_name, jar.seal(web.to_cookie()), **jar.options(web_kit.session_seconds))
    elif getattr(request.state, "web_stale", False):
        response.delete_cookie(jar.session_name, path="/", secure=jar.secure, httponly=True, samesite="lax")
    if web is not None:
        response.headers.setdefault("Cache-Control", "no-store")  # personal pages stay out of shared caches


async def _read_form(request: Request) -> FormData:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_FORM_BYTES):
        raise FormTooLarge(f"forms here are at most {MAX_FORM_BYTES // 1024} KiB")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise FormTooLarge(f"forms here are at most {MAX_FORM_BYTES // 1024} KiB")
    request._body = bytes(body)  # Starlette parses the form from the cached body
    return await request.form()


class SessionRoute(APIRoute):
    """A route that knows the signed-in user; errors keep the API's JSON shape."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def with_session(request: Request) -> Response:
            await load_session(request)
            response = await handler(request)
            store_session(request, response)
            return response

        return with_session


class PageRoute(APIRoute):
    """A page: session, CSRF-checked forms, and errors as pages."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def as_page(request: Request) -> Response:
            await load_session(request)
            try:
                if request.method == "POST":
                    form = await _read_form(request)
                    request.state.form = form
                    web = web_of(request)
                    sent = form.get(csrf.FIELD)
                    csrf.check(
                        kit(request.app).csrf_key,
                        web.sid if web else None,
                        sent if isinstance(sent, str) else None,
                        origin=request.headers.get("origin"),
                        fetch_site=request.headers.get("sec-fetch-site"),
                        allowed_origins=kit(request.app).origins,
                    )
                response = await handler(request)
            except FedcatError as exc:
                response = error_page(request, exc)
            if request.url.path == CALLBACK_PATH:
                # The authorization code is in this URL: keep it out of caches and out of Referer headers.
                response.headers["Cache-Control"] = "no-store"
                response.headers["Referrer-Policy"] = "no-referrer"
            store_session(request, response)
            return response

        return as_page
