"""CSRF protection for the pages' forms: session-bound tokens, plus an origin check.

Every POST form carries `csrf_token`, an HMAC of the session's random id under a node key: it cannot be
guessed from outside, changes with every sign-in, and needs no server-side state. A POST is refused (403)
when the token is missing or wrong, when there is no session to bind it to, or when the browser says the
request comes from another site (`Origin`, `Sec-Fetch-Site`). `SameSite=Lax` on the session cookie already
keeps cross-site POSTs unauthenticated; the token is the defence that does not depend on the browser.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import urlsplit

from catalogue.errors import FedcatError

FIELD = "csrf_token"


class CsrfRefused(FedcatError):
    """A form sent without this session's CSRF token, or from another site."""

    status, type, title = 403, "csrf-refused", "Form refused"


def token_for(key: bytes, session_id: str) -> str:
    """The CSRF token of the session with random id `session_id`."""
    mac = hmac.new(key, b"fedcat-csrf:" + session_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def check(
    key: bytes,
    session_id: str | None,
    sent: str | None,
    *,
    origin: str | None,
    fetch_site: str | None,
    allowed_origins: set[str],
) -> None:
    """Raise `CsrfRefused` unless the form's token is this session's and the request is same-origin."""
    if fetch_site is not None and fetch_site.lower() not in ("same-origin", "none"):
        raise CsrfRefused("this form was sent from another site")
    if origin is not None and origin != "null" and _origin(origin) not in allowed_origins:
        raise CsrfRefused("this form was sent from another site")
    if session_id is None:
        raise CsrfRefused("your session has ended: sign in again, then send the form again")
    expected = token_for(key, session_id)
    if not sent or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise CsrfRefused("the form is out of date or was not sent from this site; reload the page and try again")


def origins_of(*urls: str) -> set[str]:
    """The `scheme://host:port` origins of `urls`, as `check` compares them."""
    return {_origin(url) for url in urls if url}
