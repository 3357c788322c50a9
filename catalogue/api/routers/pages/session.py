"""Signing in (authorization code flow with PKCE at the node's issuer) and out."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from catalogue.api.routers.pages.common import see_other
from catalogue.web.routing import (
    PageRoute,
    kit,
    web_of,
)
from catalogue.web.session import SignInFailed, begin, complete, end, safe_next

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/signin")
def signin(request: Request) -> Response:
    """Start the authorization code flow (PKCE) at the node's issuer; come back to `next` afterwards."""
    target = safe_next(request.query_params.get("next"))
    if web_of(request) is not None:
        return see_other(target)
    web_kit = kit(request.app)
    url, flow = begin(web_kit.client(), target)
    response = see_other(url)
    jar = web_kit.jar
    response.set_cookie(jar.flow_name, jar.seal(flow), **{**jar.options(600), "path": "/oauth/callback"})
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/oauth/callback")
def oauth_callback(request: Request) -> Response:
    """The client side of the flow: check `state`, redeem the code, open the session."""
    web_kit = kit(request.app)
    jar = web_kit.jar
    params = request.query_params
    if params.get("error"):
        raise SignInFailed(params.get("error_description") or params["error"])
    flow = jar.open(request.cookies.get(jar.flow_name), 600)
    session = complete(web_kit.runtime, web_kit.client(), flow, params.get("code", ""), params.get("state", ""))
    response = see_other(safe_next((flow or {}).get("next")))
    response.set_cookie(jar.session_name, jar.seal(session.to_cookie()), **jar.options(web_kit.session_seconds))
    response.delete_cookie(jar.flow_name, path="/oauth/callback", secure=jar.secure, httponly=True, samesite="lax")
    request.state.web_written = True
    return response


@router.post("/signout")
def signout(request: Request) -> Response:
    """Revoke the session's tokens and forget the session."""
    web_kit = kit(request.app)
    web = web_of(request)
    if web is not None:
        end(web_kit.runtime, web_kit.client(), web)
    response = see_other("/")
    jar = web_kit.jar
    response.delete_cookie(jar.session_name, path="/", secure=jar.secure, httponly=True, samesite="lax")
    request.state.web_written = True
    return response
