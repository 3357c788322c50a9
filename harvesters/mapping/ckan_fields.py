"""Value coercion for the CKAN mapping: IRIs, raw values, lists, texts, dates and numbers.

Every helper takes whatever a CKAN API or dump may hold (str, number, list, dict, JSON-encoded
string, None) and returns a pyoxigraph term, a list of them, or None: none of them raises on bad
input, because one odd field must not cost the whole record.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pyoxigraph as ox

from harvesters.mapping.ckan_terms import XSD

Value = ox.NamedNode | ox.Literal

# Only well-known schemes count as IRIs: "Standard 1", "en" or "Note: see below" are text, and a
# bare "scheme:" test would turn "time:12" or "C:\\data" into IRIs.
_ABSOLUTE = re.compile(r"(?:https?|ftps?)://[^\s/?#]|urn:[a-z0-9][a-z0-9-]{0,31}:\S", re.IGNORECASE)
_WEB = re.compile(r"(?:https?|ftps?)://[^\s/?#]", re.IGNORECASE)
# What an IRI may keep when a URL with spaces, pipes or braces is percent-encoded to rescue it.
_IRI_SAFE = "!#$%&'()*+,-./:;=?@[]_~"
_EMAIL = re.compile(r"[^@\s<>\"]+@[^@\s<>\"]+\Z")
_DURATION = re.compile(
    r"-?P(?=\d|T\d)(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?\Z"
)
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)\Z")
_HEX = re.compile(r"[0-9a-fA-F]+\Z")
_EMAIL_SEPARATORS = re.compile(r"[,;]")

XSD_DATE = XSD.date
XSD_DATETIME = XSD.dateTime
XSD_GYEAR = XSD.gYear
XSD_GYEARMONTH = XSD.gYearMonth
XSD_NNI = XSD.nonNegativeInteger
XSD_DECIMAL = XSD.decimal
XSD_DURATION = XSD.duration
XSD_BOOLEAN = XSD.boolean
XSD_HEXBINARY = XSD.hexBinary


def text(value: Any) -> str | None:
    """`value` as a stripped, non-empty string (numbers become strings), else None."""
    if isinstance(value, str):
        value = value.strip()
        # A JSON null that went through str() somewhere upstream is not a value.
        return value if value and value != "null" else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def iri(value: Any, web: bool = False) -> ox.NamedNode | None:
    """An IRI when `value` is an absolute IRI (only http(s)/ftp URLs when `web`), else None."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not (_WEB if web else _ABSOLUTE).match(value):
        return None
    try:
        return ox.NamedNode(value)
    except ValueError:
        pass
    try:
        return ox.NamedNode(quote(value, safe=_IRI_SAFE))
    except ValueError:
        return None


def raw(value: Any) -> Value | None:
    """The value as the source wrote it: an IRI when it is one, a plain literal otherwise."""
    if type(value) is str:
        # Coded values (formats, licences, languages, frequencies) repeat across a source's records: each
        # spelling is parsed once. Terms are immutable, so records can share them.
        term = _RAW.get(value, _ABSENT)
        if term is _ABSENT:
            term = _remember(_RAW, value, _raw(value))
        return term
    return _raw(value)


def _raw(value: Any) -> Value | None:
    s = text(value)
    if s is None:
        return None
    return iri(s) or ox.Literal(s)


_ABSENT = object()
_RAW: dict[str, Any] = {}
_DATES: dict[str, Any] = {}


def _remember(cache: dict[str, Any], key: str, term: Any) -> Any:
    if len(cache) >= 4096:  # bounded: free text and per-record values would otherwise pile up
        cache.clear()
    cache[key] = term
    return term


def values(value: Any) -> list[Any]:
    """The items of a list-valued field: a list, a JSON-encoded list, or a comma-separated string."""
    if isinstance(value, str):
        s = value.strip()
        if not s:
            return []
        if s[0] == "[":
            try:
                parsed = json.loads(s)
            except ValueError:
                return [s]
            items = parsed if isinstance(parsed, list) else [parsed]
        elif "," in s:
            items = s.split(",")
        else:
            return [s]
    elif isinstance(value, list):
        items = value
    elif isinstance(value, int | float | dict) and not isinstance(value, bool):
        return [value]
    else:
        return []
    out = []
    for item in items:
        if isinstance(item, str):
            item = item.strip()
            if item and item != "null":
                out.append(item)
        elif item is not None:
            out.append(item)
    return out


def records(value: Any) -> list[dict[str, Any]]:
    """The objects of a repeating-subfields field: a list of dicts, one dict, or their JSON encoding."""
    if isinstance(value, str):
        s = value.strip()
        if not s or s[0] not in "[{":
            return []
        try:
            value = json.loads(s)
        except ValueError:
            return []
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return []


def literals(value: Any, translated: Any = None) -> list[ox.Literal]:
    """Literals for a possibly multilingual text: language-tagged ones from `translated` (or from
    `value` itself when it is a {lang: text} dict, as ckanext-fluent stores them), plus the untagged
    value(s) unless they equal one of the tagged texts."""
    if translated is None and type(value) is str:  # the common case, kept short
        stripped = value.strip()
        if not stripped or stripped == "null":
            return []
        if stripped[0] != "{":
            return [ox.Literal(stripped)]
    if isinstance(value, str) and value[:1] == "{":
        with contextlib.suppress(ValueError):
            value = json.loads(value)
    if isinstance(value, dict):
        value, translated = None, value
    out: list[ox.Literal] = []
    seen: set[str] = set()
    if isinstance(translated, str) and translated[:1] == "{":
        try:
            translated = json.loads(translated)
        except ValueError:
            translated = None
    if isinstance(translated, dict):
        for lang, texts in translated.items():
            for t in texts if isinstance(texts, list) else (texts,):
                s = text(t)
                if s is None:
                    continue
                try:
                    out.append(ox.Literal(s, language=lang.strip()))
                except (ValueError, TypeError, AttributeError):
                    if s in seen:
                        continue
                    out.append(ox.Literal(s))  # an invalid language tag: keep the text untagged
                seen.add(s)
    for t in value if isinstance(value, list) else (value,):
        plain = text(t)
        if plain is not None and plain not in seen:
            seen.add(plain)
            out.append(ox.Literal(plain))
    return out


def mailto(value: Any) -> list[ox.NamedNode]:
    """`mailto:` IRIs for one or more e-mail addresses (comma or semicolon separated); bad ones dropped."""
    s = text(value)
    if s is None:
        return []
    out = []
    for part in _EMAIL_SEPARATORS.split(s) if ("," in s or ";" in s) else (s,):
        part = part.strip()
        if part[:7].lower() == "mailto:":
            part = part[7:]
        if _EMAIL.match(part):
            with contextlib.suppress(ValueError):
                out.append(ox.NamedNode("mailto:" + part))
    return out


def date_literal(value: Any) -> ox.Literal | None:
    """An xsd:date, xsd:dateTime (normalised ISO 8601), xsd:gYear or xsd:gYearMonth literal, or None
    when the value is not an ISO 8601 date: unparseable dates are skipped, not kept as text."""
    if type(value) is str:
        term = _DATES.get(value, _ABSENT)  # creation dates and the like repeat across records: parse each once
        if term is _ABSENT:
            term = _remember(_DATES, value, _date_literal(value))
        return term
    return _date_literal(value)


def _date_literal(value: Any) -> ox.Literal | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return ox.Literal(f"{value:04d}", datatype=XSD_GYEAR) if 0 < value < 10000 else None
    if not isinstance(value, str):
        return None
    s = value.strip()
    n = len(s)
    try:
        if n == 10 or (n == 8 and s.isdigit()):
            return ox.Literal(date.fromisoformat(s).isoformat(), datatype=XSD_DATE)
        if n > 10:
            return ox.Literal(datetime.fromisoformat(s).isoformat(), datatype=XSD_DATETIME)
        if n == 4 and s.isdigit() and s != "0000":
            return ox.Literal(s, datatype=XSD_GYEAR)
        if n == 7 and s[4] == "-":
            date.fromisoformat(s + "-01")
            return ox.Literal(s, datatype=XSD_GYEARMONTH)
    except ValueError:
        pass
    return None


def count_literal(value: Any) -> ox.Literal | None:
    """An xsd:nonNegativeInteger, from an int, an integral float or a numeric string; else None."""
    if isinstance(value, str):
        value = value.strip()
        if value.isdigit():
            return ox.Literal(str(int(value)), datatype=XSD_NNI)
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        return None
    return ox.Literal(str(int(value)), datatype=XSD_NNI) if value >= 0 else None


def decimal_literal(value: Any) -> ox.Literal | None:
    """An xsd:decimal from a number or a decimal string; else None."""
    if isinstance(value, float) and math.isfinite(value):
        value = format(Decimal(repr(value)), "f")  # never exponent notation, which xsd:decimal forbids
    elif isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    s = text(value)
    return ox.Literal(s, datatype=XSD_DECIMAL) if s is not None and _DECIMAL.match(s) else None


def duration_literal(value: Any) -> ox.Literal | None:
    """An xsd:duration when `value` is an ISO 8601 duration ("PT15M"); else None."""
    s = text(value)
    return ox.Literal(s, datatype=XSD_DURATION) if s is not None and _DURATION.match(s) else None


def boolean_literal(value: Any) -> ox.Literal | None:
    """An xsd:boolean from a bool or "true"/"false" (any case); else None."""
    if isinstance(value, str):
        value = {"true": True, "false": False}.get(value.strip().lower())
    return ox.Literal("true" if value else "false", datatype=XSD_BOOLEAN) if isinstance(value, bool) else None


def hex_literal(value: str) -> ox.Literal:
    """A checksum value: xsd:hexBinary when it is hex, as DCAT-AP wants, a plain literal otherwise."""
    return ox.Literal(value, datatype=XSD_HEXBINARY) if _HEX.match(value) else ox.Literal(value)


_SEGMENT = re.compile(r"[A-Za-z0-9._~-]+\Z")


def segment(s: str) -> str:
    """`s` as one IRI path segment: as is when IRI-safe (CKAN ids and names), else percent-encoded."""
    return s if _SEGMENT.match(s) else quote(s, safe="")


def site_iri(site: str, kind: str, name: str) -> ox.NamedNode:
    """`{site}/{kind}/{name}`, the page of a dataset, organization or group on a CKAN site."""
    return ox.NamedNode(f"{site}/{kind}/{segment(name)}")
