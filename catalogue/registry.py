"""The extension point: a typed registry keyed by kind and name, filled from entry points.

Built-ins register exactly as third parties do, through `[project.entry-points."fedcat.<kind>s"]`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib.metadata import entry_points
from typing import Any

from catalogue.errors import UnknownExtension

KINDS = ("harvester", "profile", "check")
_extra: dict[tuple[str, str], Any] = {}


def register(kind: str, name: str) -> Callable[[Any], Any]:
    """Register an object at run time (tests, plug-ins that cannot ship entry points)."""
    if kind not in KINDS:
        raise UnknownExtension(f"unknown extension kind {kind!r}; kinds are {', '.join(KINDS)}")

    def decorate(obj: Any) -> Any:
        _extra[(kind, name)] = obj
        return obj

    return decorate


@cache
def _entry_points(kind: str) -> dict[str, Any]:
    return {ep.name: ep for ep in entry_points(group=f"fedcat.{kind}s")}


def names(kind: str) -> list[str]:
    """Every registered name of `kind`."""
    return sorted(set(_entry_points(kind)) | {n for k, n in _extra if k == kind})


def get(kind: str, name: str) -> Any:
    """The object registered as `kind`/`name`; fails loudly on an unknown name."""
    if (kind, name) in _extra:
        return _extra[(kind, name)]
    eps = _entry_points(kind)
    if name not in eps:
        known = ", ".join(names(kind)) or "none"
        raise UnknownExtension(f"no {kind} named {name!r} is registered (known: {known})")
    return eps[name].load()
