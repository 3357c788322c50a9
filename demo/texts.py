"""Small multilingual word banks shared by the themes: dimensions, frequencies, sentence templates."""

from __future__ import annotations

from typing import NamedTuple

LANGS = ("en", "fr", "de", "lb")


class Tr(NamedTuple):
    """One phrase in English, French, German and Luxembourgish."""

    en: str
    fr: str
    de: str
    lb: str

    def get(self, lang: str) -> str:
        return str(getattr(self, lang))


class Frequency(NamedTuple):
    code: str  # EU frequency authority code
    adverb: Tr


FREQUENCIES = (  # en adverb, fr adjective ("mise à jour ..."), de / lb adverb
    Frequency("ANNUAL", Tr("annually", "annuelle", "jährlich", "all Joer")),
    Frequency("QUARTERLY", Tr("quarterly", "trimestrielle", "vierteljährlich", "all Trimester")),
    Frequency("MONTHLY", Tr("monthly", "mensuelle", "monatlich", "all Mount")),
    Frequency("WEEKLY", Tr("weekly", "hebdomadaire", "wöchentlich", "all Woch")),
    Frequency("DAILY", Tr("daily", "quotidienne", "täglich", "all Dag")),
    Frequency("UPDATE_CONT", Tr("continuously", "en continu", "laufend", "permanent")),
    Frequency("IRREG", Tr("irregularly", "irrégulière", "unregelmäßig", "onregelméisseg")),
)
FREQUENCY = {f.code: f for f in FREQUENCIES}

# Dimensions several themes share ("... by canton"); banks refer to them as `dim: @canton`.
SHARED_DIMS = {
    "canton": Tr("by canton", "par canton", "nach Kanton", "no Kanton"),
    "commune": Tr("by commune", "par commune", "nach Gemeinde", "no Gemeng"),
    "month": Tr("by month", "par mois", "nach Monat", "no Mount"),
    "quarter": Tr("by quarter", "par trimestre", "nach Quartal", "no Trimester"),
    "year": Tr("by year", "par année", "nach Jahr", "no Joer"),
    "age": Tr("by age group", "par groupe d'âge", "nach Altersgruppe", "no Altersgrupp"),
    "sex": Tr("by sex", "par sexe", "nach Geschlecht", "no Geschlecht"),
    "sector": Tr("by sector", "par secteur", "nach Sektor", "no Secteur"),
}

IN_LUXEMBOURG = Tr("in Luxembourg", "au Luxembourg", "in Luxemburg", "zu Lëtzebuerg")


def period_phrase(start: int, end: int) -> Tr:
    """'covering 2019 to 2024' / 'for 2023' in every language."""
    if start == end:
        return Tr(f"for {start}", f"pour l'année {start}", f"für das Jahr {start}", f"fir d'Joer {start}")
    return Tr(
        f"covering {start} to {end}",
        f"de {start} à {end}",
        f"von {start} bis {end}",
        f"vun {start} bis {end}",
    )


def describe(lang: str, what: str, period: Tr, sentence: Tr, publisher: str, freq: Frequency) -> str:
    """A two-to-three sentence description, composed from the banks in one language."""
    how_often = freq.adverb.get(lang)
    tail = {
        "en": f"Source: {publisher}. Updated {how_often}.",
        "fr": f"Source : {publisher}. Mise à jour {how_often}.",
        "de": f"Quelle: {publisher}. Aktualisierung: {how_often}.",
        "lb": f"Quell: {publisher}. Aktualiséierung: {how_often}.",
    }[lang]
    return f"{what} {IN_LUXEMBOURG.get(lang)}, {period.get(lang)}. {sentence.get(lang)} {tail}"
