"""Server-rendered pages: the Jinja2 environment (autoescaping everything), its filters, and static files.

Every value on a page comes from harvested, hostile metadata. Autoescaping keeps it out of the markup, and
`href` keeps it out of link targets (a `javascript:` URL is a valid IRI, so escaping alone is not enough).
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from catalogue.web.messages import translator

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
SAFE_SCHEMES = ("http://", "https://", "ftp://", "mailto:")


def href(url: str | None) -> str | None:
    """`url` if it is safe as a link target (http, https, ftp, mailto), else None."""
    if not url:
        return None
    url = url.strip()
    return url if url.lower().startswith(SAFE_SCHEMES) else None


def filesize(size: int | None) -> str:
    """A byte count for people: "1.2 MB" (SI units, as file managers show them)."""
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"


def parse_time(value: str | None) -> date | datetime | None:
    """An ISO 8601 date or date-time; None for anything else (a year alone, free text)."""
    if not value:
        return None
    try:
        if "T" in value:
            return datetime.fromisoformat(value)
        return date.fromisoformat(value)
    except ValueError:
        return None


def machine_time(value: str | None) -> str | None:
    """A valid HTML `datetime` attribute for the value (at most millisecond precision), or None."""
    parsed = parse_time(value)
    if parsed is None:
        return None
    if isinstance(parsed, datetime):
        text = parsed.isoformat(timespec="milliseconds" if parsed.microsecond else "seconds")
        return text.replace("+00:00", "Z")
    return parsed.isoformat()


def human_time(value: str | None) -> str:
    """The value for reading: a date as is, a date-time to the minute (with UTC when it is in UTC)."""
    parsed = parse_time(value)
    if isinstance(parsed, datetime):
        zone = " UTC" if parsed.utcoffset() is not None and not parsed.utcoffset() else ""
        return parsed.strftime("%Y-%m-%d %H:%M") + zone
    if isinstance(parsed, date):
        return parsed.isoformat()
    return value or ""


def html_lang(tag: str | None) -> str:
    """A language tag for an HTML `lang` attribute: empty (unknown) for BCP 47 `und`."""
    return "" if not tag or tag == "und" else tag


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The pages' Jinja2 environment: autoescape on, undefined names fail, templates from `templates/`."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        href=href, filesize=filesize, machine_time=machine_time, human_time=human_time, html_lang=html_lang
    )
    env.globals["static"] = lambda path: f"/static/{path}"
    return env


def render(template: str, *, language: str, **context: Any) -> str:
    """Render a page in `language` (its `lang` attribute and its own words)."""
    return environment().get_template(template).render(lang=language, t=translator(language), **context)
