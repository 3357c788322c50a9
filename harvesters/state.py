"""Per-source harvest state kept between runs under `<home>/state/` (a cache: losing it costs a full fetch)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def load_state(directory: Path, source: str) -> dict[str, Any]:
    """The saved state of `source`, or an empty one."""
    path = directory / f"{source}.json"
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_state(directory: Path, source: str, state: dict[str, Any]) -> None:
    """Write the state atomically, so a kill mid-write leaves the previous state."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{source}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(state, sort_keys=True))
    os.replace(tmp, path)
