"""Router stub: filled in by the quality work."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["quality"])
