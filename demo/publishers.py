"""The home node's publishers: realistic Luxembourg public bodies, each with the themes it publishes."""

from __future__ import annotations

from dataclasses import dataclass

from demo.texts import Tr

ADMS_PUBLISHER_TYPE = "http://purl.org/adms/publishertype/"
BASE = "https://data.demo.lu"


@dataclass(frozen=True)
class Publisher:
    code: str  # short code, used in identifiers and URL paths
    name: Tr
    kind: str  # ADMS publisher type code
    domain: str  # demo web domain (homepage, landing pages, mail)
    themes: tuple[str, ...]
    weight: int  # relative share of datasets
    units: tuple[str, ...]  # contact points (vcard:fn)

    @property
    def iri(self) -> str:
        return f"{BASE}/organization/{self.code.lower()}"

    @property
    def homepage(self) -> str:
        return f"https://{self.domain}/"

    def email(self, unit_index: int) -> str:
        return f"{('info', 'data', 'opendata')[unit_index % 3]}@{self.domain}"


NATIONAL = "NationalAuthority"
PUBLISHERS: tuple[Publisher, ...] = (
    Publisher(
        "MSAN",
        Tr("Ministry of Health", "Ministère de la Santé", "Gesundheitsministerium", "Gesondheetsministère"),
        NATIONAL,
        "sante.demo.lu",
        ("health",),
        14,
        ("Direction de la santé – Service épidémiologie et statistique", "Observatoire national de la santé"),
    ),
    Publisher(
        "LIH",
        Tr(
            "Luxembourg Institute of Health",
            "Luxembourg Institute of Health",
            "Luxembourg Institute of Health",
            "Luxembourg Institute of Health",
        ),
        "Academia-ScientificOrganisation",
        "lih.demo.lu",
        ("health",),
        8,
        ("Department of Precision Health", "Data Integration and Analysis Unit"),
    ),
    Publisher(
        "STATEC",
        Tr(
            "STATEC – National Institute of Statistics and Economic Studies",
            "STATEC – Institut national de la statistique et des études économiques",
            "STATEC – Nationales Institut für Statistik und Wirtschaftsstudien",
            "STATEC – Nationalt Institut fir Statistik a Wirtschaftsstudien",
        ),
        NATIONAL,
        "statec.demo.lu",
        ("population", "finance", "energy", "public-administration"),
        20,
        ("STATEC Info", "Unité Démographie et migrations", "Unité Conjoncture"),
    ),
    Publisher(
        "AEV",
        Tr("Environment Agency", "Administration de l'environnement", "Umweltverwaltung", "Ëmweltverwaltung"),
        NATIONAL,
        "environnement.demo.lu",
        ("environment", "energy"),
        12,
        ("Unité Air et bruit", "Unité Climat et énergie"),
    ),
    Publisher(
        "MMTP",
        Tr(
            "Ministry of Mobility and Public Works",
            "Ministère de la Mobilité et des Travaux publics",
            "Ministerium für Mobilität und öffentliche Arbeiten",
            "Ministère fir Mobilitéit an ëffentlech Bauten",
        ),
        NATIONAL,
        "mobilite.demo.lu",
        ("mobility",),
        14,
        ("Administration des transports publics", "Cellule de données de mobilité"),
    ),
    Publisher(
        "LSA",
        Tr(
            "Luxembourg Space Agency",
            "Luxembourg Space Agency",
            "Luxembourg Space Agency",
            "Luxembourg Space Agency",
        ),
        NATIONAL,
        "space-agency.demo.lu",
        ("space",),
        6,
        ("LSA Data Office",),
    ),
    Publisher(
        "BCL",
        Tr(
            "Central Bank of Luxembourg",
            "Banque centrale du Luxembourg",
            "Zentralbank Luxemburg",
            "Zentralbank vu Lëtzebuerg",
        ),
        NATIONAL,
        "bcl.demo.lu",
        ("finance",),
        10,
        ("Département Statistiques", "Section Statistiques monétaires et financières"),
    ),
    Publisher(
        "CTIE",
        Tr(
            "State Information Technology Centre",
            "Centre des technologies de l'information de l'État",
            "Zentrum für Informationstechnologien des Staates",
            "Zentrum fir Informatiounstechnologie vum Staat",
        ),
        NATIONAL,
        "ctie.demo.lu",
        ("public-administration",),
        10,
        ("Service Open Data", "Helpdesk CTIE"),
    ),
)

CATALOGUE_PUBLISHER = Publisher(
    "LNDS",
    Tr(
        "Luxembourg National Data Service",
        "Luxembourg National Data Service",
        "Luxembourg National Data Service",
        "Luxembourg National Data Service",
    ),
    NATIONAL,
    "lnds.demo.lu",
    (),
    0,
    ("Catalogue team",),
)
