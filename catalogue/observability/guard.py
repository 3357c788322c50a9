"""Who may read `/metrics` and the failure details of `/healthz`.

With `observability.metrics_token` set, callers presenting it as a bearer token (from anywhere); without
it, loopback clients only: a Prometheus on the node's own host, or an SSH tunnel. Behind a reverse proxy on
the same host every caller looks like loopback, so a node behind one must set the token (or not proxy
`/metrics`).
"""

from __future__ import annotations

import hmac
import ipaddress

from fastapi import Request

from catalogue.config import Settings
from catalogue.errors import FedcatError


class MetricsUnauthorized(FedcatError):
    """`/metrics` without the configured bearer token."""

    status, type, title = 401, "metrics-token-required", "Metrics token required"


class MetricsForbidden(FedcatError):
    """`/metrics` from a non-loopback client while no metrics token is configured."""

    status, type, title = 403, "metrics-loopback-only", "Metrics are served to loopback clients only"


def is_loopback(request: Request) -> bool:
    """True when the TCP peer is 127.0.0.0/8 or ::1."""
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def presented_token(request: Request) -> str | None:
    """The bearer token of the request, if any."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def may_observe(request: Request, settings: Settings) -> bool:
    """True when the caller may read metrics and failure details."""
    expected = settings.observability.metrics_token
    if expected is None:
        return is_loopback(request)
    given = presented_token(request)
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def require_observer(request: Request, settings: Settings) -> None:
    """Raise the right refusal unless `may_observe`."""
    if may_observe(request, settings):
        return
    if settings.observability.metrics_token is not None:
        raise MetricsUnauthorized("send the node's metrics token as `Authorization: Bearer <token>`")
    raise MetricsForbidden(
        "no metrics token is configured, so /metrics answers loopback clients only; "
        "set observability.metrics_token to scrape from elsewhere"
    )
