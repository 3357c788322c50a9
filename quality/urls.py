"""Reachability of access and download URLs for the MQA (`fedcat quality score --check-urls`).

Every URL goes through the harvesters' guarded fetcher: http(s) only, public addresses only (checked at every
redirect hop), a short deadline and a small byte cap. A body over the cap still proves the URL answered, so
it counts as reachable. The number of URLs per run is bounded, and a URL is fetched once however many
distributions share it.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx

from catalogue.config import HarvestLimits
from catalogue.errors import FetchError, ResponseTooLarge
from harvesters.http import Fetcher, Resolver, system_resolver

LIMITS = HarvestLimits(max_bytes=256 * 1024, deadline_seconds=10.0, connect_timeout_seconds=5.0, max_redirects=5)


@dataclass(frozen=True)
class UrlCheck:
    """The outcome for one URL."""

    url: str
    reachable: bool
    reason: str  # "ok", an HTTP status, or the fedcat error type (forbidden-address, deadline-exceeded, ...)


def check_one(fetcher: Fetcher, url: str) -> UrlCheck:
    """GET one URL under the guard."""
    try:
        fetched = fetcher.get(url)
    except ResponseTooLarge:
        return UrlCheck(url, True, "ok")
    except FetchError as exc:
        status = exc.extra.get("http_status")
        return UrlCheck(url, False, f"http-{status}" if status else exc.type)
    return UrlCheck(url, 200 <= fetched.status < 400, "ok" if fetched.status < 400 else f"http-{fetched.status}")


def check_urls(
    urls: Iterable[str],
    *,
    max_urls: int = 1000,
    workers: int = 8,
    limits: HarvestLimits = LIMITS,
    transport: httpx.BaseTransport | None = None,
    resolver: Resolver = system_resolver,
) -> dict[str, UrlCheck]:
    """Check up to `max_urls` distinct URLs, `workers` at a time; URLs beyond the bound are left out."""
    unique = list(dict.fromkeys(u for u in urls if u))[:max_urls]
    fetcher = Fetcher(limits, allow_private_network=False, allow_file=False, transport=transport, resolver=resolver)
    try:
        with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="fedcat-urls") as pool:
            return {c.url: c for c in pool.map(lambda u: check_one(fetcher, u), unique)}
    finally:
        fetcher.close()
