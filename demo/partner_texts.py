"""Word banks for the partner CKAN portal: a city open-data portal (French) and a university (English)."""

from __future__ import annotations

PORTAL_URL = "https://opendata.ville.demo.lu"
PORTAL_TITLE = "Portail Open Data de la Ville (démo)"

# org name: (title, language, EU theme, subjects "title|tag,tag|FORMAT,FORMAT")
ORGS: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "ville-mobilite": (
        "Ville – Service Mobilité urbaine",
        "fr",
        "TRAN",
        (
            "Occupation des parkings publics|parking,stationnement|CSV,JSON",
            "Stations Vel'oh|vélo,vel'oh|GeoJSON,CSV",
            "Comptages vélos|vélo,comptage|CSV,XLSX",
            "Horodateurs|stationnement,horodateur|CSV,GeoJSON",
            "Bornes de recharge pour véhicules électriques|électromobilité,recharge|GeoJSON,JSON",
            "Arrêts de bus|bus,transport public|GeoJSON,CSV",
            "Chantiers sur la voirie|chantier,voirie|JSON,PDF",
        ),
    ),
    "ville-environnement": (
        "Ville – Service Environnement et espaces verts",
        "fr",
        "ENVI",
        (
            "Arbres d'alignement|arbres,patrimoine naturel|GeoJSON,CSV",
            "Qualité de l'air|air,pollution|CSV,JSON",
            "Mesures de bruit|bruit,nuisances|CSV,PDF",
            "Déchets collectés|déchets,recyclage|CSV,XLSX",
            "Consommation d'eau potable|eau,consommation|CSV,XLSX",
            "Aires de jeux|loisirs,enfants|GeoJSON,CSV",
        ),
    ),
    "ville-population": (
        "Ville – Bureau de la population",
        "fr",
        "SOCI",
        (
            "Population|population,démographie|CSV,XLSX",
            "Naissances|naissances,état civil|CSV,XLSX",
            "Mariages et partenariats|état civil,mariages|CSV,PDF",
            "Nationalités des habitants|nationalités,population|CSV,XLSX",
        ),
    ),
    "ville-finances": (
        "Ville – Service des Finances",
        "fr",
        "ECON",
        (
            "Budget communal|budget,finances publiques|XLSX,PDF",
            "Marchés publics attribués|marchés publics,transparence|CSV,XLSX",
            "Subsides aux associations|subsides,associations|CSV,PDF",
        ),
    ),
    "ville-culture": (
        "Ville – Service Culture et sports",
        "fr",
        "EDUC",
        (
            "Fréquentation des piscines|piscines,sport|CSV,XLSX",
            "Prêts des bibliothèques|bibliothèques,lecture|CSV,JSON",
            "Agenda des événements culturels|culture,événements|JSON,CSV",
            "Installations sportives|sport,équipements|GeoJSON,CSV",
        ),
    ),
    "universite": (
        "Université du Luxembourg (démo)",
        "en",
        "EDUC",
        (
            "Student enrolment|students,higher education|CSV,XLSX",
            "Research projects|research,funding|CSV,JSON",
            "Doctoral theses|PhD,research|CSV,PDF",
            "Campus energy consumption|energy,campus|CSV,JSON",
            "Wastewater SARS-CoV-2 monitoring|wastewater,COVID-19|CSV,XLSX",
            "Urban heat sensor network|climate,sensors|CSV,JSON",
        ),
    ),
}
DIMS = {
    "fr": ("par quartier", "par mois", "par année", "par type", ""),
    "en": ("by faculty", "by month", "by year", "by site", ""),
}
QUARTERS = ("Gare", "Bonnevoie", "Kirchberg", "Limpertsberg", "Belair", "Hollerich", "Merl", "Cessange")
SENTENCES = {
    "fr": (
        "Les données sont mises à jour automatiquement chaque nuit.",
        "Le fichier CSV utilise le point-virgule comme séparateur et l'encodage UTF-8.",
        "Les coordonnées sont exprimées en LUREF (EPSG:2169).",
        "Les valeurs manquantes sont indiquées par une cellule vide.",
        "Pour toute question, veuillez contacter le service concerné.",
    ),
    "en": (
        "Data were collected as part of the university's open science policy.",
        "Figures are provisional for the current academic year.",
        "Please cite the dataset when reusing it.",
        "Sensor readings are aggregated to hourly values.",
    ),
}
LICENSES = (  # CKAN default licence register: id, title, url (None: no url)
    ("cc-by", "Creative Commons Attribution", "http://www.opendefinition.org/licenses/cc-by", 55),
    ("cc-zero", "Creative Commons CCZero", "http://www.opendefinition.org/licenses/cc-zero", 22),
    (
        "cc-by-sa",
        "Creative Commons Attribution Share-Alike",
        "http://www.opendefinition.org/licenses/cc-by-sa",
        7,
    ),
    (
        "odc-odbl",
        "Open Data Commons Open Database License (ODbL)",
        "http://www.opendefinition.org/licenses/odc-odbl",
        8,
    ),
    ("notspecified", "License not specified", None, 8),
)
# How the format field really looks on CKAN portals, with the mimetype CKAN guessed (None: none).
FORMAT_VARIANTS = {
    "CSV": (("CSV", "text/csv"), ("csv", "text/csv"), ("CSV", None), (".csv", "text/csv")),
    "XLSX": (
        ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("xls", None),
        ("Excel", "application/vnd.ms-excel"),
    ),
    "JSON": (("JSON", "application/json"), ("json", "application/json"), ("application/json", None)),
    "GeoJSON": (("GeoJSON", "application/geo+json"), ("geojson", None)),
    "PDF": (("PDF", "application/pdf"), ("pdf", "application/pdf")),
    "PARQUET": (("Parquet", None), ("parquet", "application/vnd.apache.parquet")),
}
EXTENSION = {
    "CSV": "csv",
    "XLSX": "xlsx",
    "JSON": "json",
    "GeoJSON": "geojson",
    "PDF": "pdf",
    "PARQUET": "parquet",
}
