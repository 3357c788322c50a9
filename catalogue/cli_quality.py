"""CLI stub: filled in by the quality work."""

from __future__ import annotations
