"""Plan the home node's datasets: composed multilingual titles, dates, access rights, distributions."""

from __future__ import annotations

import random
import re
import unicodedata
from datetime import date, datetime, timedelta

from demo.banks import THEMES
from demo.distributions import add_distributions, make_messy
from demo.model import HomeDataset
from demo.publishers import PUBLISHERS
from demo.texts import FREQUENCY, LANGS, Tr, describe, period_phrase
from demo.themes import Subject, Theme

EPOCH = datetime(2015, 1, 1)
LAST = datetime(2026, 11, 20, 18, 0)
SPATIAL = (
    ("http://publications.europa.eu/resource/authority/country/LUX", 80),
    ("https://sws.geonames.org/2960313/", 10),  # Grand Duchy of Luxembourg
    ("https://sws.geonames.org/2960316/", 10),  # Luxembourg City
)
PROPER_NOUNS = ("Vel'oh", "Copernicus")
DEFECTS = (["no-description"], ["no-licence"], ["no-description", "no-licence"])


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _instant(rng: random.Random, lo: datetime, hi: datetime) -> datetime:
    return lo + timedelta(seconds=rng.randrange(max(1, int((hi - lo).total_seconds()))))


def _compose(rng: random.Random, theme: Theme, seen: set[str]) -> tuple[Subject, Tr, int, int, Tr]:
    """A (subject, dimension, period) combination whose title is not used yet: subject, what, years, title."""
    for attempt in range(200):
        subject = rng.choice(theme.subjects)
        dim = rng.choice(theme.dims_for(subject)) if rng.random() < 0.8 else None
        end = rng.randint(2016, 2025)
        start = end - rng.choice((0, 0, 1, 2, 3, 4, 5, 9))
        period = str(start) if start == end else f"{start}-{end}"
        if attempt >= 100:  # the bank is exhausted for this theme: number the editions
            period += f" ({attempt - 99})"
        what = Tr(*(" ".join(filter(None, (subject.name.get(lang), dim and dim.get(lang)))) for lang in LANGS))
        title = Tr(*(f"{what.get(lang)} {period}" for lang in LANGS))
        if slugify(title.en) not in seen:
            seen.add(slugify(title.en))
            return subject, what, start, end, title
    raise RuntimeError(f"cannot compose a new title for theme {theme.key}")


def _keywords(rng: random.Random, theme: Theme, subject: Subject, langs: tuple[str, ...]) -> list[tuple[str, str]]:
    picked = [subject.name, *rng.sample(theme.keywords, rng.randint(2, min(4, len(theme.keywords))))]
    out: list[tuple[str, str]] = []
    for lang in langs:
        for word in picked:
            text = word.get(lang)
            first = text.split(" ", 1)[0]
            if lang in ("en", "fr") and first[1:].islower() and first not in PROPER_NOUNS:
                text = text[0].lower() + text[1:]  # keywords are lower case, names are not
            if (lang, text) not in out:
                out.append((lang, text))
    return out


def _access(rng: random.Random, theme: Theme, subject: Subject) -> str:
    if subject.sensitive:
        return rng.choice(("NON_PUBLIC", "RESTRICTED"))
    if theme.key == "finance" and rng.random() < 0.15:
        return "RESTRICTED"
    return "PUBLIC"


def plan_dataset(rng: random.Random, index: int, seen: set[str]) -> HomeDataset:
    publisher = rng.choices(PUBLISHERS, weights=[p.weight for p in PUBLISHERS])[0]
    theme = THEMES[rng.choice(publisher.themes)]
    subject, what, start, end, title = _compose(rng, theme, seen)
    langs = ("en", "fr", "de", "lb") if rng.random() < 0.3 else ("en", "fr", "de")
    issued = _instant(rng, max(EPOCH, datetime(start + 1, 2, 1)), datetime(2026, 6, 30))
    fresh = min(max(issued, datetime(end + 1, 1, 15)), LAST - timedelta(days=30))  # modified after coverage
    freq = FREQUENCY[rng.choice(theme.freqs)]
    sentence = rng.choice(theme.sentences)
    ds = HomeDataset(
        slug=slugify(title.en),
        identifier=f"LU-{publisher.code}-{issued.year}-{index + 1:04d}",
        theme=theme.key,
        eu_themes=theme.eu,
        table=subject.table,
        sensitive=subject.sensitive,
        publisher=publisher,
        contact_unit=rng.randrange(len(publisher.units)),
        titles={lang: title.get(lang) for lang in langs},
        descriptions={
            lang: describe(lang, what.get(lang), period_phrase(start, end), sentence, publisher.name.get(lang), freq)
            for lang in langs
        },
        keywords=_keywords(rng, theme, subject, langs),
        languages=langs,
        issued=issued,
        modified=_instant(rng, fresh, LAST),
        frequency=freq.code,
        spatial=rng.choices([s for s, _ in SPATIAL], weights=[w for _, w in SPATIAL])[0],
        start=date(start, 1, 1),
        end=date(end, 12, 31),
        access_rights=_access(rng, theme, subject),
    )
    add_distributions(rng, ds, theme.formats)
    return ds


def plan_home(rng: random.Random, count: int) -> list[HomeDataset]:
    """`count` datasets; ~10% with messy values, a few (up to 3) with deliberate quality defects."""
    seen: set[str] = set()
    datasets = [plan_dataset(rng, i, seen) for i in range(count)]
    defect_targets = rng.sample(range(count), min(len(DEFECTS), count // 10))
    for target, defects in zip(defect_targets, DEFECTS, strict=False):
        ds = datasets[target]
        ds.defects = list(defects)
        if "no-description" in defects:
            ds.descriptions = {}
        if "no-licence" in defects:
            for dist in ds.distributions:
                dist.licence = None
    for i, ds in enumerate(datasets):
        if i not in defect_targets and rng.random() < 0.12:
            make_messy(rng, ds)
    return datasets
