"""Security headers on every response: a strict Content-Security-Policy, no framing, no sniffing, little referrer.

A pure ASGI middleware (it never buffers bodies, so streamed exports and SPARQL answers pass untouched). A
header a route set itself wins: the built-in issuer's login page and the dataset page send stricter policies
of their own. Every page gets the policy, the API docs too: `/docs` serves Swagger UI from our own origin and
starts it from a file (`catalogue.api.routers.docs`), so it needs no inline script and no CDN.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Everything from our own origin, no inline script or style, no plugins, no framing, forms only to ourselves.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),  # search terms and ids in our URLs stay with us
    (b"x-frame-options", b"DENY"),  # frame-ancestors for browsers that predate it
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
)


class SecurityHeaders:
    """Adds the headers above (and `Content-Security-Policy` with `form-action` extended by `form_targets`)."""

    def __init__(self, app: ASGIApp, form_targets: Iterable[str] = ()) -> None:
        self.app = app
        targets = " ".join(sorted(set(form_targets)))
        policy = CSP.replace("form-action 'self'", f"form-action 'self' {targets}") if targets else CSP
        self.csp = policy.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = [(name, value) for name, value in HEADERS if name not in present]
                if b"content-security-policy" not in present:
                    extra.append((b"content-security-policy", self.csp))
                message = {**message, "headers": headers + extra}
            await send(message)

        await self.app(scope, receive, send_with_headers)
