"""Dependencies shared by the routers, as `Annotated` aliases."""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import Depends, Request

from access.accounts import RESTRICTED_SCOPE
from access.deps import OptionalPrincipal
from access.tokens import Principal
from catalogue.config import Settings
from catalogue.index import SearchIndex, open_index
from catalogue.store import GraphStore


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _store(request: Request) -> GraphStore:
    return request.app.state.store


def entitled(principal: Principal | None) -> bool:
    """True for a caller whose token carries `catalogue:restricted`; a valid token without it reads the public view."""
    return principal is not None and RESTRICTED_SCOPE in principal.scopes


async def _sees_restricted(principal: OptionalPrincipal) -> bool:
    return entitled(principal)  # a bad token never gets here: it is a 401 (BearerError)


def _reader_store(request: Request, sees: Annotated[bool, Depends(_sees_restricted)]) -> GraphStore:
    return request.app.state.full_store if sees else request.app.state.store


_index_lock = threading.Lock()


def search_index(request: Request) -> SearchIndex:
    """The app's one search index, opened on first use: a node serves its pages before its first index exists."""
    state = request.app.state
    with _index_lock:
        index = getattr(state, "search_index", None)
        if index is None:
            index = state.search_index = open_index(state.settings, getattr(state, "search_cache_size", 512))
    return index


SettingsDep = Annotated[Settings, Depends(_settings)]
StoreDep = Annotated[GraphStore, Depends(_store)]
SearchIndexDep = Annotated[SearchIndex, Depends(search_index)]
SeesRestricted = Annotated[bool, Depends(_sees_restricted)]
ReaderStoreDep = Annotated[GraphStore, Depends(_reader_store)]  # the full store for `SeesRestricted` callers
