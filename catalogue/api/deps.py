"""Dependencies shared by the routers, as `Annotated` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from catalogue.config import Settings
from catalogue.store import GraphStore


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _store(request: Request) -> GraphStore:
    return request.app.state.store


SettingsDep = Annotated[Settings, Depends(_settings)]
StoreDep = Annotated[GraphStore, Depends(_store)]
