"""`fedcat search` and `fedcat index rebuild` (stub: filled in by the search work)."""

from __future__ import annotations
