"""Router stub: filled in by the datasets work."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["datasets"])
