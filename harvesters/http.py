"""One guarded way to fetch untrusted bytes: timeouts, byte caps, an SSRF guard and conditional GET."""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import httpx

from catalogue.config import HarvestLimits
from catalogue.errors import (
    DeadlineExceeded,
    FetchError,
    ForbiddenAddress,
    ForbiddenScheme,
    HttpStatusError,
    ResponseTooLarge,
)

Resolver = Callable[[str, int], list[str]]
REDIRECTS = (301, 302, 303, 307, 308)
USER_AGENT = "fedcat-harvester/0.1 (+https://w3id.org/fedcat)"


def system_resolver(host: str, port: int) -> list[str]:
    """Every address `host` resolves to; accepts the odd spellings (`2130706433`, `0x7f.1`) the OS accepts."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise FetchError(f"cannot resolve host {host!r}: {exc.strerror}") from exc
    return sorted({str(info[4][0]) for info in infos})


def is_public_address(address: str) -> bool:
    """True for globally routable unicast addresses only."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is not None:
            ip = mapped
    return ip.is_global and not ip.is_multicast


@dataclass
class Fetched:
    """A fetched body with what the harvesters need from the response."""

    url: str
    status: int
    content: bytes
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        """True when a conditional GET answered 304."""
        return self.status == 304


class Fetcher:
    """Fetches URLs for one source under that source's rules."""

    def __init__(
        self,
        limits: HarvestLimits,
        *,
        allow_private_network: bool = False,
        allow_file: bool = False,
        transport: httpx.BaseTransport | None = None,
        resolver: Resolver = system_resolver,
    ) -> None:
        self.limits = limits
        self.allow_private_network = allow_private_network
        self.allow_file = allow_file
        self.resolver = resolver
        self.client = httpx.Client(
            transport=transport,
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
            timeout=httpx.Timeout(limits.deadline_seconds, connect=limits.connect_timeout_seconds),
        )

    def close(self) -> None:
        """Close the underlying connection pool."""
        self.client.close()

    def check_url(self, url: str) -> None:
        """Refuse schemes other than http(s) and, unless allowed, non-public addresses."""
        parts = urlsplit(url)
        if parts.scheme == "file":
            if not self.allow_file:
                raise ForbiddenScheme(f"file:// is only allowed for sources the operator added: {url}")
            return
        if parts.scheme not in ("http", "https"):
            raise ForbiddenScheme(f"only http(s) URLs can be harvested, not {parts.scheme or 'no'} scheme: {url}")
        if not parts.hostname:
            raise FetchError(f"URL has no host: {url}")
        if self.allow_private_network:
            return
        port = parts.port or (443 if parts.scheme == "https" else 80)
        for address in self.resolver(parts.hostname, port):
            if not is_public_address(address):
                raise ForbiddenAddress(
                    f"{parts.hostname} resolves to the non-public address {address}; add the source with "
                    "--allow-private-network if this is intended",
                    url=url,
                )

    def get(
        self,
        url: str,
        *,
        params: dict[str, str] | None = None,
        accept: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        error_body: bool = False,
    ) -> Fetched:
        """GET `url` with redirects checked hop by hop, the byte cap and one overall deadline.

        An HTTP error status raises `HttpStatusError`, unless `error_body` asks for the (capped) body instead.
        """
        if urlsplit(url).scheme == "file":
            self.check_url(url)
            return self._read_file(url)
        started = time.monotonic()
        headers = {}
        if accept:
            headers["Accept"] = accept
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        request_url = str(httpx.URL(url, params=params)) if params else url
        for hop in range(self.limits.max_redirects + 1):
            if hop and urlsplit(request_url).scheme not in ("http", "https"):
                raise ForbiddenScheme(f"{url} redirected to {request_url}: only http(s) redirects are followed")
            self.check_url(request_url)
            response = self._stream(request_url, headers, started, error_body)
            if response.status in REDIRECTS and response.content_type == "redirect":
                request_url = response.url
                continue
            return response
        raise FetchError(f"more than {self.limits.max_redirects} redirects from {url}")

    def _remaining(self, started: float, url: str) -> float:
        left = self.limits.deadline_seconds - (time.monotonic() - started)
        if left <= 0:
            raise DeadlineExceeded(f"{url} did not answer within {self.limits.deadline_seconds:g} s", url=url)
        return left

    def _stream(self, url: str, headers: dict[str, str], started: float, error_body: bool) -> Fetched:
        left = self._remaining(started, url)
        timeout = httpx.Timeout(left, connect=min(left, self.limits.connect_timeout_seconds))
        try:
            with self.client.stream("GET", url, headers=headers, timeout=timeout) as response:
                if response.status_code == 304:
                    return Fetched(url, 304, b"", None, response.headers.get("etag"))
                if response.status_code in REDIRECTS:
                    location = response.headers.get("location", "")
                    if not location:
                        raise HttpStatusError(f"{url} redirected without a Location", url=url)
                    return Fetched(urljoin(url, location), response.status_code, b"", "redirect")
                if response.status_code >= 400 and not error_body:
                    raise HttpStatusError(
                        f"{url} answered HTTP {response.status_code}",
                        url=url,
                        http_status=response.status_code,
                    )
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > self.limits.max_bytes:
                    raise self._too_large(url)
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_raw():
                    size += len(chunk)
                    if size > self.limits.max_bytes:
                        raise self._too_large(url)
                    chunks.append(chunk)
                    self._remaining(started, url)
                content = b"".join(chunks)
                if response.headers.get("content-encoding"):
                    content = self._decode(response, content, url)
                return Fetched(
                    url,
                    response.status_code,
                    content,
                    response.headers.get("content-type"),
                    response.headers.get("etag"),
                    response.headers.get("last-modified"),
                )
        except httpx.TimeoutException as exc:
            raise DeadlineExceeded(f"{url} did not answer within {self.limits.deadline_seconds:g} s", url=url) from exc
        except httpx.HTTPError as exc:
            raise FetchError(f"{url}: {type(exc).__name__}: {exc}", url=url) from exc

    def _decode(self, response: httpx.Response, raw: bytes, url: str) -> bytes:
        # Decompress ourselves so the cap also bounds what a gzip bomb expands to.
        import zlib

        encoding = response.headers["content-encoding"].lower().strip()
        if encoding in ("identity", ""):
            return raw
        if encoding not in ("gzip", "deflate"):
            raise FetchError(f"{url}: unsupported content-encoding {encoding!r}", url=url)
        wbits = 16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS
        decompressor = zlib.decompressobj(wbits)
        out = decompressor.decompress(raw, self.limits.max_bytes + 1)
        if len(out) > self.limits.max_bytes or decompressor.unconsumed_tail:
            raise self._too_large(url)
        return out

    def _too_large(self, url: str) -> ResponseTooLarge:
        return ResponseTooLarge(f"{url} sent more than the {self.limits.max_bytes} byte cap", url=url)

    def _read_file(self, url: str) -> Fetched:
        path = Path(unquote(urlsplit(url).path))
        try:
            size = path.stat().st_size
            if size > self.limits.max_bytes:
                raise self._too_large(url)
            return Fetched(url, 200, path.read_bytes())
        except OSError as exc:
            raise FetchError(f"cannot read {path}: {exc.strerror}", url=url) from exc
