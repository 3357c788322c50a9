"""Router stub: filled in by the search work."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["search"])
