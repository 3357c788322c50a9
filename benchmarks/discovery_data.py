"""Synthetic multilingual catalogue records for the discovery benchmark, fast enough for a million.

Records look like harvested ones: the demo's theme banks give real en/fr/de/lb subjects, dimensions,
sentences and keywords; a Zipf-distributed bank of made-up place and variable names gives the long tail of
rare words a real catalogue has. About 40% come from "partner" sources with untagged single-language text.
Each record is emitted as the N-Quads of its record graph (with fedcat's provenance markers), so the same
data feeds the real indexer, the SPARQL `CONTAINS` baseline and the HTTP service.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from catalogue.index_docs import IndexRecord
from demo.banks import THEMES
from demo.publishers import PUBLISHERS
from demo.texts import FREQUENCIES, Tr, describe, period_phrase

BASE = "http://bench.fedcat.test"
EU = "http://publications.europa.eu/resource/authority/"
LANG_IRI = {"en": "ENG", "fr": "FRA", "de": "DEU", "lb": "LTZ"}
LICENCES = ("CC_BY_4_0", "CC0", "ODC_BY", "CC_BY_SA_4_0", "ODC_ODBL")
ACCESS = (("PUBLIC", 70), ("RESTRICTED", 20), ("NON_PUBLIC", 10))
PROTECTION = ("PersonalData", "NonPersonalData", "SensitivePersonalData", "AnonymisedData")
_SYLLABLES = (  # made-up place and variable names are built from these
    "ber", "bach", "dorf", "ling", "wei", "mar", "sch", "ol", "an", "ter", "el", "ro",
    "kon", "dal", "mer", "hau", "sen", "fel", "gen", "tru", "vil", "lo", "pa", "ne",
)  # fmt: skip
_PRED = {
    "type": "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>",
    "title": "<http://purl.org/dc/terms/title>",
    "description": "<http://purl.org/dc/terms/description>",
    "keyword": "<http://www.w3.org/ns/dcat#keyword>",
    "theme": "<http://www.w3.org/ns/dcat#theme>",
    "publisher": "<http://purl.org/dc/terms/publisher>",
    "language": "<http://purl.org/dc/terms/language>",
    "accessRights": "<http://purl.org/dc/terms/accessRights>",
    "modified": "<http://purl.org/dc/terms/modified>",
    "distribution": "<http://www.w3.org/ns/dcat#distribution>",
    "format": "<http://purl.org/dc/terms/format>",
    "license": "<http://purl.org/dc/terms/license>",
    "name": "<http://xmlns.com/foaf/0.1/name>",
    "hasData": "<https://w3id.org/dpv#hasData>",
}
_FEDCAT = "https://w3id.org/fedcat/ns#"
_DT = "^^<http://www.w3.org/2001/XMLSchema#dateTime>"
_TRUE = '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>'
_OF_RECORD = "<https://w3id.org/fedcat/quality#ofRecord>"


def _lit(text: str, lang: str = "") -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"' + (f"@{lang}" if lang else "")


class Zipf:
    """Draws indexes 0..n-1 with probability proportional to 1/(rank+1)^s."""

    def __init__(self, n: int, s: float = 1.05) -> None:
        weights = [1.0 / (rank + 1) ** s for rank in range(n)]
        self.cumulative = list(itertools.accumulate(weights))

    def draw(self, rng: random.Random) -> int:
        return bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])


def long_tail_words(count: int, seed: int = 5) -> list[str]:
    """Made-up place and variable names ("Bachterling"): the rare words real catalogues are full of."""
    rng = random.Random(seed)
    words: dict[str, None] = {}
    while len(words) < count:
        words["".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()] = None
    return list(words)


@dataclass
class Synth:
    """One synthetic record, before it becomes N-Quads."""

    i: int
    source: str
    texts: dict[str, tuple[str, str]]  # lang ("" = untagged) -> (title, description)
    keywords: list[tuple[str, str]]
    theme: str
    publisher: str
    publisher_names: dict[str, str]
    formats: list[str]
    licence: str
    access: str
    languages: list[str]
    modified: str
    restricted: bool
    protection: str | None
    hosted: bool
    dataset: str = field(init=False)
    graph: str = field(init=False)

    def __post_init__(self) -> None:
        self.dataset = f"{BASE}/{self.source}/dataset/{self.i}"
        self.graph = f"{BASE}/graph/record/{self.source}/{self.i:012d}"


class Generator:
    """Deterministic records `i` = 0, 1, ...; the same seed always gives the same catalogue."""

    def __init__(self, seed: int = 1) -> None:
        self.seed = seed
        self.tail = long_tail_words(40_000)
        self.tail_zipf = Zipf(len(self.tail))
        self.themes = list(THEMES.values())
        self.partners = [f"Commune de {w} – Service {s}" for w in self.tail[:400] for s in ("technique", "population")]
        self.subject_zipf = {t.key: Zipf(len(t.subjects), 0.8) for t in self.themes}

    def record(self, i: int) -> Synth:
        rng = random.Random(self.seed * 1_000_003 + i)
        theme = self.themes[rng.randrange(len(self.themes))]
        subject = theme.subjects[self.subject_zipf[theme.key].draw(rng)]
        dims = theme.dims_for(subject)
        dim = dims[rng.randrange(len(dims))] if rng.random() < 0.7 else None
        start = rng.randint(2005, 2025)
        end = min(2026, start + rng.choice((0, 0, 1, 3, 5, 9)))
        years = f"{start}" if start == end else f"{start}-{end}"
        place = self.tail[self.tail_zipf.draw(rng)] if rng.random() < 0.5 else ""
        variables = [self.tail[self.tail_zipf.draw(rng)] for _ in range(rng.randint(2, 6))]
        freq = FREQUENCIES[rng.randrange(len(FREQUENCIES))]
        partner = rng.random() < 0.4
        if partner:
            source = f"partner{i % 3}"
            org = rng.randrange(len(self.partners))
            publisher, names = f"{BASE}/{source}/organization/{org}", {"": self.partners[org]}
            langs = [rng.choice(("fr", "fr", "fr", "de", "en"))]
        else:
            source = "home"
            owners = [p for p in PUBLISHERS if theme.key in p.themes] or list(PUBLISHERS)
            pub = owners[rng.randrange(len(owners))]
            publisher, names = pub.iri, {lang: pub.name.get(lang) for lang in ("en", "fr", "de", "lb")}
            langs = ["en", *(lang for lang in ("fr", "de", "lb") if rng.random() < (0.4 if lang == "lb" else 0.8))]
        texts: dict[str, tuple[str, str]] = {}
        for lang in langs:
            what = subject.name.get(lang) + (f" {dim.get(lang)}" if dim else "")
            title = f"{what}{f' – {place}' if place else ''} {years}"
            sentence = theme.sentences[rng.randrange(len(theme.sentences))]
            pub_name = names.get(lang, names.get("", ""))
            text = describe(lang, what, period_phrase(start, end), sentence, pub_name, freq)
            texts["" if partner else lang] = (title, f"{text} {' '.join(variables)}.")
        keywords: list[tuple[str, str]] = []
        for kw in rng.sample(theme.keywords, min(3, len(theme.keywords))):
            keywords += [("" if partner else lang, kw.get(lang)) for lang in langs]
        keywords += [("", variables[0]), ("", subject.name.get(langs[0]))]
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        access = rng.choices([a for a, _ in ACCESS], [w for _, w in ACCESS])[0]
        return Synth(
            i=i,
            source=source,
            texts=texts,
            keywords=keywords,
            theme=theme.eu[0],
            publisher=publisher,
            publisher_names=names,
            formats=rng.sample(theme.formats, rng.randint(1, min(3, len(theme.formats)))),
            licence=LICENCES[rng.randrange(len(LICENCES))],
            access=access,
            languages=langs,
            modified=f"{end}-{month:02d}-{day:02d}T{rng.randint(0, 23):02d}:00:00Z",
            restricted=rng.random() < 0.05,
            protection=PROTECTION[rng.randrange(len(PROTECTION))] if rng.random() < 0.1 else None,
            hosted=rng.random() < 0.05,
        )

    def records(self, start: int, stop: int) -> Iterator[Synth]:
        """Records start..stop-1."""
        return (self.record(i) for i in range(start, stop))


def nquads(rec: Synth) -> str:
    """The record graph of `rec` as N-Quads: dataset, distributions, publisher names and markers."""
    g, d = f"<{rec.graph}>", f"<{rec.dataset}>"
    p = _PRED
    lines = [
        (d, p["type"], "<http://www.w3.org/ns/dcat#Dataset>"),
        (d, p["theme"], f"<{EU}data-theme/{rec.theme}>"),
        (d, p["publisher"], f"<{rec.publisher}>"),
        (d, p["accessRights"], f"<{EU}access-right/{rec.access}>"),
        (d, p["modified"], _lit(rec.modified) + _DT),
    ]
    for lang, (title, description) in rec.texts.items():
        lines += [(d, p["title"], _lit(title, lang)), (d, p["description"], _lit(description, lang))]
    lines += [(d, p["keyword"], _lit(word, lang)) for lang, word in rec.keywords]
    lines += [(d, p["language"], f"<{EU}language/{LANG_IRI[lang]}>") for lang in rec.languages]
    for j, fmt in enumerate(rec.formats):
        dist = f"<{rec.dataset}/distribution/{j}>"
        lines += [
            (d, p["distribution"], dist),
            (dist, p["format"], f"<{EU}file-type/{fmt}>"),
            (dist, p["license"], f"<{EU}licence/{rec.licence}>"),
        ]
    lines += [(f"<{rec.publisher}>", p["name"], _lit(name, lang)) for lang, name in rec.publisher_names.items()]
    if rec.protection:
        lines.append((d, p["hasData"], f"<https://w3id.org/dpv#{rec.protection}>"))
    markers = [
        (g, p["type"], f"<{_FEDCAT}Record>"),
        (g, f"<{_FEDCAT}source>", _lit(rec.source)),
        (g, f"<{_FEDCAT}datasetId>", _lit(f"{rec.i:016x}")),
        (g, "<http://xmlns.com/foaf/0.1/primaryTopic>", d),
        (g, f"<{_FEDCAT}visibility>", _lit("restricted" if rec.restricted else "public")),
        (g, f"<{_FEDCAT}lastChanged>", _lit("2026-01-01T00:00:00Z") + _DT),
    ]
    quads = "".join(f"{s} {pr} {o} {g} .\n" for s, pr, o in (*lines, *markers))
    # Quality results live in the record's own quality graphs, as `fedcat quality score` and `data add` write them.
    side = [(f"{BASE}/graph/quality/{rec.i:016x}", f"<{_FEDCAT}qualityBand>", _lit(quality_band(rec)))]
    if rec.hosted:
        side.append((f"{BASE}/graph/hosted/{rec.i:016x}", f"<{_FEDCAT}hostedData>", _TRUE))
    for graph, predicate, value in side:
        quads += f"<{graph}> {_OF_RECORD} {g} <{graph}> .\n{d} {predicate} {value} <{graph}> .\n"
    return quads


def quality_band(rec: Synth) -> str:
    """The record's MQA band: mostly Good and Sufficient, as harvested catalogues score."""
    share = (rec.i * 2654435761) % 100
    return "Excellent" if share < 10 else "Good" if share < 55 else "Sufficient" if share < 90 else "Bad"


def all_words(rec: Synth) -> list[tuple[str, str]]:
    """(language, word) pairs of a record's titles, for building realistic queries."""
    return [(lang, w) for lang, (title, _) in rec.texts.items() for w in title.replace("–", " ").split()]


def translations(values: list[Tr]) -> list[str]:
    """Every language's text of some banked phrases."""
    return [tr.get(lang) for tr in values for lang in ("en", "fr", "de", "lb")]


def index_record(rec: Synth) -> IndexRecord:
    """The index record the SPARQL reader would build from `nquads(rec)`, made directly (for 1M quickly)."""
    record = IndexRecord(rec.graph, id=f"{rec.i:016x}", iri=rec.dataset, source=rec.source)
    record.visibility = "restricted" if rec.restricted else "public"
    record.last_changed, record.modified = "2026-01-01T00:00:00Z", rec.modified
    for lang, (title, description) in rec.texts.items():
        record.titles[lang].append(title)
        record.descriptions[lang].append(description)
    for lang, word in rec.keywords:
        record.keywords[lang].append(word)
    record.publishers = [rec.publisher]
    record.publisher_names[rec.publisher] = dict(rec.publisher_names)
    record.themes = {f"{EU}data-theme/{rec.theme}"}
    record.formats = {f"{EU}file-type/{fmt}" for fmt in rec.formats}
    record.licences = {f"{EU}licence/{rec.licence}"}
    record.access_rights = {f"{EU}access-right/{rec.access}"}
    record.languages = {f"{EU}language/{LANG_IRI[lang]}" for lang in rec.languages}
    if rec.protection:
        record.protection[f"https://w3id.org/dpv#{rec.protection}"] = {}
    record.hosted = rec.hosted
    record.quality_band = quality_band(rec)
    return record


@dataclass
class BenchQuery:
    """One query of the mix, as the API takes it."""

    kind: str
    text: str = ""
    lang: str = "en"
    sort: str = "relevance"
    filters: dict[str, str] = field(default_factory=dict)

    def params(self) -> list[tuple[str, str | int | float | bool | None]]:
        """Query-string parameters for GET /api/datasets."""
        pairs: list[tuple[str, str | int | float | bool | None]] = [("q", self.text), ("lang", self.lang)]
        return [*pairs, ("sort", self.sort), *self.filters.items()]


# Words nobody searches for alone (the titles' "by", "of", "de" ...): queries are made of content words.
STOPWORDS = frozenset((
    "with", "from", "into", "over", "under", "their", "about", "nach", "pour", "dans", "avec", "vers",
    "sans", "sous", "fir", "vun", "mat", "iwwer", "aus", "über", "unter", "ohne",
))  # fmt: skip


def _content(word: str) -> bool:
    return len(word) >= 4 and not word[0].isdigit() and word.lower() not in STOPWORDS and "'" not in word


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 2)
    if rng.random() < 0.5:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # swap two letters
    return word[:i] + word[i + 1 :]  # drop one


MIX = (  # (kind, share): what people type into a catalogue search box, roughly
    ("word", 25),
    ("two words", 20),
    ("three words", 8),
    ("phrase", 10),
    ("prefix", 7),
    ("typo", 7),
    ("rare word", 5),
    ("word + filters", 10),
    ("browse + filters", 8),
)


def query_mix(gen: Generator, size: int, count: int, seed: int = 3) -> list[BenchQuery]:
    """`count` mixed queries drawn from records of a catalogue of `size` (so they can match)."""
    rng = random.Random(seed)
    kinds = [k for k, share in MIX for _ in range(share)]
    queries: list[BenchQuery] = []
    while len(queries) < count:
        rec = gen.record(rng.randrange(size))
        kind = kinds[rng.randrange(len(kinds))]
        lang = rng.choice(list(rec.texts))
        title = rec.texts[lang][0]
        tokens = title.replace("–", " ").split()
        words = [w for w in tokens if _content(w)]
        if not words:
            continue
        q = BenchQuery(kind, lang=lang or rec.languages[0])
        if kind == "word":
            q.text = rng.choice(words)
        elif kind in ("two words", "three words"):
            n = 2 if kind == "two words" else 3
            if len(words) < n:
                continue
            q.text = " ".join(rng.sample(words, n))
        elif kind == "phrase":
            pairs = [(a, b) for a, b in itertools.pairwise(tokens) if _content(a) and _content(b)]
            if not pairs:
                continue
            q.text = '"' + " ".join(rng.choice(pairs)) + '"'
        elif kind == "prefix":
            q.text = rng.choice(words)[: rng.randint(4, 5)] + "*"
        elif kind == "typo":
            long = [w for w in words if len(w) >= 6]
            if not long:
                continue
            q.text = _typo(rng.choice(long), rng)
        elif kind == "rare word":
            q.text = gen.tail[rng.randrange(len(gen.tail) // 2, len(gen.tail))]
        elif kind == "word + filters":
            q.text = rng.choice(words)
            q.filters = {"theme": rec.theme, "format": rec.formats[0]}
        else:
            q.filters = {"theme": rec.theme} if rng.random() < 0.5 else {"publisher": rec.publisher}
        if rng.random() < 0.15:
            q.sort = "modified" if rng.random() < 0.7 else "title"
        queries.append(q)
    return queries
