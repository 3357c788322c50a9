"""The `dcat` harvester: DCAT-AP RDF in any common syntax, following Hydra paging, with conditional GET."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from catalogue.errors import FetchError, MappingError
from catalogue.records import Statement
from harvesters.base import Event, HarvestContext, Problem, Progress, Seen
from harvesters.mapping.dcat import PageGraph, records
from harvesters.rdfparse import ACCEPT, EXTENSIONS, guess_format, parse_printed


class DcatHarvester:
    """Harvests a DCAT catalogue from an RDF endpoint (Hydra-paged or not), a file or a directory of files."""

    complete = False

    def __init__(self, ctx: HarvestContext) -> None:
        self.ctx = ctx
        self.source_triples: list[Statement] = []
        self.minted_prefix = f"{ctx.base}/source/{ctx.source.name}/dataset/"

    def _page_urls(self) -> list[str] | None:
        """For a `file://` directory, its RDF files in name order; None when paging is driven by the data."""
        url = self.ctx.source.url
        if urlsplit(url).scheme != "file":
            return None
        path = Path(unquote(urlsplit(url).path))
        if not path.is_dir():
            return None
        files = sorted(p for p in path.iterdir() if p.suffix.lstrip(".").lower() in EXTENSIONS)
        return [p.as_uri() for p in files]

    def harvest(self) -> Iterator[Event]:
        pages_state: dict[str, Any] = self.ctx.state.setdefault("pages", {})  # type: ignore[assignment]
        fixed = self._page_urls()
        queue = list(fixed) if fixed is not None else [self.ctx.source.url]
        visited: set[str] = set()
        done = 0
        while queue:
            url = queue.pop(0)
            if url in visited:
                yield Problem("repeated-page", "Paging loop stopped", f"page {url} was already harvested", url=url)
                break
            if len(visited) >= self.ctx.limits.max_pages:
                raise FetchError(f"more than {self.ctx.limits.max_pages} pages; raise harvest.max_pages if real")
            visited.add(url)
            cached = pages_state.get(url, {})
            fetched = self.ctx.fetcher.get(
                url, accept=ACCEPT, etag=cached.get("etag"), last_modified=cached.get("last_modified")
            )
            digest = hashlib.sha256(fetched.content).hexdigest() if not fetched.not_modified else None
            # A 304, or the very same bytes as last time (servers without validators, file:// sources).
            unchanged = fetched.not_modified or digest == cached.get("sha256")
            if "keys" in cached and unchanged and self.ctx.known.issuperset(cached["keys"]):
                for key in cached["keys"]:
                    yield Seen(key)
                done += len(cached["keys"])
                yield Progress(done, cached.get("total"))
                if fixed is None and cached.get("next"):
                    queue.append(cached["next"])
                continue
            fmt = guess_format(fetched.content, fetched.content_type, url)
            page = PageGraph(*parse_printed(fetched.content, fmt, base_iri=fetched.url))
            if not self.source_triples:
                self.source_triples = page.catalogs()
            keys: list[str] = []
            for item in records(page, self.minted_prefix):
                if isinstance(item, MappingError):
                    yield Problem(item.type, item.title, item.message, record=item.extra.get("record"), url=url)
                else:
                    keys.append(item.key)
                    item.original_url = fetched.url
                    yield item
            total = page.total_items()
            nxt = page.next_page() if fixed is None else None
            if nxt:
                nxt = _absolute(nxt, fetched.url)
                queue.append(nxt)
            pages_state[url] = {
                "etag": fetched.etag,
                "last_modified": fetched.last_modified,
                "keys": keys,
                "next": nxt,
                "total": total,
                "sha256": digest,
            }
            done += len(keys)
            yield Progress(done, total)
        self.complete = True


def _absolute(link: str, page_url: str) -> str:
    from urllib.parse import urljoin

    return urljoin(page_url, link)
