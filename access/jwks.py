"""Trusting an external OIDC issuer: discovery, then its JWKS, cached, with a cooldown on refetching.

An unknown `kid` may mean the issuer rotated its keys, so it triggers a refetch; but a stream of tokens with
made-up `kid`s must not turn into a stream of requests to the issuer, so there is at most one fetch per
cooldown, however many unknown `kid`s arrive. The HTTP transport is injectable for tests.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from access.errors import IssuerUnavailable

MAX_DOCUMENT = 1024 * 1024


class KeyFetchNeeded(Exception):
    """Raised by `key_for(..., allow_fetch=False)` when answering needs a network fetch.

    Lets an async caller try the cheap path in the event loop and move to a worker thread only when it must.
    """


def _safe_url(url: str) -> bool:
    # https, or plain http to a loopback address (a development or test issuer on this machine)
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    if parts.scheme != "http" or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


class JwksCache:
    """The verification keys of one external issuer."""

    def __init__(
        self,
        issuer: str,
        *,
        algorithms: list[str],
        cooldown: float = 60.0,
        max_age: float = 3600.0,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        timeout: float = 5.0,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.algorithms = algorithms
        self.cooldown = cooldown
        self.max_age = max_age
        self.clock = clock
        self.fetches = 0  # JWKS fetches so far (the benchmark and tests count them)
        self._client = httpx.Client(transport=transport, timeout=timeout, follow_redirects=False)
        self._lock = threading.Lock()
        self._jwks_uri: str | None = None
        self._keys: dict[str, RSAKey] = {}
        self._fetched_at: float | None = None  # last successful fetch
        self._attempted_at: float | None = None  # last attempt, successful or not: the cooldown runs from here

    def _get_json(self, url: str) -> dict[str, Any]:
        if not _safe_url(url):
            raise IssuerUnavailable(f"refusing to fetch {url}: https (or loopback http) only")
        try:
            with self._client.stream("GET", url, headers={"Accept": "application/json"}) as response:
                if response.status_code != 200:
                    raise IssuerUnavailable(f"{url} answered HTTP {response.status_code}")
                body = b""
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > MAX_DOCUMENT:
                        raise IssuerUnavailable(f"{url} sent more than {MAX_DOCUMENT} bytes")
        except httpx.HTTPError as exc:
            raise IssuerUnavailable(f"{url} could not be fetched: {exc}") from exc
        try:
            import json

            document = json.loads(body)
        except ValueError as exc:
            raise IssuerUnavailable(f"{url} did not send JSON") from exc
        if not isinstance(document, dict):
            raise IssuerUnavailable(f"{url} did not send a JSON object")
        return document

    def discover(self) -> str:
        """The issuer's `jwks_uri`, from its discovery document (fetched once, then remembered)."""
        if self._jwks_uri is None:
            document = self._get_json(f"{self.issuer}/.well-known/openid-configuration")
            # The document must name the issuer we configured: otherwise tokens could be mixed up between issuers.
            if str(document.get("issuer", "")).rstrip("/") != self.issuer:
                raise IssuerUnavailable(f"the discovery document names issuer {document.get('issuer')!r}")
            uri = document.get("jwks_uri")
            if not isinstance(uri, str):
                raise IssuerUnavailable("the discovery document has no jwks_uri")
            self._jwks_uri = uri
        return self._jwks_uri

    def _fetch(self) -> None:
        self._attempted_at = self.clock()
        self.fetches += 1
        document = self._get_json(self.discover())
        keys: dict[str, RSAKey] = {}
        for entry in document.get("keys") or []:
            if not isinstance(entry, dict) or entry.get("kty") != "RSA" or not isinstance(entry.get("kid"), str):
                continue
            if entry.get("use", "sig") != "sig" or entry.get("alg", self.algorithms[0]) not in self.algorithms:
                continue
            public = {k: entry[k] for k in ("kty", "n", "e", "kid") if k in entry}  # never keep private parts
            try:
                keys[entry["kid"]] = RSAKey.import_key(public)
            except (JoseError, ValueError):
                continue
        self._keys = keys
        self._fetched_at = self.clock()

    def _may_fetch(self) -> bool:
        return self._attempted_at is None or self.clock() - self._attempted_at >= self.cooldown

    def key_for(self, kid: str, *, allow_fetch: bool = True) -> RSAKey | None:
        """The key for `kid`, refetching the JWKS when it is stale or `kid` unknown, within the cooldown."""
        now = self.clock()
        stale = self._fetched_at is None or now - self._fetched_at >= self.max_age
        if kid in self._keys and not stale:
            return self._keys[kid]
        if not self._may_fetch():
            return self._keys.get(kid)  # a stale known key still verifies until a refetch is allowed
        if not allow_fetch:
            raise KeyFetchNeeded(kid)
        with self._lock:
            # Another thread may have fetched while this one waited: then only fetch if still allowed.
            if self._may_fetch() and (kid not in self._keys or stale):
                try:
                    self._fetch()
                except IssuerUnavailable:
                    if kid not in self._keys:
                        raise
        return self._keys.get(kid)

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()
