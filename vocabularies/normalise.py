"""Messy metadata strings to EU vocabulary IRIs (and IANA media-type IRIs), and the vocabularies' labels.

Every normalising function takes any string a source may write (a code, label, alias, extension, media
type, URL, or the target IRI in another spelling) and answers the canonical IRI, or None when the value
is not one fedcat can map with confidence. Matching ignores case, surrounding space and separators
("CC-BY 4.0" = "cc_by_4.0"); IRIs also match across http/https, "www." and a trailing slash.
"""

from __future__ import annotations

import re
from functools import lru_cache

from vocabularies.keys import iri_key, looks_like_iri, text_key
from vocabularies.loader import Vocabulary, all_labels, concept_by_iri, vocabulary
from vocabularies.namespaces import IANA_MEDIA_TYPE

_CACHE_SIZE = 8192  # distinct values per function; harvests repeat the same few hundred
_IANA = iri_key(str(IANA_MEDIA_TYPE)) + "/"
# RFC 6838 registered top-level types and restricted-name syntax. "x-" subtypes are unregistered by
# definition (there is no IANA IRI for them), and "example" is for documentation only.
_MEDIA_TYPE = re.compile(
    r"(application|audio|font|haptics|image|message|model|multipart|text|video)/([a-z0-9][a-z0-9!#$&^_.+-]{0,126})"
)
_LANGUAGE_TAG = re.compile(r"([a-z]{2,3})(?:[-_][a-z0-9]{1,8})+", re.IGNORECASE)
_REPEAT = re.compile(r"^r\d*/", re.IGNORECASE)  # ISO 8601 repeating interval "R/P1Y", "R5/P1D"
_CC_PAGE = re.compile(r"/(?:legalcode|deed)(?:\.[a-z-]+)?$")
_SPDX_PAGE = re.compile(r"^(spdx\.org/licenses/.+?)\.(?:html|json|txt)$")

# Namespaces whose local names are codes or words of a vocabulary, beside the vocabulary's own.
_LICENCE_NAMESPACES = ("dcat-ap.de/def/licenses/", "opendefinition.org/licenses/", "spdx.org/licenses/")
_LANGUAGE_NAMESPACES = (
    "id.loc.gov/vocabulary/iso639-1/",
    "id.loc.gov/vocabulary/iso639-2/",
    "lexvo.org/id/iso639-1/",
    "lexvo.org/id/iso639-3/",
)
# "cld/terms/" is a common misspelling of the Dublin Core frequency namespace "cld/freq/".
_FREQUENCY_NAMESPACES = ("purl.org/cld/freq/", "purl.org/cld/terms/")


def file_type(value: str) -> str | None:
    """The EU file-type IRI for a format name, extension, media type, IANA or EU IRI; None if unknown."""
    return _file_type(value.strip())


def media_type(value: str) -> str | None:
    """The IANA media-type IRI for a media type, IANA IRI, or file-type name, extension or IRI; else None.

    Any well-formed media type of a registered top-level type is accepted as written (fedcat ships no copy
    of the IANA registry); unregistered "x-" subtypes and file types without a registered type give None.
    """
    return _media_type(value.strip())


def licence(value: str) -> str | None:
    """The EU licence IRI for a licence id (CKAN, SPDX, EU), name, web page or IRI; None if unknown."""
    return _licence(value.strip())


def language(value: str) -> str | None:
    """The EU language IRI for an ISO 639 code, language tag ("fr-LU"), name or IRI; None if unknown."""
    return _language(value.strip())


def language_code(iri_or_value: str) -> str | None:
    """The ISO 639-1 code ("lb") of a language IRI or value; None if unknown or the language has none."""
    concept = language(iri_or_value)
    if concept is None:
        return None
    codes = vocabulary("language").notations.get(concept, {}).get("ISO_639_1", ())
    return codes[0] if codes else None


def theme(value: str) -> str | None:
    """The EU data-theme IRI for a theme code, label (en/fr/de), common word or IRI; None if unknown."""
    return _theme(value.strip())


def frequency(value: str) -> str | None:
    """The EU frequency IRI for a code, word, ISO 8601 duration ("R/P1Y"), Dublin Core or EU IRI."""
    return _frequency(value.strip())


def access_right(value: str) -> str | None:
    """The EU access-right IRI (PUBLIC, RESTRICTED, NON_PUBLIC) for a code, word or IRI; None if unknown."""
    return _access_right(value.strip())


def label(iri: str, lang: str = "en") -> str | None:
    """The label of a vocabulary concept in `lang`, falling back to en, fr, de, then any; None if unknown."""
    found = _labels_of(iri)
    if not found:
        return None
    lang = lang.strip().lower()
    for candidate in (lang, lang.split("-")[0], "en", "fr", "de"):
        if candidate in found:
            return found[candidate]
    return found[min(found)]


def labels(iri: str) -> dict[str, str]:
    """Every label of a vocabulary concept by language tag; empty for an unknown IRI."""
    return dict(_labels_of(iri))


def _labels_of(iri: str) -> dict[str, str]:
    table = all_labels()
    found = table.get(iri.strip())
    if found is None:
        concept = concept_by_iri().get(iri_key(iri))
        found = table.get(concept, {}) if concept else {}
    return found


def _by_text(vocab: Vocabulary, value: str) -> str | None:
    return vocab.by_key.get(text_key(value)) if value else None


def _by_iri(vocab: Vocabulary, key: str, also_under: tuple[str, ...] = ()) -> str | None:
    """The concept an IRI (as `iri_key`) names: itself or an exact match, else its local name as a code."""
    found = vocab.by_iri.get(key)
    if found is not None:
        return found
    # A wrong or differently spelt code under the vocabulary's own namespace ("file-type/WMS",
    # "licence/CC_BY_NC_4_0", "language/FRE"), or under a namespace whose local names are words or codes.
    for prefix in (vocab.namespace_key, *also_under):
        if key.startswith(prefix) and "/" not in key[len(prefix) :]:
            return _by_text(vocab, key[len(prefix) :])
    return None


def _bare_media_type(value: str) -> str:
    """A media type without parameters, lower-cased: "Text/CSV; charset=utf-8" -> "text/csv"."""
    return value.split(";", 1)[0].strip().lower()


def _iana_iri(value: str) -> str | None:
    bare = _bare_media_type(value)
    match = _MEDIA_TYPE.fullmatch(bare)
    if match is None or match.group(2).startswith("x-"):
        return None
    return IANA_MEDIA_TYPE + bare


def _preferred_media_type(concept: str) -> str | None:
    """A file type's media type: its curated one, else the NAL's if it gives exactly one usable type."""
    vocab = vocabulary("file-type")
    usable = [iri for v in vocab.notations.get(concept, {}).get("IANA_MT", ()) if (iri := _iana_iri(v))]
    if not usable:
        return None
    if (concept, "IANA_MT") in vocab.curated_notations or len(set(usable)) == 1:
        return usable[0]
    return None


@lru_cache(maxsize=_CACHE_SIZE)
def _file_type(value: str) -> str | None:
    vocab = vocabulary("file-type")
    if looks_like_iri(value):
        key = iri_key(value)
        if key.startswith(_IANA):
            return _by_text(vocab, _bare_media_type(key[len(_IANA) :]))
        return _by_iri(vocab, key)
    found = _by_text(vocab, value)
    if found is None and "/" in value:
        found = _by_text(vocab, _bare_media_type(value))
    return found


@lru_cache(maxsize=_CACHE_SIZE)
def _media_type(value: str) -> str | None:
    if looks_like_iri(value):
        key = iri_key(value)
        if key.startswith(_IANA):
            return _iana_iri(key[len(_IANA) :])
        concept = _by_iri(vocabulary("file-type"), key)
        return _preferred_media_type(concept) if concept else None
    if "/" in value and (iri := _iana_iri(value)):
        return iri
    concept = _file_type(value)
    return _preferred_media_type(concept) if concept else None


@lru_cache(maxsize=_CACHE_SIZE)
def _licence(value: str) -> str | None:
    vocab = vocabulary("licence")
    if looks_like_iri(value):
        key = _CC_PAGE.sub("", iri_key(value)).rstrip("/")
        key = _SPDX_PAGE.sub(r"\1", key)
        return _by_iri(vocab, key, _LICENCE_NAMESPACES)
    return _by_text(vocab, value)


@lru_cache(maxsize=_CACHE_SIZE)
def _language(value: str) -> str | None:
    vocab = vocabulary("language")
    if looks_like_iri(value):
        return _by_iri(vocab, iri_key(value), _LANGUAGE_NAMESPACES)
    found = _by_text(vocab, value)
    if found is None and (tag := _LANGUAGE_TAG.fullmatch(value)):
        found = _by_text(vocab, tag.group(1))  # "en-GB", "fr_LU": the primary language subtag
    return found


@lru_cache(maxsize=_CACHE_SIZE)
def _theme(value: str) -> str | None:
    vocab = vocabulary("data-theme")
    return _by_iri(vocab, iri_key(value)) if looks_like_iri(value) else _by_text(vocab, value)


@lru_cache(maxsize=_CACHE_SIZE)
def _frequency(value: str) -> str | None:
    vocab = vocabulary("frequency")
    if looks_like_iri(value):
        return _by_iri(vocab, iri_key(value), _FREQUENCY_NAMESPACES)
    found = _by_text(vocab, value) or _by_text(vocab, _REPEAT.sub("", value))
    if found is None:
        # Dublin Core frequency names written bare, as udata does ("threeTimesAWeek").
        found = vocab.by_iri.get(_FREQUENCY_NAMESPACES[0] + value.casefold())
    return found


@lru_cache(maxsize=_CACHE_SIZE)
def _access_right(value: str) -> str | None:
    vocab = vocabulary("access-right")
    return _by_iri(vocab, iri_key(value)) if looks_like_iri(value) else _by_text(vocab, value)
