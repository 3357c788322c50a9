"""Read a `ckanapi dump datasets` file: JSON lines, one CKAN package dict per line."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from catalogue.errors import MappingError


def read_dump(lines: Iterable[bytes | str]) -> Iterator[dict[str, Any] | MappingError]:
    """Yield each line's package dict, or a `MappingError` naming the line number (1-based) for a
    line that is not valid JSON or not a JSON object. Blank lines are skipped; nothing is raised
    for a bad line, so one broken record does not stop the rest of the dump."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            package = json.loads(line)
        except (ValueError, UnicodeDecodeError) as e:
            yield MappingError(f"line {number} of the CKAN dump is not valid JSON: {e}", line=number)
            continue
        if isinstance(package, dict):
            yield package
        else:
            yield MappingError(
                f"line {number} of the CKAN dump is a JSON {type(package).__name__}, not a package object",
                line=number,
            )
