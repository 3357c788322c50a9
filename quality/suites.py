"""Expectation suites on disk: `<home>/quality/suites/<dataset-id>.json`, in GX 1.x suite JSON.

A steward edits a suite by hand. Each expectation may carry `"meta": {"fedcat": {...}}`:

* `"generated": "<fingerprint>"` marks what profiling wrote; the fingerprint hashes its type and kwargs;
* `"pinned": true` keeps it exactly as it is when the data are profiled again;
* `"disabled": true` keeps it in the file but skips it at validation.

Re-profiling replaces only generated expectations that nobody touched (fingerprint unchanged, not pinned,
not disabled). An edited, pinned, disabled or hand-added expectation survives, and the regenerated one with
the same type and column gives way to it.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from catalogue.config import Settings
from catalogue.errors import ParseError

Expectation = dict[str, Any]
Suite = dict[str, Any]


class SuiteError(ParseError):
    """A suite file that is not valid JSON or not a valid expectation suite."""

    type, title = "invalid-suite", "Invalid expectation suite"


def suites_dir(settings: Settings) -> Path:
    """`<home>/quality/suites/`."""
    return settings.home / "quality" / "suites"


def suite_path(settings: Settings, dataset_id: str) -> Path:
    """Where a dataset's suite lives."""
    return suites_dir(settings) / f"{dataset_id}.json"


def fingerprint(expectation: Expectation) -> str:
    """A short hash of an expectation's type and kwargs: changes when a steward edits it."""
    text = json.dumps({"type": expectation.get("type"), "kwargs": expectation.get("kwargs")}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def key(expectation: Expectation) -> str:
    """What an expectation is about: its type and column(s), so a steward's version can replace ours."""
    kwargs = expectation.get("kwargs") or {}
    column = kwargs.get("column") or ",".join(kwargs.get("column_list") or [])
    return f"{expectation.get('type')}|{column}"


def fedcat_meta(expectation: Expectation) -> dict[str, Any]:
    """The expectation's `meta.fedcat` object (empty when absent or malformed)."""
    meta = expectation.get("meta") or {}
    found = meta.get("fedcat") if isinstance(meta, dict) else None
    return found if isinstance(found, dict) else {}


def is_untouched(expectation: Expectation) -> bool:
    """True for a generated expectation exactly as profiling wrote it: profiling may replace it."""
    flags = fedcat_meta(expectation)
    generated = flags.get("generated")
    return (
        bool(generated)
        and not flags.get("pinned")
        and not flags.get("disabled")
        and (generated == fingerprint(expectation))
    )


def is_active(expectation: Expectation) -> bool:
    """False for expectations a steward disabled."""
    return not fedcat_meta(expectation).get("disabled")


def generated(type_: str, **kwargs: Any) -> Expectation:
    """An expectation as profiling writes it, marked with its fingerprint."""
    expectation: Expectation = {"type": type_, "kwargs": kwargs}
    expectation["meta"] = {"fedcat": {"generated": fingerprint(expectation)}}
    return expectation


def merge(fresh: list[Expectation], previous: Suite | None) -> list[Expectation]:
    """The expectations of a re-profiled suite: fresh ones, except where the steward's edits take their place."""
    if previous is None:
        return fresh
    kept = [e for e in previous.get("expectations", []) if not is_untouched(e)]
    by_key: dict[str, list[Expectation]] = {}
    for e in kept:
        by_key.setdefault(key(e), []).append(e)
    out: list[Expectation] = []
    placed: set[int] = set()
    for e in fresh:
        mine = by_key.get(key(e))
        if mine:  # the steward's version stands where ours would
            for m in mine:
                if id(m) not in placed:
                    out.append(m)
                    placed.add(id(m))
        else:
            out.append(e)
    out += [e for e in kept if id(e) not in placed]
    return out


def load_suite(settings: Settings, dataset_id: str) -> Suite | None:
    """The dataset's suite, or None when it was never profiled; `SuiteError` when the file is broken."""
    path = suite_path(settings, dataset_id)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return parse_suite(text, path)


def parse_suite(text: str, path: Path | str = "suite") -> Suite:
    """Check a suite's JSON shape; GX checks each expectation's kwargs when the suite runs."""
    try:
        suite = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SuiteError(
            f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); fix it by hand, or "
            "delete it and run `fedcat quality profile` to start again"
        ) from exc
    if not isinstance(suite, dict) or not isinstance(suite.get("expectations"), list):
        raise SuiteError(f'{path} is not an expectation suite: it needs an "expectations" list')
    for n, e in enumerate(suite["expectations"]):
        if not isinstance(e, dict) or not isinstance(e.get("type"), str) or not isinstance(e.get("kwargs", {}), dict):
            raise SuiteError(f'{path}: expectation #{n + 1} needs a "type" string and a "kwargs" object')
    return suite


def save_suite(settings: Settings, dataset_id: str, suite: Suite) -> Path:
    """Write a suite atomically, pretty-printed for hand editing."""
    path = suite_path(settings, dataset_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(suite, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path
