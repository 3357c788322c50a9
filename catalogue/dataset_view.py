"""The dataset page's view model: a record's RDF turned into typed, display-ready values in one language.

Every multilingual value is picked along one chain: the languages the caller asked for, then English,
French, German, Luxembourgish, then whatever the source gave. Vocabulary values get the EU vocabularies'
labels; values outside them fall back to the record's own labels, then to a readable code or the IRI.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Annotated, Any

import pyoxigraph as ox
from pydantic import BaseModel, Field

from catalogue.datasets import DatasetRecord, page_path
from catalogue.export import FORMATS
from catalogue.ranges import code_label
from vocabularies.namespaces import (
    DCAT,
    DCT,
    EU_AUTHORITY,
    FOAF,
    IANA_MEDIA_TYPE,
    RDFS,
    SCHEMA,
    SKOS,
    VCARD,
    Namespace,
)
from vocabularies.normalise import labels, language_code

# The node's languages, in fallback order; also the languages the pages' own words exist in.
LANGUAGES = ("en", "fr", "de", "lb")
UNDETERMINED = "und"  # BCP 47 for "no language given"
TIME = Namespace("http://www.w3.org/2006/time#")
LABEL_PROPERTIES = (SKOS.prefLabel, RDFS.label, FOAF.name, DCT.title, VCARD.fn, SKOS.altLabel)
Node = ox.NamedNode | ox.BlankNode


class Text(BaseModel):
    """A text with its language tag (`und` when the source gave none)."""

    value: str
    lang: str


class Term(BaseModel):
    """A resource named by a label in the display language; `iri` is None for nodes without a public IRI."""

    iri: str | None
    label: str


class LanguageTerm(Term):
    """A language with its ISO 639-1 code when it has one."""

    code: str | None = None


class Agent(BaseModel):
    """The publisher."""

    iri: str | None
    name: Text | None
    homepage: str | None = None
    type: Term | None = None


class Contact(BaseModel):
    """A contact point (vCard)."""

    name: str | None = None
    email: str | None = None
    url: str | None = None
    phone: str | None = None


class Period(BaseModel):
    """A temporal coverage; either end may be open."""

    start: str | None = None
    end: str | None = None


class Distribution(BaseModel):
    """One distribution of the dataset."""

    iri: str | None
    title: Text | None = None
    description: Text | None = None
    access_url: str | None = None
    download_url: str | None = None
    format: Term | None = None
    media_type: Term | None = None
    byte_size: int | None = None
    licence: Term | None = None
    issued: str | None = None
    modified: str | None = None


class Provenance(BaseModel):
    """Where the record came from and when this node harvested it."""

    source: str
    original_url: str | None = Field(None, description="The URL the record was harvested from.")
    first_harvested: str = Field(description="When this node first stored the record.")
    last_changed: str = Field(description="When a harvest last found the record changed.")
    last_harvested: str | None = Field(None, description="End of the source's latest successful harvest run.")
    run: str | None = Field(None, description="The harvest run (prov:Activity) that wrote the record.")


class Listing(BaseModel):
    """The same dataset as harvested through another source."""

    id: str
    title: Text | None
    source: str
    matched_on: list[str] = Field(description="Match keys both records share (iri:, id:, url:).")
    href: str


class ByLanguage(BaseModel):
    """Every title, description and keyword by language tag."""

    title: dict[str, str]
    description: dict[str, str]
    keywords: dict[str, list[str]]


class DatasetView(BaseModel):
    """A dataset as `/api/datasets/{id}` returns it and the dataset page shows it."""

    id: str
    iri: str
    language: str = Field(description="The display language the values were picked for.")
    title: Text
    description: Text | None
    keywords: list[Text]
    by_language: ByLanguage
    identifiers: list[str]
    publisher: Agent | None
    contact_points: list[Contact]
    themes: list[Term]
    licence: Term | None = Field(description="The dataset's licence, else the one all its distributions share.")
    access_rights: Term | None
    frequency: Term | None
    languages: list[LanguageTerm]
    formats: list[Term]
    landing_page: str | None
    temporal: list[Period]
    spatial: list[Term]
    issued: str | None
    modified: str | None
    distributions: list[Distribution]
    provenance: Provenance
    also_listed_in: list[Listing]
    quality: Annotated[dict[str, Any] | None, Field(description="Quality measurements, once assessed.")] = None
    links: dict[str, str]


def language_chain(requested: Iterable[str]) -> list[str]:
    """The order in which languages are tried: those asked for (and their primary subtags), then LANGUAGES."""
    chain: list[str] = []
    for tag in [*requested, *LANGUAGES]:
        tag = tag.lower()
        for candidate in (tag, tag.split("-")[0]):
            if candidate and candidate not in chain:
                chain.append(candidate)
    return chain


def display_language(requested: Iterable[str]) -> str:
    """The language pages are shown in: the first asked for that the node speaks, else English."""
    for tag in requested:
        primary = tag.lower().split("-")[0]
        if primary in LANGUAGES:
            return primary
    return LANGUAGES[0]


def _lang(literal: ox.Literal) -> str:
    return (literal.language or UNDETERMINED).lower()


def pick(literals: Iterable[ox.Literal], chain: list[str]) -> Text | None:
    """The literal best matching the chain: exact tag, then primary subtag, then untagged, then any."""
    by_lang: dict[str, list[str]] = defaultdict(list)
    for lit in literals:
        if lit.value.strip():
            by_lang[_lang(lit)].append(lit.value.strip())
    if not by_lang:
        return None
    for wanted in chain:
        for tag in sorted(by_lang):
            if tag == wanted or tag.split("-")[0] == wanted:
                return Text(value=sorted(by_lang[tag])[0], lang=tag)
    tag = UNDETERMINED if UNDETERMINED in by_lang else sorted(by_lang)[0]
    return Text(value=sorted(by_lang[tag])[0], lang=tag)


class _Graph:
    """The record's triples indexed by subject and predicate."""

    def __init__(self, triples: Iterable[ox.Triple]) -> None:
        self.index: dict[Node, dict[ox.NamedNode, list[Any]]] = defaultdict(lambda: defaultdict(list))
        for t in triples:
            self.index[t.subject][t.predicate].append(t.object)  # type: ignore[index]

    def objects(self, subject: Node, predicate: ox.NamedNode) -> list[Any]:
        values = self.index.get(subject, {}).get(predicate, [])
        return sorted(values, key=str)

    def one(self, subject: Node, predicate: ox.NamedNode) -> Any | None:
        values = self.objects(subject, predicate)
        return values[0] if values else None

    def literals(self, subject: Node, predicate: ox.NamedNode) -> list[ox.Literal]:
        return [o for o in self.objects(subject, predicate) if isinstance(o, ox.Literal)]

    def nodes(self, subject: Node, predicate: ox.NamedNode) -> list[Node]:
        return [o for o in self.objects(subject, predicate) if isinstance(o, ox.NamedNode | ox.BlankNode)]


def _public_iri(node: Any) -> str | None:
    """The IRI of a node, unless it is a blank node or one of our skolem IRIs (which name nothing outside)."""
    if isinstance(node, ox.NamedNode) and "/.well-known/genid/" not in node.value:
        return node.value
    return None


def _text_value(node: Any) -> str | None:
    if isinstance(node, ox.Literal | ox.NamedNode) and node.value.strip():
        return node.value.strip()
    return None


class _Builder:
    def __init__(self, record: DatasetRecord, requested: list[str]) -> None:
        self.record = record
        self.g = _Graph(record.triples)
        self.chain = language_chain(requested)
        self.language = display_language(requested)

    def text(self, subject: Node, predicate: ox.NamedNode) -> Text | None:
        return pick(self.g.literals(subject, predicate), self.chain)

    def term(self, node: Any, *, concept: bool = False) -> Term | None:
        if isinstance(node, ox.Literal):
            return Term(iri=None, label=node.value) if node.value.strip() else None
        if not isinstance(node, ox.NamedNode | ox.BlankNode):
            return None
        iri = _public_iri(node)
        found = None
        if isinstance(node, ox.NamedNode):
            vocabulary = labels(node.value)
            found = pick((ox.Literal(v, language=k) for k, v in vocabulary.items()), self.chain)
        if found is None:
            for prop in LABEL_PROPERTIES:
                found = self.text(node, prop)
                if found is not None:
                    break
        label = found.value if found else self._fallback(node, concept)
        return Term(iri=iri, label=label)

    @staticmethod
    def _fallback(node: Node, concept: bool) -> str:
        if isinstance(node, ox.BlankNode):
            return ""
        iri = node.value
        if iri.startswith(str(IANA_MEDIA_TYPE)):
            return iri[len(str(IANA_MEDIA_TYPE)) :]
        if concept:
            return code_label(iri)  # the same label catalogue/ranges.py states in the RDF
        if iri.startswith(EU_AUTHORITY):
            return iri.rstrip("/").rsplit("/", 1)[-1]
        return iri

    def terms(self, subject: Node, predicate: ox.NamedNode, *, concept: bool = False) -> list[Term]:
        found = [self.term(o, concept=concept) for o in self.g.objects(subject, predicate)]
        return sorted((t for t in found if t is not None and t.label), key=lambda t: (t.label.lower(), t.iri or ""))

    def first_term(self, subject: Node, predicate: ox.NamedNode, *, concept: bool = False) -> Term | None:
        found = self.terms(subject, predicate, concept=concept)
        return found[0] if found else None

    def agent(self, node: Node | None) -> Agent | None:
        if node is None:
            return None
        return Agent(
            iri=_public_iri(node),
            name=self.text(node, FOAF.name) or self.text(node, VCARD.fn) or self.text(node, RDFS.label),
            homepage=_text_value(self.g.one(node, FOAF.homepage)),
            type=self.first_term(node, DCT.type, concept=True),
        )

    def contact(self, node: Node) -> Contact:
        def plain(predicate: ox.NamedNode, scheme: str = "") -> str | None:
            value = _text_value(self.g.one(node, predicate))
            return value.removeprefix(scheme) if value else None

        name = self.text(node, VCARD.fn) or self.text(node, VCARD["organization-name"])
        return Contact(
            name=name.value if name else None,
            email=plain(VCARD.hasEmail, "mailto:"),
            url=plain(VCARD.hasURL),
            phone=plain(VCARD.hasTelephone, "tel:"),
        )

    def period(self, node: Node) -> Period:
        def instant(start: bool) -> str | None:
            for prop in (DCAT.startDate, SCHEMA.startDate) if start else (DCAT.endDate, SCHEMA.endDate):
                value = _text_value(self.g.one(node, prop))
                if value:
                    return value
            moment = self.g.one(node, TIME.hasBeginning if start else TIME.hasEnd)
            if isinstance(moment, ox.Literal):
                return moment.value
            if isinstance(moment, ox.NamedNode | ox.BlankNode):
                for prop in (TIME.inXSDDateTimeStamp, TIME.inXSDDateTime, TIME.inXSDDate):
                    value = _text_value(self.g.one(moment, prop))
                    if value:
                        return value
            return None

        return Period(start=instant(True), end=instant(False))

    def distribution(self, node: Node) -> Distribution:
        size = self.g.one(node, DCAT.byteSize)
        size_text = size.value.strip() if isinstance(size, ox.Literal) else ""
        return Distribution(
            iri=_public_iri(node),
            title=self.text(node, DCT.title),
            description=self.text(node, DCT.description),
            access_url=_text_value(self.g.one(node, DCAT.accessURL)),
            download_url=_text_value(self.g.one(node, DCAT.downloadURL)),
            format=self.first_term(node, DCT["format"]),
            media_type=self.first_term(node, DCAT.mediaType),
            byte_size=int(size_text) if size_text.isdigit() else None,
            licence=self.first_term(node, DCT.license),
            issued=_text_value(self.g.one(node, DCT.issued)),
            modified=_text_value(self.g.one(node, DCT.modified)),
        )

    def languages(self, subject: Node) -> list[LanguageTerm]:
        out = []
        for term, node in ((self.term(o), o) for o in self.g.nodes(subject, DCT.language)):
            if term is not None:
                code = language_code(node.value) if isinstance(node, ox.NamedNode) else None
                out.append(LanguageTerm(iri=term.iri, label=term.label, code=code))
        return sorted(out, key=lambda t: t.label.lower())

    def build(self) -> DatasetView:
        record, g, d = self.record, self.g, self.record.dataset
        title = self.text(d, DCT.title) or Text(value=d.value, lang=UNDETERMINED)
        distributions = [self.distribution(n) for n in g.nodes(d, DCAT.distribution)]
        distributions.sort(key=lambda x: ((x.title.value.lower() if x.title else "~"), x.iri or ""))
        formats = {f.label: f for x in distributions for f in [x.format] if f is not None}
        keywords = g.literals(d, DCAT.keyword)
        chosen = pick(keywords, self.chain)
        shown = sorted({k.value for k in keywords if chosen and _lang(k) == chosen.lang}, key=str.lower)
        publisher = g.nodes(d, DCT.publisher)
        return DatasetView(
            id=record.dataset_id,
            iri=d.value,
            language=self.language,
            title=title,
            description=self.text(d, DCT.description),
            keywords=[Text(value=k, lang=chosen.lang) for k in shown] if chosen else [],
            by_language=ByLanguage(
                title=_by_language(g.literals(d, DCT.title)),
                description=_by_language(g.literals(d, DCT.description)),
                keywords=_all_by_language(keywords),
            ),
            identifiers=sorted({lit.value for lit in g.literals(d, DCT.identifier)}),
            publisher=self.agent(publisher[0] if publisher else None),
            contact_points=[self.contact(n) for n in g.nodes(d, DCAT.contactPoint)],
            themes=self.terms(d, DCAT.theme, concept=True),
            licence=self.first_term(d, DCT.license) or _shared_licence(distributions),
            access_rights=self.first_term(d, DCT.accessRights),
            frequency=self.first_term(d, DCT.accrualPeriodicity),
            languages=self.languages(d),
            formats=sorted(formats.values(), key=lambda t: t.label.lower()),
            landing_page=_text_value(g.one(d, DCAT.landingPage)),
            temporal=[self.period(n) for n in g.nodes(d, DCT.temporal)],
            spatial=self.terms(d, DCT.spatial),
            issued=_text_value(g.one(d, DCT.issued)),
            modified=_text_value(g.one(d, DCT.modified)),
            distributions=distributions,
            provenance=Provenance(
                source=record.source,
                original_url=record.original_url,
                first_harvested=record.first_harvested,
                last_changed=record.last_changed,
                last_harvested=record.last_harvested,
                run=record.run,
            ),
            also_listed_in=[
                Listing(
                    id=listing.dataset_id,
                    title=pick(listing.titles, self.chain),
                    source=listing.source,
                    matched_on=listing.matched_on,
                    href=page_path(listing.dataset_id),
                )
                for listing in record.also_listed_in
            ],
            links=links(record.dataset_id),
        )


def _shared_licence(distributions: list[Distribution]) -> Term | None:
    """The licence every distribution has, when they agree: DCAT-AP puts licences on distributions."""
    found = [x.licence for x in distributions]
    if found and all(found) and len({(t.iri, t.label) for t in found if t}) == 1:
        return found[0]
    return None


def _by_language(literals: list[ox.Literal]) -> dict[str, str]:
    out: dict[str, str] = {}
    for lit in sorted(literals, key=lambda x: x.value):
        out.setdefault(_lang(lit), lit.value)
    return out


def _all_by_language(literals: list[ox.Literal]) -> dict[str, list[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for lit in literals:
        out[_lang(lit)].add(lit.value)
    return {tag: sorted(values, key=str.lower) for tag, values in sorted(out.items())}


def links(dataset_id: str) -> dict[str, str]:
    """Where the dataset is, in every form: the JSON API, the page, and each RDF serialisation."""
    page = page_path(dataset_id)
    return {
        "self": f"/api/datasets/{dataset_id}",
        "html": page,
        **{fmt: f"{page}?format={fmt}" for fmt in FORMATS},
    }


def build_view(record: DatasetRecord, requested: list[str]) -> DatasetView:
    """The view model of `record` for a caller who asked for the languages `requested` (best first)."""
    return _Builder(record, requested).build()
