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
    # Site navigation and account
    "nav_search": {"en": "Search", "fr": "Recherche", "de": "Suche", "lb": "Sich"},
    "nav_projects": {"en": "Projects", "fr": "Projets", "de": "Projekte", "lb": "Projeten"},
    "nav_requests": {"en": "Requests", "fr": "Demandes", "de": "Anträge", "lb": "Ufroen"},
    "nav_steward": {
        "en": "Steward queue",
        "fr": "File du gestionnaire",
        "de": "Prüfliste",
        "lb": "Lëscht vum Gestionnaire",
    },
    "nav_audit": {"en": "Audit trail", "fr": "Journal d'audit", "de": "Prüfprotokoll", "lb": "Audit-Journal"},
    "nav_operator": {"en": "Sources", "fr": "Sources", "de": "Quellen", "lb": "Quellen"},
    "language": {"en": "Language", "fr": "Langue", "de": "Sprache", "lb": "Sprooch"},
    "sign_in": {"en": "Sign in", "fr": "Se connecter", "de": "Anmelden", "lb": "Umellen"},
    "sign_out": {"en": "Sign out", "fr": "Se déconnecter", "de": "Abmelden", "lb": "Ofmellen"},
    "signed_in_as": {"en": "Signed in as", "fr": "Connecté en tant que", "de": "Angemeldet als", "lb": "Ugemellt als"},
    "back_to_search": {
        "en": "Back to the search",
        "fr": "Retour à la recherche",
        "de": "Zurück zur Suche",
        "lb": "Zréck op d'Sich",
    },
    "error_status": {"en": "Status", "fr": "Statut", "de": "Status", "lb": "Status"},
    "error": {"en": "Error", "fr": "Erreur", "de": "Fehler", "lb": "Feeler"},
    "could_not_do": {
        "en": "That did not work:",
        "fr": "Cela n'a pas fonctionné :",
        "de": "Das hat nicht geklappt:",
        "lb": "Dat huet net geklappt:",
    },
    # Search
    "search_title": {
        "en": "Find datasets",
        "fr": "Trouver des jeux de données",
        "de": "Datensätze finden",
        "lb": "Datesätz fannen",
    },
    "search_label": {
        "en": "Search the catalogue",
        "fr": "Rechercher dans le catalogue",
        "de": "Katalog durchsuchen",
        "lb": "Am Katalog sichen",
    },
    "search_button": {"en": "Search", "fr": "Rechercher", "de": "Suchen", "lb": "Sichen"},
    "search_help": {
        "en": 'Words, "exact phrases", prefix* and -excluded words; every language at once.',
        "fr": "Mots, « expressions exactes », préfixe* et -mots exclus ; dans toutes les langues à la fois.",
        "de": "Wörter, „genaue Wortfolgen“, Präfix* und -ausgeschlossene Wörter; in allen Sprachen zugleich.",
        "lb": "Wierder, „genee Ausdréck“, Präfix* an -ausgeschloss Wierder; an alle Sproochen zugläich.",
    },
    "search_includes_restricted": {
        "en": "You are signed in: the results include restricted datasets, which need an access request.",
        "fr": (
            "Vous êtes connecté : les résultats incluent des jeux de données restreints, soumis à une demande d'accès."
        ),
        "de": (
            "Sie sind angemeldet: Die Ergebnisse enthalten eingeschränkte "
            "Datensätze, für die ein Zugangsantrag nötig ist."
        ),
        "lb": "Dir sidd ugemellt: D'Resultater enthalen ageschränkt Datesätz, fir déi en Zougangsufro néideg ass.",
    },
    "refine": {"en": "Refine", "fr": "Affiner", "de": "Eingrenzen", "lb": "Agrenzen"},
    "clear_filters": {
        "en": "Clear all filters",
        "fr": "Effacer tous les filtres",
        "de": "Alle Filter entfernen",
        "lb": "All Filteren ewechhuelen",
    },
    "selected_remove": {
        "en": "selected; select again to remove",
        "fr": "sélectionné ; sélectionner à nouveau pour retirer",
        "de": "ausgewählt; erneut wählen zum Entfernen",
        "lb": "ausgewielt; nach eng Kéier wielen fir ewechzehuelen",
    },
    "results": {"en": "Results", "fr": "Résultats", "de": "Ergebnisse", "lb": "Resultater"},
    "dataset_found": {
        "en": "dataset found",
        "fr": "jeu de données trouvé",
        "de": "Datensatz gefunden",
        "lb": "Datesaz fonnt",
    },
    "datasets_found": {
        "en": "datasets found",
        "fr": "jeux de données trouvés",
        "de": "Datensätze gefunden",
        "lb": "Datesätz fonnt",
    },
    "fuzzy_match": {
        "en": "no exact match; showing close spellings:",
        "fr": "aucune correspondance exacte ; orthographes proches :",
        "de": "keine genaue Übereinstimmung; ähnliche Schreibweisen:",
        "lb": "keng genee Iwwereneestëmmung; ähnlech Schreifweisen:",
    },
    "no_results": {
        "en": "Nothing matches. Try fewer words or remove a filter.",
        "fr": "Aucun résultat. Essayez avec moins de mots ou retirez un filtre.",
        "de": "Keine Treffer. Versuchen Sie weniger Wörter oder entfernen Sie einen Filter.",
        "lb": "Näischt fonnt. Probéiert mat manner Wierder oder huelt e Filter ewech.",
    },
    "sort_by": {"en": "Sort by", "fr": "Trier par", "de": "Sortieren nach", "lb": "Sortéieren no"},
    "sort_relevance": {"en": "relevance", "fr": "pertinence", "de": "Relevanz", "lb": "Relevanz"},
    "sort_modified": {
        "en": "last modified",
        "fr": "dernière modification",
        "de": "letzte Änderung",
        "lb": "lescht Ännerung",
    },
    "sort_title": {"en": "title", "fr": "titre", "de": "Titel", "lb": "Titel"},
    "pagination": {"en": "Result pages", "fr": "Pages de résultats", "de": "Ergebnisseiten", "lb": "Resultatsäiten"},
    "page": {"en": "Page", "fr": "Page", "de": "Seite", "lb": "Säit"},
    "previous": {"en": "Previous", "fr": "Précédent", "de": "Zurück", "lb": "Zréck"},
    "next": {"en": "Next", "fr": "Suivant", "de": "Weiter", "lb": "Weider"},
    "facet_theme": {"en": "Theme", "fr": "Thème", "de": "Thema", "lb": "Thema"},
    "facet_publisher": {"en": "Publisher", "fr": "Éditeur", "de": "Herausgeber", "lb": "Editeur"},
    "facet_access_rights": {
        "en": "Access rights",
        "fr": "Droits d'accès",
        "de": "Zugriffsrechte",
        "lb": "Zougrëffsrechter",
    },
    "facet_format": {"en": "Format", "fr": "Format", "de": "Format", "lb": "Format"},
    "facet_hosted": {
        "en": "Data hosted here",
        "fr": "Données hébergées ici",
        "de": "Hier gehostete Daten",
        "lb": "Hei gehost Donnéeën",
    },
    "facet_quality_band": {
        "en": "Metadata quality",
        "fr": "Qualité des métadonnées",
        "de": "Metadatenqualität",
        "lb": "Metadatequalitéit",
    },
    "facet_language": {"en": "Language", "fr": "Langue", "de": "Sprache", "lb": "Sprooch"},
    "facet_licence": {"en": "Licence", "fr": "Licence", "de": "Lizenz", "lb": "Lizenz"},
    "facet_keyword": {"en": "Keyword", "fr": "Mot-clé", "de": "Schlagwort", "lb": "Schlësselwuert"},
    "facet_source": {"en": "Harvested from", "fr": "Moissonné depuis", "de": "Geerntet aus", "lb": "Gesammelt vun"},
    "facet_protection_type": {"en": "Protection", "fr": "Protection", "de": "Schutzart", "lb": "Schutz"},
    "quality_band_title": {
        "en": "MQA metadata quality band",
        "fr": "Niveau de qualité des métadonnées (MQA)",
        "de": "MQA-Qualitätsstufe der Metadaten",
        "lb": "MQA-Qualitéitsstuf vun de Metadaten",
    },
    "band_excellent": {"en": "excellent", "fr": "excellente", "de": "ausgezeichnet", "lb": "exzellent"},
    "band_good": {"en": "good", "fr": "bonne", "de": "gut", "lb": "gutt"},
    "band_sufficient": {"en": "sufficient", "fr": "suffisante", "de": "ausreichend", "lb": "genügend"},
    "band_bad": {"en": "bad", "fr": "insuffisante", "de": "mangelhaft", "lb": "schlecht"},
    "band_none": {"en": "not scored", "fr": "non évaluée", "de": "nicht bewertet", "lb": "net bewäert"},
    # Dataset page: access and quality
    "access_conditions": {
        "en": "Access and conditions of use",
        "fr": "Accès et conditions d'utilisation",
        "de": "Zugang und Nutzungsbedingungen",
        "lb": "Zougang an Notzungsbedingungen",
    },
    "access_restricted_text": {
        "en": (
            "This dataset is restricted: its data are released to approved projects only, after a steward's decision."
        ),
        "fr": (
            "Ce jeu de données est restreint : ses données ne sont communiquées "
            "qu'aux projets approuvés, après décision d'un gestionnaire."
        ),
        "de": (
            "Dieser Datensatz ist eingeschränkt: Seine Daten erhalten nur "
            "genehmigte Projekte, nach Entscheidung der Datenverwaltung."
        ),
        "lb": (
            "Dësen Datesaz ass ageschränkt: Seng Donnéeë kréien nëmmen "
            "accordéiert Projeten, no enger Decisioun vum Gestionnaire."
        ),
    },
    "hosted_text": {
        "en": "This node hosts the data; approved projects query it in their workspace:",
        "fr": "Ce nœud héberge les données ; les projets approuvés les interrogent dans leur espace de travail :",
        "de": "Dieser Knoten hostet die Daten; genehmigte Projekte fragen sie in ihrem Arbeitsbereich ab:",
        "lb": "Dësen Node host d'Donnéeën; accordéiert Projeten froen se an hirem Aarbechtsberäich of:",
    },
    "mode_row-level": {"en": "row-level", "fr": "niveau ligne", "de": "zeilenweise", "lb": "Zeil fir Zeil"},
    "mode_aggregate-only": {
        "en": "aggregates only",
        "fr": "agrégats uniquement",
        "de": "nur Aggregate",
        "lb": "nëmmen Aggregater",
    },
    "duo_codes": {
        "en": "Data use conditions (DUO)",
        "fr": "Conditions d'utilisation (DUO)",
        "de": "Nutzungsbedingungen (DUO)",
        "lb": "Notzungsbedingungen (DUO)",
    },
    "odrl_permission": {
        "en": "Permitted use (ODRL)",
        "fr": "Utilisation permise (ODRL)",
        "de": "Erlaubte Nutzung (ODRL)",
        "lb": "Erlaabt Notzung (ODRL)",
    },
    "odrl_prohibition": {
        "en": "Prohibited use (ODRL)",
        "fr": "Utilisation interdite (ODRL)",
        "de": "Verbotene Nutzung (ODRL)",
        "lb": "Verbuede Notzung (ODRL)",
    },
    "odrl_other": {
        "en": "Other condition (ODRL)",
        "fr": "Autre condition (ODRL)",
        "de": "Weitere Bedingung (ODRL)",
        "lb": "Aner Bedingung (ODRL)",
    },
    "no_conditions": {
        "en": "The metadata state no conditions of use.",
        "fr": "Les métadonnées n'indiquent aucune condition d'utilisation.",
        "de": "Die Metadaten nennen keine Nutzungsbedingungen.",
        "lb": "D'Metadaten nennen keng Notzungsbedingungen.",
    },
    "request_access": {
        "en": "Request access",
        "fr": "Demander l'accès",
        "de": "Zugang beantragen",
        "lb": "Zougang ufroen",
    },
    "metadata_quality": {
        "en": "Metadata quality (MQA)",
        "fr": "Qualité des métadonnées (MQA)",
        "de": "Metadatenqualität (MQA)",
        "lb": "Metadatequalitéit (MQA)",
    },
    "points": {"en": "points", "fr": "points", "de": "Punkte", "lb": "Punkten"},
    "assessed": {"en": "assessed", "fr": "évaluée le", "de": "bewertet am", "lb": "bewäert den"},
    "mqa_dimensions": {
        "en": "Score by dimension",
        "fr": "Score par dimension",
        "de": "Punkte je Dimension",
        "lb": "Punkten no Dimensioun",
    },
    "dimension": {"en": "Dimension", "fr": "Dimension", "de": "Dimension", "lb": "Dimensioun"},
    "dim_findability": {"en": "Findability", "fr": "Trouvabilité", "de": "Auffindbarkeit", "lb": "Fannbarkeet"},
    "dim_accessibility": {
        "en": "Accessibility",
        "fr": "Accessibilité",
        "de": "Zugänglichkeit",
        "lb": "Accessibilitéit",
    },
    "dim_interoperability": {
        "en": "Interoperability",
        "fr": "Interopérabilité",
        "de": "Interoperabilität",
        "lb": "Interoperabilitéit",
    },
    "dim_reusability": {
        "en": "Reusability",
        "fr": "Réutilisabilité",
        "de": "Wiederverwendbarkeit",
        "lb": "Weiderverwendbarkeet",
    },
    "dim_contextuality": {"en": "Contextuality", "fr": "Contextualité", "de": "Kontext", "lb": "Kontext"},
    "criteria_missed": {
        "en": "Criteria missed",
        "fr": "Critères non remplis",
        "de": "Nicht erfüllte Kriterien",
        "lb": "Net erfëllt Critèren",
    },
    "shacl_status": {
        "en": "Profile validation (SHACL)",
        "fr": "Validation du profil (SHACL)",
        "de": "Profilprüfung (SHACL)",
        "lb": "Profilvalidatioun (SHACL)",
    },
    "shacl_conforms": {"en": "conforms", "fr": "conforme", "de": "konform", "lb": "konform"},
    "shacl_violations": {"en": "violations", "fr": "violations", "de": "Verstöße", "lb": "Verstéiss"},
    "shacl_error": {"en": "not checked", "fr": "non vérifié", "de": "nicht geprüft", "lb": "net gepréift"},
    "data_profile": {"en": "Data profile", "fr": "Profil des données", "de": "Datenprofil", "lb": "Donnéeprofil"},
    "rows": {"en": "rows", "fr": "lignes", "de": "Zeilen", "lb": "Zeilen"},
    "columns": {"en": "Columns", "fr": "Colonnes", "de": "Spalten", "lb": "Kolonnen"},
    "completeness": {"en": "Completeness", "fr": "Complétude", "de": "Vollständigkeit", "lb": "Vollstännegkeet"},
    "expectations": {"en": "Expectations", "fr": "Attentes", "de": "Erwartungen", "lb": "Erwaardungen"},
    "expectations_met": {"en": "met", "fr": "satisfaites", "de": "erfüllt", "lb": "erfëllt"},
    "validated": {"en": "Validated", "fr": "Validé", "de": "Geprüft", "lb": "Validéiert"},
    "column_profile": {
        "en": "Columns of the hosted data",
        "fr": "Colonnes des données hébergées",
        "de": "Spalten der gehosteten Daten",
        "lb": "Kolonne vun de gehosten Donnéeën",
    },
    "column": {"en": "Column", "fr": "Colonne", "de": "Spalte", "lb": "Kolonn"},
    "type": {"en": "Type", "fr": "Type", "de": "Typ", "lb": "Typ"},
    "missing_values": {
        "en": "Missing values",
        "fr": "Valeurs manquantes",
        "de": "Fehlende Werte",
        "lb": "Feelend Wäerter",
    },
    # Projects and workspace
    "my_projects": {"en": "My projects", "fr": "Mes projets", "de": "Meine Projekte", "lb": "Meng Projeten"},
    "new_project": {"en": "New project", "fr": "Nouveau projet", "de": "Neues Projekt", "lb": "Neie Projet"},
    "no_projects": {
        "en": "You have no project yet. A project holds your access requests and the data approved for them.",
        "fr": "Vous n'avez pas encore de projet. Un projet regroupe vos demandes d'accès et les données approuvées.",
        "de": "Sie haben noch kein Projekt. Ein Projekt bündelt Ihre Zugangsanträge und die dafür genehmigten Daten.",
        "lb": "Dir hutt nach kee Projet. E Projet hält Är Zougangsufroen an déi dofir accordéiert Donnéeën zesummen.",
    },
    "members": {"en": "Members", "fr": "Membres", "de": "Mitglieder", "lb": "Memberen"},
    "created": {"en": "Created", "fr": "Créé", "de": "Erstellt", "lb": "Erstallt"},
    "requests": {"en": "Access requests", "fr": "Demandes d'accès", "de": "Zugangsanträge", "lb": "Zougangsufroen"},
    "project_title": {"en": "Project title", "fr": "Titre du projet", "de": "Projekttitel", "lb": "Titel vum Projet"},
    "project_purpose": {
        "en": "Purpose of the project",
        "fr": "Objectif du projet",
        "de": "Zweck des Projekts",
        "lb": "Zweck vum Projet",
    },
    "project_purpose_help": {
        "en": "What the project studies and why: stewards read this with every request.",
        "fr": "Ce que le projet étudie et pourquoi : les gestionnaires le lisent avec chaque demande.",
        "de": "Was das Projekt untersucht und warum: Die Datenverwaltung liest dies bei jedem Antrag.",
        "lb": "Wat de Projet ënnersicht a firwat: d'Gestionnairen liesen dat bei all Ufro.",
    },
    "organisation": {"en": "Organisation", "fr": "Organisation", "de": "Organisation", "lb": "Organisatioun"},
    "optional": {"en": "optional", "fr": "facultatif", "de": "optional", "lb": "fakultativ"},
    "other_members": {"en": "Other members", "fr": "Autres membres", "de": "Weitere Mitglieder", "lb": "Aner Memberen"},
    "members_help": {
        "en": "User names, separated by spaces or commas.",
        "fr": "Noms d'utilisateur, séparés par des espaces ou des virgules.",
        "de": "Benutzernamen, getrennt durch Leerzeichen oder Kommas.",
        "lb": "Benotzernimm, getrennt duerch Espacen oder Kommaen.",
    },
    "create_project": {
        "en": "Create the project",
        "fr": "Créer le projet",
        "de": "Projekt anlegen",
        "lb": "Projet uleeën",
    },
    "workspace": {"en": "Workspace", "fr": "Espace de travail", "de": "Arbeitsbereich", "lb": "Aarbechtsberäich"},
    "pi": {
        "en": "principal investigator",
        "fr": "investigateur principal",
        "de": "Projektleitung",
        "lb": "Projetsleedung",
    },
    "no_requests_project": {
        "en": "This project has no access request yet.",
        "fr": "Ce projet n'a pas encore de demande d'accès.",
        "de": "Dieses Projekt hat noch keinen Zugangsantrag.",
        "lb": "Dëse Projet huet nach keng Zougangsufro.",
    },
    "find_datasets": {
        "en": "Find datasets",
        "fr": "Trouver des jeux de données",
        "de": "Datensätze finden",
        "lb": "Datesätz fannen",
    },
    "active_access": {"en": "Active access", "fr": "Accès en cours", "de": "Aktiver Zugang", "lb": "Aktiven Zougang"},
    "no_active_access": {
        "en": "No approved access is active for this project.",
        "fr": "Aucun accès approuvé n'est en cours pour ce projet.",
        "de": "Für dieses Projekt ist kein genehmigter Zugang aktiv.",
        "lb": "Fir dëse Projet ass keen accordéierten Zougang aktiv.",
    },
    "access_until": {"en": "Until", "fr": "Jusqu'au", "de": "Bis", "lb": "Bis"},
    "until": {"en": "until", "fr": "jusqu'au", "de": "bis", "lb": "bis"},
    "all_columns": {"en": "all columns", "fr": "toutes les colonnes", "de": "alle Spalten", "lb": "all Kolonnen"},
    "row_filter": {"en": "Row filter", "fr": "Filtre de lignes", "de": "Zeilenfilter", "lb": "Zeilefilter"},
    "sql_console": {"en": "SQL console", "fr": "Console SQL", "de": "SQL-Konsole", "lb": "SQL-Konsol"},
    "workspace_unavailable": {
        "en": "Queries are not available on this node yet: its sandbox service is not switched on.",
        "fr": "Les requêtes ne sont pas encore disponibles sur ce nœud : son service de bac à sable n'est pas activé.",
        "de": "Abfragen sind auf diesem Knoten noch nicht verfügbar: Sein Sandbox-Dienst ist nicht eingeschaltet.",
        "lb": "Ufroen sinn op dësem Node nach net disponibel: säi Sandkëscht-Service ass net ageschalt.",
    },
    "your_views": {"en": "Your views", "fr": "Vos vues", "de": "Ihre Sichten", "lb": "Är Usiichten"},
    "no_views": {
        "en": "Nothing to query: the project has no approved data that is ready.",
        "fr": "Rien à interroger : le projet n'a pas de données approuvées prêtes.",
        "de": "Nichts abzufragen: Das Projekt hat keine genehmigten Daten, die bereitstehen.",
        "lb": "Näischt ofzefroen: de Projet huet keng accordéiert Donnéeën, déi prett sinn.",
    },
    "examples": {"en": "Examples", "fr": "Exemples", "de": "Beispiele", "lb": "Beispiller"},
    "sql_label": {
        "en": "SQL query over your views",
        "fr": "Requête SQL sur vos vues",
        "de": "SQL-Abfrage über Ihre Sichten",
        "lb": "SQL-Ufro iwwer Är Usiichten",
    },
    "sql_help": {
        "en": (
            "One SELECT over your project's views. Ctrl+Enter runs it. Small "
            "groups in aggregate-only data are suppressed."
        ),
        "fr": (
            "Un seul SELECT sur les vues du projet. Ctrl+Entrée l'exécute. Les "
            "petits groupes des données agrégées sont masqués."
        ),
        "de": (
            "Ein SELECT über die Sichten des Projekts. Strg+Eingabe führt es aus. "
            "Kleine Gruppen in Aggregatdaten werden unterdrückt."
        ),
        "lb": (
            "Een eenzegen SELECT iwwer d'Usiichte vum Projet. Ctrl+Enter féiert en aus. "
            "Kleng Gruppen an aggregéierten Donnéeë ginn ënnerdréckt."
        ),
    },
    "run_query": {
        "en": "Run the query",
        "fr": "Exécuter la requête",
        "de": "Abfrage ausführen",
        "lb": "Ufro ausféieren",
    },
    "download_csv": {
        "en": "Download as CSV",
        "fr": "Télécharger en CSV",
        "de": "Als CSV herunterladen",
        "lb": "Als CSV eroflueden",
    },
    "result": {"en": "Result", "fr": "Résultat", "de": "Ergebnis", "lb": "Resultat"},
    "query_refused": {
        "en": "Query refused",
        "fr": "Requête refusée",
        "de": "Abfrage abgelehnt",
        "lb": "Ufro refuséiert",
    },
    "rows_returned": {"en": "rows", "fr": "lignes", "de": "Zeilen", "lb": "Zeilen"},
    "row_cap_notice": {
        "en": "The result was cut at the row cap: only the first rows are shown. Aggregate, filter or download less.",
        "fr": (
            "Le résultat a été tronqué au plafond de lignes : seules les premières "
            "lignes sont affichées. Agrégez ou filtrez davantage."
        ),
        "de": (
            "Das Ergebnis wurde an der Zeilengrenze abgeschnitten: Nur die ersten "
            "Zeilen werden gezeigt. Aggregieren oder filtern Sie stärker."
        ),
        "lb": (
            "D'Resultat gouf un der Zeilegrenz ofgeschnidden: nëmmen déi éischt "
            "Zeile ginn ugewisen. Aggregéiert oder filtert méi."
        ),
    },
    "suppressed_notice": {
        "en": "cells were suppressed by the output checks (small groups could identify people):",
        "fr": (
            "cellules ont été masquées par les contrôles de sortie (de petits "
            "groupes pourraient identifier des personnes) :"
        ),
        "de": "Zellen wurden von den Ausgabeprüfungen unterdrückt (kleine Gruppen könnten Personen erkennbar machen):",
        "lb": "Zelle goufen duerch d'Ausgabekontrollen ënnerdréckt (kleng Gruppe kéinte Persounen identifizéieren):",
    },
    "suppressed": {"en": "suppressed", "fr": "masqué", "de": "unterdrückt", "lb": "ënnerdréckt"},
    # Requests
    "my_requests": {
        "en": "My access requests",
        "fr": "Mes demandes d'accès",
        "de": "Meine Zugangsanträge",
        "lb": "Meng Zougangsufroen",
    },
    "no_requests": {
        "en": "You have made no access request yet.",
        "fr": "Vous n'avez encore fait aucune demande d'accès.",
        "de": "Sie haben noch keinen Zugangsantrag gestellt.",
        "lb": "Dir hutt nach keng Zougangsufro gestallt.",
    },
    "request": {"en": "Request", "fr": "Demande", "de": "Antrag", "lb": "Ufro"},
    "project": {"en": "Project", "fr": "Projet", "de": "Projekt", "lb": "Projet"},
    "datasets": {"en": "Datasets", "fr": "Jeux de données", "de": "Datensätze", "lb": "Datesätz"},
    "state": {"en": "State", "fr": "État", "de": "Status", "lb": "Status"},
    "submitted": {"en": "Submitted", "fr": "Soumise", "de": "Eingereicht", "lb": "Agereecht"},
    "request_needs_dataset": {
        "en": "Choose the datasets first: open a restricted dataset and use “Request access”.",
        "fr": (
            "Choisissez d'abord les jeux de données : ouvrez un jeu de "
            "données restreint et utilisez « Demander l'accès »."
        ),
        "de": (
            "Wählen Sie zuerst die Datensätze: Öffnen Sie einen "
            "eingeschränkten Datensatz und nutzen Sie „Zugang beantragen“."
        ),
        "lb": "Wielt fir d'éischt d'Datesätz: maacht en ageschränkten Datesaz op a benotzt „Zougang ufroen“.",
    },
    "request_for_project": {
        "en": "For the project",
        "fr": "Pour le projet",
        "de": "Für das Projekt",
        "lb": "Fir de Projet",
    },
    "choose": {"en": "— choose —", "fr": "— choisir —", "de": "— auswählen —", "lb": "— auswielen —"},
    "need_project_first": {
        "en": "Requests belong to a project: create one first, then come back here.",
        "fr": "Les demandes appartiennent à un projet : créez-en un d'abord, puis revenez ici.",
        "de": "Anträge gehören zu einem Projekt: Legen Sie zuerst eines an und kommen Sie dann zurück.",
        "lb": "Ufroe gehéieren zu engem Projet: leet fir d'éischt een un a kommt dann heihinner zréck.",
    },
    "dataset_is_public": {
        "en": "This dataset is public: it needs no access request.",
        "fr": "Ce jeu de données est public : il ne nécessite aucune demande d'accès.",
        "de": "Dieser Datensatz ist öffentlich: Er braucht keinen Zugangsantrag.",
        "lb": "Dësen Datesaz ass ëffentlech: en brauch keng Zougangsufro.",
    },
    "conditions_of_use": {
        "en": "Conditions of use",
        "fr": "Conditions d'utilisation",
        "de": "Nutzungsbedingungen",
        "lb": "Notzungsbedingungen",
    },
    "columns_wanted": {
        "en": "Columns you need",
        "fr": "Colonnes nécessaires",
        "de": "Benötigte Spalten",
        "lb": "Néideg Kolonnen",
    },
    "columns_help": {
        "en": "Ask only for what the project needs; leave all unticked to ask for every column.",
        "fr": "Ne demandez que ce dont le projet a besoin ; ne cochez rien pour demander toutes les colonnes.",
        "de": "Beantragen Sie nur, was das Projekt braucht; ohne Häkchen werden alle Spalten beantragt.",
        "lb": "Frot just dat, wat de Projet brauch; ouni Haken ginn all Kolonne gefrot.",
    },
    "accept_terms": {
        "en": "I accept the conditions of use of",
        "fr": "J'accepte les conditions d'utilisation de",
        "de": "Ich akzeptiere die Nutzungsbedingungen von",
        "lb": "Ech akzeptéieren d'Notzungsbedingunge vun",
    },
    "purpose": {"en": "Purpose", "fr": "Finalité", "de": "Zweck", "lb": "Zweck"},
    "purpose_text": {
        "en": "What you will do with the data",
        "fr": "Ce que vous ferez des données",
        "de": "Was Sie mit den Daten tun werden",
        "lb": "Wat Dir mat den Donnéeë maache wäert",
    },
    "purpose_help": {
        "en": "The research question, the analysis and who will see the results.",
        "fr": "La question de recherche, l'analyse et qui verra les résultats.",
        "de": "Die Forschungsfrage, die Analyse und wer die Ergebnisse sieht.",
        "lb": "D'Fuerschungsfro, d'Analyse a wien d'Resultater gesäit.",
    },
    "duo_purpose": {
        "en": "Purpose of use (GA4GH DUO)",
        "fr": "Finalité d'utilisation (GA4GH DUO)",
        "de": "Nutzungszweck (GA4GH DUO)",
        "lb": "Notzungszweck (GA4GH DUO)",
    },
    "duo_purpose_help": {
        "en": "Checked against each dataset's conditions; the steward sees the result.",
        "fr": "Comparée aux conditions de chaque jeu de données ; le gestionnaire voit le résultat.",
        "de": "Wird mit den Bedingungen jedes Datensatzes abgeglichen; die Datenverwaltung sieht das Ergebnis.",
        "lb": "Gëtt mat de Bedingunge vun all Datesaz verglach; de Gestionnaire gesäit d'Resultat.",
    },
    "duo_modifiers": {
        "en": "Conditions you meet or accept (DUO)",
        "fr": "Conditions que vous remplissez ou acceptez (DUO)",
        "de": "Bedingungen, die Sie erfüllen oder akzeptieren (DUO)",
        "lb": "Bedingungen, déi Dir erfëllt oder akzeptéiert (DUO)",
    },
    "legal_basis": {"en": "Legal basis", "fr": "Base juridique", "de": "Rechtsgrundlage", "lb": "Rechtsgrondlag"},
    "duration_days": {"en": "Duration (days)", "fr": "Durée (jours)", "de": "Dauer (Tage)", "lb": "Dauer (Deeg)"},
    "duration_help": {
        "en": "How long the project needs the data; at most",
        "fr": "Durée pendant laquelle le projet a besoin des données ; au plus",
        "de": "Wie lange das Projekt die Daten braucht; höchstens",
        "lb": "Wéi laang de Projet d'Donnéeë brauch; héchstens",
    },
    "submit_request": {
        "en": "Submit the request",
        "fr": "Soumettre la demande",
        "de": "Antrag einreichen",
        "lb": "Ufro areechen",
    },
    "save_draft": {
        "en": "Save as draft",
        "fr": "Enregistrer comme brouillon",
        "de": "Als Entwurf speichern",
        "lb": "Als Entworf späicheren",
    },
    "request_approved_text": {
        "en": "Approved: the data are ready in the project's workspace.",
        "fr": "Approuvée : les données sont prêtes dans l'espace de travail du projet.",
        "de": "Genehmigt: Die Daten stehen im Arbeitsbereich des Projekts bereit.",
        "lb": "Accordéiert: d'Donnéeë sti prett am Aarbechtsberäich vum Projet.",
    },
    "open_workspace": {
        "en": "Open the workspace",
        "fr": "Ouvrir l'espace de travail",
        "de": "Arbeitsbereich öffnen",
        "lb": "Aarbechtsberäich opmaachen",
    },
    "request_returned_text": {
        "en": "A steward returned this request: read the reason below, change it and submit it again.",
        "fr": (
            "Un gestionnaire a renvoyé cette demande : lisez le motif "
            "ci-dessous, modifiez-la et soumettez-la à nouveau."
        ),
        "de": (
            "Die Datenverwaltung hat diesen Antrag zurückgegeben: Lesen Sie die "
            "Begründung, ändern Sie ihn und reichen Sie ihn erneut ein."
        ),
        "lb": (
            "E Gestionnaire huet dës Ufro zréckgeschéckt: liest d'Begrënnung, ännert se a reecht se nach eng Kéier an."
        ),
    },
    "request_submitted_text": {
        "en": "Submitted: the stewards of the datasets' publishers decide it.",
        "fr": "Soumise : les gestionnaires des éditeurs des jeux de données la traitent.",
        "de": "Eingereicht: Die Datenverwaltung der Herausgeber entscheidet darüber.",
        "lb": "Agereecht: d'Gestionnaire vun den Editeuren entscheeden driwwer.",
    },
    "applicant": {"en": "Applicant", "fr": "Demandeur", "de": "Antragsteller", "lb": "Ufroesteller"},
    "none": {"en": "none", "fr": "aucun", "de": "keine", "lb": "keng"},
    "conditions_check": {
        "en": "Purpose against the conditions",
        "fr": "Finalité face aux conditions",
        "de": "Zweck und Bedingungen",
        "lb": "Zweck géint d'Bedingungen",
    },
    "check_conflict": {"en": "Conflict", "fr": "Conflit", "de": "Konflikt", "lb": "Konflikt"},
    "check_match": {"en": "Matches", "fr": "Conforme", "de": "Passt", "lb": "Passt"},
    "check_review": {"en": "To check", "fr": "À vérifier", "de": "Zu prüfen", "lb": "Ze préiwen"},
    "check_nothing": {
        "en": "The dataset states no conditions to check.",
        "fr": "Le jeu de données n'indique aucune condition à vérifier.",
        "de": "Der Datensatz nennt keine zu prüfenden Bedingungen.",
        "lb": "Den Datesaz nennt keng Bedingungen ze préiwen.",
    },
    "check_conflicts": {"en": "conflicts", "fr": "conflits", "de": "Konflikte", "lb": "Konflikter"},
    "check_no_conflict": {"en": "no conflict", "fr": "aucun conflit", "de": "kein Konflikt", "lb": "kee Konflikt"},
    "decisions": {"en": "Decisions", "fr": "Décisions", "de": "Entscheidungen", "lb": "Decisiounen"},
    "decision_approve": {"en": "Approve", "fr": "Approuver", "de": "Genehmigen", "lb": "Accordéieren"},
    "decision_reject": {"en": "Reject", "fr": "Refuser", "de": "Ablehnen", "lb": "Refuséieren"},
    "decision_return": {
        "en": "Return for changes",
        "fr": "Renvoyer pour modification",
        "de": "Zur Änderung zurückgeben",
        "lb": "Fir Ännerungen zréckschécken",
    },
    "access_granted": {
        "en": "Access granted",
        "fr": "Accès accordé",
        "de": "Gewährter Zugang",
        "lb": "Accordéierten Zougang",
    },
    "history": {"en": "History", "fr": "Historique", "de": "Verlauf", "lb": "Verlaf"},
    "change_request": {
        "en": "Change the request",
        "fr": "Modifier la demande",
        "de": "Antrag ändern",
        "lb": "Ufro änneren",
    },
    "save_changes": {
        "en": "Save the changes",
        "fr": "Enregistrer les modifications",
        "de": "Änderungen speichern",
        "lb": "Ännerunge späicheren",
    },
    "withdraw": {"en": "Withdraw", "fr": "Retirer", "de": "Zurückziehen", "lb": "Zréckzéien"},
    "withdraw_request": {
        "en": "Withdraw the request",
        "fr": "Retirer la demande",
        "de": "Antrag zurückziehen",
        "lb": "Ufro zréckzéien",
    },
    "reason": {"en": "Reason", "fr": "Motif", "de": "Begründung", "lb": "Begrënnung"},
    # Stewards
    "steward_queue": {
        "en": "Steward queue",
        "fr": "File du gestionnaire",
        "de": "Prüfliste der Datenverwaltung",
        "lb": "Lëscht vum Gestionnaire",
    },
    "waiting": {"en": "waiting", "fr": "en attente", "de": "wartend", "lb": "waarden"},
    "overdue": {"en": "overdue", "fr": "en retard", "de": "überfällig", "lb": "iwwerfälleg"},
    "sla": {
        "en": "time to first decision",
        "fr": "délai de première décision",
        "de": "Frist bis zur ersten Entscheidung",
        "lb": "Delai bis zur éischter Decisioun",
    },
    "days": {"en": "days", "fr": "jours", "de": "Tage", "lb": "Deeg"},
    "hours": {"en": "hours", "fr": "heures", "de": "Stunden", "lb": "Stonnen"},
    "filters": {"en": "Filters", "fr": "Filtres", "de": "Filter", "lb": "Filteren"},
    "filter_text": {
        "en": "Project, request or dataset",
        "fr": "Projet, demande ou jeu de données",
        "de": "Projekt, Antrag oder Datensatz",
        "lb": "Projet, Ufro oder Datesaz",
    },
    "all": {"en": "all", "fr": "tous", "de": "alle", "lb": "all"},
    "order": {"en": "Order", "fr": "Ordre", "de": "Reihenfolge", "lb": "Reiefolleg"},
    "oldest_first": {
        "en": "oldest first",
        "fr": "les plus anciennes d'abord",
        "de": "älteste zuerst",
        "lb": "déi eelst fir d'éischt",
    },
    "newest_first": {
        "en": "newest first",
        "fr": "les plus récentes d'abord",
        "de": "neueste zuerst",
        "lb": "déi neist fir d'éischt",
    },
    "overdue_only": {
        "en": "overdue only",
        "fr": "en retard uniquement",
        "de": "nur überfällige",
        "lb": "nëmmen iwwerfälleg",
    },
    "apply_filters": {"en": "Apply", "fr": "Appliquer", "de": "Anwenden", "lb": "Uwenden"},
    "waiting_requests": {
        "en": "Requests waiting for your decision",
        "fr": "Demandes en attente de votre décision",
        "de": "Anträge, die auf Ihre Entscheidung warten",
        "lb": "Ufroen, déi op Är Decisioun waarden",
    },
    "age": {"en": "Waiting for", "fr": "En attente depuis", "de": "Wartet seit", "lb": "Waart zënter"},
    "sla_due": {
        "en": "First decision due",
        "fr": "Première décision attendue le",
        "de": "Erste Entscheidung fällig",
        "lb": "Éischt Decisioun fälleg",
    },
    "conflict_of_interest": {
        "en": "conflict of interest",
        "fr": "conflit d'intérêts",
        "de": "Interessenkonflikt",
        "lb": "Interessekonflikt",
    },
    "queue_empty": {
        "en": "Nothing waits for you.",
        "fr": "Rien ne vous attend.",
        "de": "Nichts wartet auf Sie.",
        "lb": "Näischt waart op Iech.",
    },
    "active_approvals": {
        "en": "Active access you granted",
        "fr": "Accès en cours que vous avez accordés",
        "de": "Von Ihnen gewährter aktiver Zugang",
        "lb": "Aktiven Zougang, deen Dir accordéiert hutt",
    },
    "no_active_approvals": {
        "en": "No active access to your datasets.",
        "fr": "Aucun accès en cours à vos jeux de données.",
        "de": "Kein aktiver Zugang zu Ihren Datensätzen.",
        "lb": "Keen aktiven Zougang zu Ären Datesätz.",
    },
    "review": {
        "en": "Review of request",
        "fr": "Examen de la demande",
        "de": "Prüfung des Antrags",
        "lb": "Iwwerpréiwung vun der Ufro",
    },
    "conflict_text": {
        "en": "You are a member of this request's project: another steward has to decide it.",
        "fr": "Vous êtes membre du projet de cette demande : un autre gestionnaire doit la traiter.",
        "de": "Sie sind Mitglied des Projekts dieses Antrags: Eine andere Person der Datenverwaltung muss entscheiden.",
        "lb": "Dir sidd Member vum Projet vun dëser Ufro: en anere Gestionnaire muss entscheeden.",
    },
    "columns_requested": {
        "en": "Columns requested",
        "fr": "Colonnes demandées",
        "de": "Beantragte Spalten",
        "lb": "Gefrote Kolonnen",
    },
    "purpose_vs_conditions": {
        "en": "Stated purpose against the dataset's conditions",
        "fr": "Finalité déclarée face aux conditions du jeu de données",
        "de": "Angegebener Zweck und Bedingungen des Datensatzes",
        "lb": "Ugeginnen Zweck géint d'Bedingunge vum Datesaz",
    },
    "decide": {"en": "Your decision", "fr": "Votre décision", "de": "Ihre Entscheidung", "lb": "Är Decisioun"},
    "decision": {"en": "Decision", "fr": "Décision", "de": "Entscheidung", "lb": "Decisioun"},
    "narrow_columns": {
        "en": "Columns to release",
        "fr": "Colonnes à communiquer",
        "de": "Freizugebende Spalten",
        "lb": "Kolonne fir fräizeginn",
    },
    "narrow_help": {
        "en": "Untick columns to approve less than was asked for.",
        "fr": "Décochez des colonnes pour approuver moins que demandé.",
        "de": "Entfernen Sie Häkchen, um weniger als beantragt zu genehmigen.",
        "lb": "Huelt Hake ewech, fir manner ze accordéieren wéi gefrot.",
    },
    "pseudonymise_columns": {
        "en": "Columns to pseudonymise",
        "fr": "Colonnes à pseudonymiser",
        "de": "Zu pseudonymisierende Spalten",
        "lb": "Kolonnen fir ze pseudonymiséieren",
    },
    "pseudonymise_help": {
        "en": "Tick direct identifiers: the project sees a keyed hash of each value, stable within the project only.",
        "fr": "Cochez les identifiants directs : le projet voit un hachage à clé de chaque valeur, stable dans ce "
        "projet seulement.",
        "de": "Kreuzen Sie direkte Identifikatoren an: das Projekt sieht je Wert einen Hash mit Schlüssel, stabil nur "
        "innerhalb des Projekts.",
        "lb": "Kräizt direkt Identifikateuren un: de Projet gesäit fir all Wäert e Hash mat Schlëssel, stabil just am "
        "Projet.",
    },
    "pseudonymised": {"en": "pseudonymised", "fr": "pseudonymisées", "de": "pseudonymisiert", "lb": "pseudonymiséiert"},
    "row_filter_help": {
        "en": "A condition rows must meet, in SQL, e.g. canton <> 'Capellen'.",
        "fr": "Une condition que les lignes doivent remplir, en SQL, p. ex. canton <> 'Capellen'.",
        "de": "Eine Bedingung für die Zeilen, in SQL, z. B. canton <> 'Capellen'.",
        "lb": "Eng Bedingung fir d'Zeilen, an SQL, z. B. canton <> 'Capellen'.",
    },
    "end_date": {"en": "Access ends on", "fr": "Fin de l'accès le", "de": "Zugang endet am", "lb": "Zougang endet den"},
    "record_decision": {
        "en": "Record the decision",
        "fr": "Enregistrer la décision",
        "de": "Entscheidung speichern",
        "lb": "Decisioun späicheren",
    },
    "revoke_access": {
        "en": "Revoke access",
        "fr": "Révoquer l'accès",
        "de": "Zugang widerrufen",
        "lb": "Zougang zréckzéien",
    },
    "revoke": {"en": "Revoke", "fr": "Révoquer", "de": "Widerrufen", "lb": "Zréckzéien"},
    "all_yours": {
        "en": "all of your datasets",
        "fr": "tous vos jeux de données",
        "de": "alle Ihre Datensätze",
        "lb": "all Är Datesätz",
    },
    "audit_trail": {"en": "Audit trail", "fr": "Journal d'audit", "de": "Prüfprotokoll", "lb": "Audit-Journal"},
    "audit_all": {
        "en": "Every event of the node, oldest first.",
        "fr": "Tous les événements du nœud, des plus anciens aux plus récents.",
        "de": "Alle Ereignisse des Knotens, älteste zuerst.",
        "lb": "All Evenementer vum Node, déi eelst fir d'éischt.",
    },
    "audit_yours": {
        "en": "Events about your publishers' datasets, oldest first.",
        "fr": "Événements concernant les jeux de données de vos éditeurs, des plus anciens aux plus récents.",
        "de": "Ereignisse zu den Datensätzen Ihrer Herausgeber, älteste zuerst.",
        "lb": "Evenementer iwwer d'Datesätz vun Ären Editeuren, déi eelst fir d'éischt.",
    },
    "event_kind": {"en": "Event", "fr": "Événement", "de": "Ereignis", "lb": "Evenement"},
    "when": {"en": "When", "fr": "Quand", "de": "Wann", "lb": "Wéini"},
    "actor": {"en": "Who", "fr": "Qui", "de": "Wer", "lb": "Wien"},
    "subject": {"en": "About", "fr": "Objet", "de": "Betrifft", "lb": "Betrëfft"},
    "later_events": {
        "en": "Later events",
        "fr": "Événements suivants",
        "de": "Spätere Ereignisse",
        "lb": "Méi spéit Evenementer",
    },
    "no_events": {"en": "No events.", "fr": "Aucun événement.", "de": "Keine Ereignisse.", "lb": "Keng Evenementer."},
    "audit_chain": {
        "en": (
            "Each event is chained to the previous one by a hash; "
            "the command “fedcat audit verify” checks the whole log."
        ),
        "fr": (
            "Chaque événement est chaîné au précédent par une empreinte : "
            "la commande « fedcat audit verify » vérifie tout le journal."
        ),
        "de": (
            "Jedes Ereignis ist über einen Hash mit dem vorigen verkettet: "
            "der Befehl „fedcat audit verify“ prüft das ganze Protokoll."
        ),
        "lb": (
            "All Evenement ass iwwer en Hash mam virege verkett; "
            "de Kommando „fedcat audit verify“ préift de ganze Journal."
        ),
    },
    # Operator
    "sources": {
        "en": "Harvest sources",
        "fr": "Sources moissonnées",
        "de": "Erntequellen",
        "lb": "Quelle fir ze sammelen",
    },
    "no_sources": {
        "en": "No source is configured: add one with “fedcat sources add”.",
        "fr": "Aucune source n'est configurée : ajoutez-en une avec « fedcat sources add ».",
        "de": "Keine Quelle konfiguriert: Fügen Sie eine mit „fedcat sources add“ hinzu.",
        "lb": "Keng Quell konfiguréiert: setzt eng mat „fedcat sources add“ derbäi.",
    },
    "never_run": {"en": "never run", "fr": "jamais exécutée", "de": "nie gelaufen", "lb": "ni gelaf"},
    "run_succeeded": {"en": "succeeded", "fr": "réussie", "de": "erfolgreich", "lb": "geléngt"},
    "run_failed": {"en": "failed", "fr": "échouée", "de": "fehlgeschlagen", "lb": "feelgeschloen"},
    "kind": {"en": "Kind", "fr": "Type", "de": "Art", "lb": "Aart"},
    "visibility": {"en": "Visibility", "fr": "Visibilité", "de": "Sichtbarkeit", "lb": "Visibilitéit"},
    "visibility_public": {"en": "public", "fr": "public", "de": "öffentlich", "lb": "ëffentlech"},
    "visibility_restricted": {"en": "restricted", "fr": "restreinte", "de": "eingeschränkt", "lb": "ageschränkt"},
    "last_success": {"en": "Last success", "fr": "Dernier succès", "de": "Letzter Erfolg", "lb": "Leschten Erfolleg"},
    "last_run": {"en": "Last run", "fr": "Dernière exécution", "de": "Letzter Lauf", "lb": "Leschte Laf"},
    "runs_failed": {
        "en": "Failed runs (recent)",
        "fr": "Exécutions échouées (récentes)",
        "de": "Fehlgeschlagene Läufe (zuletzt)",
        "lb": "Feelgeschloe Leef (rezent)",
    },
    "last_run_counts": {
        "en": "Records in the last run",
        "fr": "Notices de la dernière exécution",
        "de": "Einträge im letzten Lauf",
        "lb": "Rekorder am leschte Laf",
    },
    "count_new": {"en": "new", "fr": "nouvelles", "de": "neu", "lb": "nei"},
    "count_updated": {"en": "updated", "fr": "mises à jour", "de": "aktualisiert", "lb": "aktualiséiert"},
    "count_unchanged": {"en": "unchanged", "fr": "inchangées", "de": "unverändert", "lb": "onverännert"},
    "count_withdrawn": {"en": "withdrawn", "fr": "retirées", "de": "zurückgezogen", "lb": "zréckgezunn"},
    "count_failed": {"en": "failed", "fr": "en échec", "de": "fehlerhaft", "lb": "feelerhaft"},
    "problems": {"en": "Problems", "fr": "Problèmes", "de": "Probleme", "lb": "Problemer"},
    "records_scored": {
        "en": "records scored",
        "fr": "notices évaluées",
        "de": "Einträge bewertet",
        "lb": "Rekorder bewäert",
    },
    "mean_score": {"en": "mean score", "fr": "score moyen", "de": "Durchschnitt", "lb": "Duerchschnëtt"},
    "common_shortfalls": {
        "en": "Most common shortfalls",
        "fr": "Lacunes les plus fréquentes",
        "de": "Häufigste Mängel",
        "lb": "Heefegst Mängel",
    },
    # SPARQL
    "sparql_title": {"en": "SPARQL query", "fr": "Requête SPARQL", "de": "SPARQL-Abfrage", "lb": "SPARQL-Ufro"},
    "sparql_intro": {
        "en": "Query the public catalogue graph with SPARQL 1.1. Programs send the same queries to",
        "fr": "Interrogez le graphe public du catalogue en SPARQL 1.1. Les programmes envoient les mêmes requêtes à",
        "de": "Fragen Sie den öffentlichen Katalog-Graphen mit SPARQL 1.1 ab. Programme senden dieselben Abfragen an",
        "lb": "Frot den ëffentleche Katalog-Graph mat SPARQL 1.1 of. Programmer schécken déiselwecht Ufroen un",
    },
    "sparql_limits": {
        "en": "Limits per query:",
        "fr": "Limites par requête :",
        "de": "Grenzen je Abfrage:",
        "lb": "Grenze pro Ufro:",
    },
    "sparql_query": {"en": "SPARQL query", "fr": "Requête SPARQL", "de": "SPARQL-Abfrage", "lb": "SPARQL-Ufro"},
    "sparql_help": {
        "en": "SELECT, ASK, CONSTRUCT or DESCRIBE; read-only. Ctrl+Enter runs it.",
        "fr": "SELECT, ASK, CONSTRUCT ou DESCRIBE ; lecture seule. Ctrl+Entrée l'exécute.",
        "de": "SELECT, ASK, CONSTRUCT oder DESCRIBE; nur lesend. Strg+Eingabe führt sie aus.",
        "lb": "SELECT, ASK, CONSTRUCT oder DESCRIBE; nëmme liesen. Ctrl+Enter féiert se aus.",
    },
    "sparql_truncated": {
        "en": "The answer was cut at the row limit.",
        "fr": "La réponse a été tronquée à la limite de lignes.",
        "de": "Die Antwort wurde an der Zeilengrenze abgeschnitten.",
        "lb": "D'Äntwert gouf un der Zeilegrenz ofgeschnidden.",
    },
    "sparql_example_titles": {
        "en": "Dataset titles in English",
        "fr": "Titres des jeux de données en anglais",
        "de": "Titel der Datensätze auf Englisch",
        "lb": "Titele vun den Datesätz op Englesch",
    },
    "sparql_example_publishers": {
        "en": "Datasets per publisher",
        "fr": "Jeux de données par éditeur",
        "de": "Datensätze je Herausgeber",
        "lb": "Datesätz pro Editeur",
    },
    "sparql_example_formats": {
        "en": "Distributions per format",
        "fr": "Distributions par format",
        "de": "Distributionen je Format",
        "lb": "Distributiounen pro Format",
    },
    "sparql_example_ask": {
        "en": "Is there any health dataset?",
        "fr": "Existe-t-il un jeu de données sur la santé ?",
        "de": "Gibt es einen Gesundheitsdatensatz?",
        "lb": "Gëtt et en Datesaz iwwer Gesondheet?",
    },
    "sparql_example_construct": {
        "en": "A small graph of titles and dates (CONSTRUCT)",
        "fr": "Un petit graphe de titres et de dates (CONSTRUCT)",
        "de": "Ein kleiner Graph aus Titeln und Daten (CONSTRUCT)",
        "lb": "E klenge Graph vun Titelen an Datumen (CONSTRUCT)",
    },
    "yes": {"en": "Yes", "fr": "Oui", "de": "Ja", "lb": "Jo"},
    "no": {"en": "No", "fr": "Non", "de": "Nein", "lb": "Neen"},
    # States
    "state_draft": {"en": "draft", "fr": "brouillon", "de": "Entwurf", "lb": "Entworf"},
    "state_submitted": {"en": "submitted", "fr": "soumise", "de": "eingereicht", "lb": "agereecht"},
    "state_returned": {"en": "returned", "fr": "renvoyée", "de": "zurückgegeben", "lb": "zréckgeschéckt"},
    "state_approved": {"en": "approved", "fr": "approuvée", "de": "genehmigt", "lb": "accordéiert"},
    "state_rejected": {"en": "rejected", "fr": "refusée", "de": "abgelehnt", "lb": "refuséiert"},
    "state_withdrawn": {"en": "withdrawn", "fr": "retirée", "de": "zurückgezogen", "lb": "zréckgezunn"},
    "state_revoked": {"en": "revoked", "fr": "révoquée", "de": "widerrufen", "lb": "zréckgezunn"},
    "state_expired": {"en": "expired", "fr": "expirée", "de": "abgelaufen", "lb": "ofgelaf"},
    "state_pending": {"en": "pending", "fr": "en attente", "de": "offen", "lb": "oppen"},
    "state_active": {"en": "active", "fr": "actif", "de": "aktiv", "lb": "aktiv"},
}


def translator(language: str) -> Callable[[str], str]:
    """A lookup of the pages' words in `language` (English where a word has no translation)."""

    def translate(key: str) -> str:
        entry = MESSAGES[key]  # a KeyError is a template bug and should fail loudly
        return entry.get(language) or entry["en"]

    return translate
