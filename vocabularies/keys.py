"""How messy strings and IRIs fold into lookup keys, so "CC-BY 4.0", "cc_by_4.0" and "CC BY 4.0" meet."""

from __future__ import annotations

import re
import unicodedata

# Separators that carry no meaning in codes and labels: "RDF_TURTLE" = "rdf-turtle" = "RDF Turtle",
# ".csv" = "csv", "CC-BY-4.0" = "CC_BY_4_0". "/" and "+" stay: media types need them.
_SEPARATORS = re.compile(r"[\s\-_.,;:()\[\]'\"‘’“”–—]+")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")


def text_key(value: str) -> str:
    """`value` case-folded, Unicode-normalised, with separator runs collapsed to one space."""
    return _SEPARATORS.sub(" ", unicodedata.normalize("NFKC", value).casefold()).strip()


def looks_like_iri(value: str) -> bool:
    """Whether `value` (already stripped) is written as an absolute IRI or a scheme-less web address."""
    return bool(_SCHEME.match(value.lower())) or value.lower().startswith("www.")


def iri_key(value: str) -> str:
    """`value` without scheme, `www.` and trailing slashes, case-folded: http/https and `…/` variants meet."""
    key = _SCHEME.sub("", value.strip().casefold(), count=1)
    return key.removeprefix("www.").rstrip("/")
