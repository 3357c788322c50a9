"""The `ckan` harvester: the CKAN Action API through `ckanapi`, or a `ckanapi dump` JSON-lines file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from ckanapi import RemoteCKAN

from catalogue.errors import FedcatError, FetchError, MappingError, ParseError
from harvesters.base import Event, HarvestContext, Problem, Progress, Seen
from harvesters.http import Fetcher
from harvesters.mapping.ckan import map_package
from harvesters.mapping.ckan_dump import read_dump

SORT = "metadata_modified asc, id asc"
OVERLAP = timedelta(minutes=5)  # clock skew between us and the portal


class GuardedCKAN(RemoteCKAN):
    """`ckanapi.RemoteCKAN` whose requests go through fedcat's guarded fetcher (timeouts, caps, SSRF)."""

    def __init__(self, address: str, fetcher: Fetcher) -> None:
        super().__init__(address, user_agent="fedcat-harvester/0.1", get_only=True)
        self.fetcher = fetcher

    def _request_fn_get(
        self,
        url: str,
        data_dict: dict[str, Any] | None,
        headers: dict[str, str],
        requests_kwargs: dict[str, Any],
    ) -> tuple[int, str]:
        params = {
            k: v if isinstance(v, str) else json.dumps(v) if isinstance(v, dict | list) else str(v)
            for k, v in (data_dict or {}).items()
        }
        fetched = self.fetcher.get(url, params=params, accept="application/json", error_body=True)
        return fetched.status, fetched.content.decode("utf-8", errors="replace")


class CkanHarvester:
    """Pages `package_search` sorted by modification time; incremental with a `metadata_modified` filter."""

    complete = False

    def __init__(self, ctx: HarvestContext) -> None:
        self.ctx = ctx
        self.site = ctx.source.url.rstrip("/")
        for suffix in ("/api/3/action", "/api/action", "/api/3", "/api"):
            self.site = self.site.removesuffix(suffix)

    def harvest(self) -> Iterator[Event]:
        if urlsplit(self.site).scheme == "file":
            yield from self._from_files(Path(unquote(urlsplit(self.site).path)))
        else:
            yield from self._from_api()
        self.complete = True

    def _map(self, package: Any, where: str, site: str | None = None) -> Event:
        try:
            record = map_package(package, site or self.site)
            if site:
                record.original_url = where
            return record
        except MappingError as exc:
            return Problem(exc.type, exc.title, exc.message, record=_package_key(package), url=where)

    # -- the Action API -------------------------------------------------------------------------
    def _search(self, ckan: GuardedCKAN, **params: Any) -> dict[str, Any]:
        try:
            result = ckan.call_action(
                "package_search",
                params,
                requests_kwargs={
                    "timeout": (self.ctx.limits.connect_timeout_seconds, self.ctx.limits.deadline_seconds)
                },
            )
        except FedcatError:
            raise
        except (ValueError, TypeError) as exc:
            raise ParseError(f"{self.site} package_search answered something that is not CKAN JSON: {exc}") from exc
        except Exception as exc:  # ckanapi turns each CKAN error type into its own exception class
            raise FetchError(f"{self.site} package_search failed: {type(exc).__name__}: {exc}", url=self.site) from exc
        if not isinstance(result, dict) or not isinstance(result.get("results"), list):
            raise ParseError(f"{self.site} package_search answered without a result list")
        return result

    def _pages(self, ckan: GuardedCKAN, fq: str | None, fl: str | None = None) -> Iterator[tuple[int, list[Any]]]:
        rows = self.ctx.source.page_size
        start = 0
        while True:
            params: dict[str, Any] = {"q": "*:*", "sort": SORT, "rows": rows, "start": start}
            if fq:
                params["fq"] = fq
            if fl:
                params["fl"] = fl
            result = self._search(ckan, **params)
            packages = result["results"]
            yield int(result.get("count") or 0), packages
            start += len(packages)
            if not packages or start >= int(result.get("count") or 0):
                return
            if start // rows > self.ctx.limits.max_pages:
                raise FetchError(f"more than {self.ctx.limits.max_pages} pages from {self.site}")

    def _from_api(self) -> Iterator[Event]:
        ckan = GuardedCKAN(self.site, self.ctx.fetcher)
        base_fq = self.ctx.source.query
        changed_fq = base_fq
        since = self.ctx.since
        if since:
            # Solr range on the indexed modification time; a little overlap costs only unchanged hashes.
            start = datetime.fromisoformat(since.replace("Z", "+00:00")) - OVERLAP
            stamp = start.strftime("%Y-%m-%dT%H:%M:%SZ")
            changed_fq = " ".join(filter(None, [base_fq, f"metadata_modified:[{stamp} TO *]"]))
        done = 0
        fetched_ids: set[str] = set()
        for count, packages in self._pages(ckan, changed_fq):
            for package in packages:
                event = self._map(package, f"{self.site}/api/3/action/package_search")
                fetched_ids.add(_package_key(package) or "")
                yield event
            done += len(packages)
            yield Progress(done, count)
        if since:
            # Incremental: list every id (cheap) so records gone at source can still be withdrawn.
            for _count, packages in self._pages(ckan, base_fq, fl="id"):
                for package in packages:
                    key = _package_key(package)
                    if key and key not in fetched_ids:
                        yield Seen(key)

    # -- dumps and recorded responses ------------------------------------------------------------
    def _from_files(self, path: Path) -> Iterator[Event]:
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix in (".jsonl", ".json", ".jl"))
        elif path.exists():
            files = [path]
        else:
            raise FetchError(f"no such file or directory: {path}")
        for file in files:
            if file.stat().st_size > self.ctx.limits.max_bytes:
                raise FetchError(f"{file} is larger than the {self.ctx.limits.max_bytes} byte cap")
            where = file.as_uri()
            if file.suffix == ".json":
                packages: Any = _packages_in_response(file)
            else:
                with file.open("rb") as handle:
                    packages = list(read_dump(handle))
            for n, item in enumerate(packages, start=1):
                if isinstance(item, MappingError):
                    yield Problem(item.type, item.title, item.message, url=where)
                else:
                    # A dump does not say which portal it came from: its records live under the source's IRI.
                    yield self._map(item, where, site=f"{self.ctx.base}/source/{self.ctx.source.name}")
                yield Progress(n, len(packages))


def _package_key(package: Any) -> str | None:
    return str(package["id"]) if isinstance(package, dict) and package.get("id") else None


def _packages_in_response(file: Path) -> list[Any]:
    """Packages in a recorded `package_search` / `package_show` answer (or a bare package / list)."""
    try:
        data = json.loads(file.read_bytes())
    except ValueError as exc:
        raise ParseError(f"{file} is not valid JSON: {exc}") from exc
    if isinstance(data, dict) and "result" in data:
        data = data["result"]
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        return list(data["results"])
    if isinstance(data, list):
        return data
    return [data]
