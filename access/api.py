"""Router stub: filled in by the access work."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["access"])
