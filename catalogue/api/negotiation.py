"""Content and language negotiation (RFC 9110 `Accept` and `Accept-Language`), shared by the routers."""

from __future__ import annotations

import re
from collections.abc import Mapping

from catalogue.errors import FedcatError
from catalogue.export import FORMATS

# Media type -> export format, in the order we prefer them when the client does not care.
RDF_MEDIA: dict[str, str] = {media: ext for ext, (_, media) in FORMATS.items()}
# Plain JSON clients get JSON-LD, which is JSON.
JSON_ALIASES: dict[str, str] = {"application/json": "jsonld"}
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$")


class NotAcceptable(FedcatError):
    """No serialisation we offer matches the Accept header."""

    status, type, title = 406, "not-acceptable", "Not acceptable"


def _quality(params: str) -> float:
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                return min(max(float(value), 0.0), 1.0)
            except ValueError:
                return 0.0
    return 1.0


def _ranges(header: str) -> list[tuple[str, float]]:
    """The media ranges of an Accept header with their q-values, in header order."""
    out = []
    for part in header.split(","):
        media, _, params = part.strip().partition(";")
        media = media.strip().lower()
        if media:
            out.append((media, _quality(params)))
    return out


def _match(media: str, ranges: list[tuple[str, float]]) -> float | None:
    """The q-value the most specific matching range gives `media`; None when no range matches it."""
    kind = media.split("/", 1)[0]
    best: tuple[int, float] | None = None
    for pattern, q in ranges:
        if pattern == media:
            specificity = 2
        elif pattern == f"{kind}/*":
            specificity = 1
        elif pattern == "*/*":
            specificity = 0
        else:
            continue
        if best is None or specificity > best[0]:
            best = (specificity, q)
    return None if best is None else best[1]


def choose(accept: str | None, offers: Mapping[str, str]) -> str | None:
    """The key of the offered media type the Accept header prefers; None when it accepts none of them.

    `offers` maps media types to keys in our order of preference, which breaks ties between equal q-values
    (so `*/*` or no Accept header gives the first offer).
    """
    if not accept or not accept.strip():
        return next(iter(offers.values()))
    ranges = _ranges(accept)
    best: tuple[float, int] | None = None
    chosen = None
    for rank, (media, key) in enumerate(offers.items()):
        q = _match(media, ranges)
        if q is None or q <= 0:
            continue
        if best is None or q > best[0]:
            best, chosen = (q, rank), key
    return chosen


def negotiate(accept: str | None) -> str:
    """The catalogue's export format for an Accept header (Turtle when anything goes, and for browsers)."""
    found = choose(accept, {**RDF_MEDIA, **JSON_ALIASES})
    if found is not None:
        return found
    if accept and "text/html" in accept.lower():
        return "ttl"  # a browser asking for a page gets the Turtle it can show as text
    raise NotAcceptable(f"no catalogue serialisation matches {accept!r}; offered: {', '.join(RDF_MEDIA)}")


def requested_languages(lang: str | None, accept_language: str | None) -> list[str]:
    """Language tags the caller asked for, best first: `lang=` wins over Accept-Language; lower-cased."""
    if lang and _LANGUAGE_TAG.match(lang.strip()):
        return [lang.strip().lower()]
    if not accept_language:
        return []
    ranked = []
    for order, (tag, q) in enumerate(_ranges(accept_language)):
        if q > 0 and tag != "*" and _LANGUAGE_TAG.match(tag):
            ranked.append((-q, order, tag))
    return [tag for _, _, tag in sorted(ranked)]
