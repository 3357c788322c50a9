"""The pages' own words in the node's languages (en, fr, de, lb); English is the fallback for a missing one."""

from __future__ import annotations

from collections.abc import Callable

MESSAGES: dict[str, dict[str, str]] = {
    "skip": {
        "en": "Skip to content",
        "fr": "Aller au contenu",
        "de": "Zum Inhalt springen",
        "lb": "Direkt op den Inhalt",
    },
    "site_nav": {"en": "Site", "fr": "Site", "de": "Website", "lb": "Websäit"},
    "api_docs": {"en": "API", "fr": "API", "de": "API", "lb": "API"},
    "catalogue_export": {
        "en": "DCAT-AP catalogue",
        "fr": "Catalogue DCAT-AP",
        "de": "DCAT-AP-Katalog",
        "lb": "DCAT-AP-Katalog",
    },
    "dataset": {"en": "Dataset", "fr": "Jeu de données", "de": "Datensatz", "lb": "Datesaz"},
    "description": {"en": "Description", "fr": "Description", "de": "Beschreibung", "lb": "Beschreiwung"},
    "no_description": {
        "en": "The source gives no description.",
        "fr": "La source ne donne aucune description.",
        "de": "Die Quelle gibt keine Beschreibung an.",
        "lb": "D'Quell gëtt keng Beschreiwung un.",
    },
    "keywords": {"en": "Keywords", "fr": "Mots-clés", "de": "Schlagwörter", "lb": "Schlësselwierder"},
    "details": {"en": "Details", "fr": "Détails", "de": "Details", "lb": "Detailer"},
    "publisher": {"en": "Publisher", "fr": "Éditeur", "de": "Herausgeber", "lb": "Editeur"},
    "contact": {"en": "Contact", "fr": "Contact", "de": "Kontakt", "lb": "Kontakt"},
    "themes": {"en": "Themes", "fr": "Thèmes", "de": "Themen", "lb": "Themen"},
    "licence": {"en": "Licence", "fr": "Licence", "de": "Lizenz", "lb": "Lizenz"},
    "access_rights": {
        "en": "Access rights",
        "fr": "Droits d'accès",
        "de": "Zugriffsrechte",
        "lb": "Zougrëffsrechter",
    },
    "frequency": {
        "en": "Update frequency",
        "fr": "Fréquence de mise à jour",
        "de": "Aktualisierungsfrequenz",
        "lb": "Aktualiséierungsfrequenz",
    },
    "languages": {"en": "Languages", "fr": "Langues", "de": "Sprachen", "lb": "Sproochen"},
    "formats": {"en": "Formats", "fr": "Formats", "de": "Formate", "lb": "Formater"},
    "landing_page": {"en": "Landing page", "fr": "Page d'accueil", "de": "Webseite", "lb": "Websäit"},
    "temporal": {
        "en": "Time period",
        "fr": "Période couverte",
        "de": "Zeitraum",
        "lb": "Zäitraum",
    },
    "spatial": {"en": "Area", "fr": "Zone géographique", "de": "Gebiet", "lb": "Gebitt"},
    "issued": {"en": "Published", "fr": "Publié", "de": "Veröffentlicht", "lb": "Verëffentlecht"},
    "modified": {"en": "Modified", "fr": "Modifié", "de": "Geändert", "lb": "Geännert"},
    "identifier": {"en": "Identifier", "fr": "Identifiant", "de": "Kennung", "lb": "Identifiant"},
    "distributions": {"en": "Distributions", "fr": "Distributions", "de": "Distributionen", "lb": "Distributiounen"},
    "no_distributions": {
        "en": "The source lists no distributions.",
        "fr": "La source ne liste aucune distribution.",
        "de": "Die Quelle nennt keine Distributionen.",
        "lb": "D'Quell nennt keng Distributiounen.",
    },
    "untitled_distribution": {
        "en": "Distribution",
        "fr": "Distribution",
        "de": "Distribution",
        "lb": "Distributioun",
    },
    "format": {"en": "Format", "fr": "Format", "de": "Format", "lb": "Format"},
    "media_type": {"en": "Media type", "fr": "Type de média", "de": "Medientyp", "lb": "Medientyp"},
    "size": {"en": "Size", "fr": "Taille", "de": "Größe", "lb": "Gréisst"},
    "download": {"en": "Download", "fr": "Télécharger", "de": "Herunterladen", "lb": "Eroflueden"},
    "access": {"en": "Access", "fr": "Accéder", "de": "Zugang", "lb": "Zougang"},
    "provenance": {"en": "Provenance", "fr": "Provenance", "de": "Herkunft", "lb": "Hierkonft"},
    "source": {"en": "Harvested from", "fr": "Moissonné depuis", "de": "Geerntet aus", "lb": "Gesammelt vun"},
    "original_url": {
        "en": "Original record",
        "fr": "Notice d'origine",
        "de": "Ursprünglicher Eintrag",
        "lb": "Urspréngleche Rekord",
    },
    "first_harvested": {
        "en": "First harvested",
        "fr": "Premier moissonnage",
        "de": "Zuerst geerntet",
        "lb": "Fir d'éischt gesammelt",
    },
    "last_changed": {
        "en": "Last changed",
        "fr": "Dernière modification",
        "de": "Zuletzt geändert",
        "lb": "Lescht geännert",
    },
    "last_harvested": {
        "en": "Last harvested",
        "fr": "Dernier moissonnage",
        "de": "Zuletzt geerntet",
        "lb": "Lescht gesammelt",
    },
    "also_listed_in": {
        "en": "Also listed in",
        "fr": "Également référencé dans",
        "de": "Auch verzeichnet in",
        "lb": "Och opgelëscht an",
    },
    "matched_on": {"en": "matched on", "fr": "correspondance", "de": "Übereinstimmung", "lb": "Iwwereneestëmmung"},
    "quality": {"en": "Quality", "fr": "Qualité", "de": "Qualität", "lb": "Qualitéit"},
    "quality_pending": {
        "en": "Not assessed yet.",
        "fr": "Pas encore évaluée.",
        "de": "Noch nicht bewertet.",
        "lb": "Nach net bewäert.",
    },
    "this_record_as": {
        "en": "This record as",
        "fr": "Cette notice en",
        "de": "Dieser Eintrag als",
        "lb": "Dëse Rekord als",
    },
    "never": {"en": "never", "fr": "jamais", "de": "nie", "lb": "ni"},
    "open_ended": {"en": "open", "fr": "ouverte", "de": "offen", "lb": "op"},
}


def translator(language: str) -> Callable[[str], str]:
    """A lookup of the pages' words in `language` (English where a word has no translation)."""

    def translate(key: str) -> str:
        entry = MESSAGES[key]  # a KeyError is a template bug and should fail loudly
        return entry.get(language) or entry["en"]

    return translate
