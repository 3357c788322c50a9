"""Router stub: filled in by the sparql work."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["sparql"])
