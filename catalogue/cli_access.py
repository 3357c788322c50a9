"""CLI stub: filled in by the access work."""

from __future__ import annotations
