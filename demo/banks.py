"""The eight theme banks (en | fr | de | lb); see `demo.themes.parse_theme` for the line format."""

from __future__ import annotations

from demo.themes import Theme, parse_theme

HEALTH = """
theme health HEAL
formats CSV XLSX PDF PARQUET JSON
freqs ANNUAL QUARTERLY MONTHLY IRREG
subject admissions sensitive +diagnosis +hospital: Hospital admissions | Admissions hospitalières | Krankenhausaufnahmen | Spidolsopnamen
subject admissions sensitive +diagnosis +hospital: Hospital discharges | Sorties d'hôpital | Krankenhausentlassungen | Spidolsentloossungen
subject admissions sensitive +diagnosis +hospital: Emergency department visits | Passages aux urgences | Notaufnahmebesuche | Besich an der Noutopnam
subject prescriptions sensitive +atc: Medicine prescriptions | Prescriptions de médicaments | Arzneimittelverordnungen | Medikamentverschreiwungen
subject sensitive +diagnosis +hospital: Mental health consultations | Consultations en santé mentale | Psychiatrische Konsultationen | Consultatiounen fir mental Gesondheet
subject sensitive +diagnosis +hospital: Cancer incidence | Incidence du cancer | Krebsinzidenz | Kriibsinzidenz
subject +vaccine: Vaccination coverage | Couverture vaccinale | Impfquote | Impfquot
subject +diagnosis: Notifiable infectious diseases | Maladies infectieuses à déclaration obligatoire | Meldepflichtige Infektionskrankheiten | Meldungsflichteg Infektiounskrankheeten
subject +hospital +profession: Healthcare workforce | Effectifs des professionnels de santé | Beschäftigte im Gesundheitswesen | Personal am Gesondheetswiesen
subject +diagnosis: Causes of death | Causes de décès | Todesursachen | Doudesursaachen
dim diagnosis: by diagnosis | par diagnostic | nach Diagnose | no Diagnos
dim hospital: by hospital | par établissement hospitalier | nach Krankenhaus | no Spidol
dim atc: by therapeutic class | par classe thérapeutique | nach therapeutischer Klasse | no therapeutescher Klass
dim vaccine: by vaccine | par vaccin | nach Impfstoff | no Impfstoff
dim profession: by profession | par profession | nach Beruf | no Beruff
dim: @age
dim: @sex
dim: @canton
dim: @month
sentence: Figures are derived from pseudonymised hospital discharge records coded with ICD-10. | Les chiffres proviennent des résumés de sortie hospitaliers pseudonymisés, codés selon la CIM-10. | Die Zahlen stammen aus pseudonymisierten Krankenhausentlassungsdaten mit ICD-10-Kodierung. | D'Zuelen kommen aus pseudonymiséierten Entloossungsdonnéeë vun de Spideeler, no ICD-10 kodéiert.
sentence: Cells with fewer than ten cases are suppressed in the public version. | Les cellules comptant moins de dix cas sont masquées dans la version publique. | Zellen mit weniger als zehn Fällen werden in der öffentlichen Version unterdrückt. | Zellen mat manner wéi zéng Fäll ginn an der ëffentlecher Versioun ausgeblent.
sentence: Access to record-level data requires approval by the health data access body. | L'accès aux données individuelles nécessite l'autorisation de l'organisme d'accès aux données de santé. | Der Zugang zu Einzeldaten erfordert die Genehmigung der Zugangsstelle für Gesundheitsdaten. | Den Accès op Eenzeldonnéeë brauch d'Autorisatioun vun der Accèsstell fir Gesondheetsdonnéeën.
keyword: health | santé | Gesundheit | Gesondheet
keyword: hospital | hôpital | Krankenhaus | Spidol
keyword: public health | santé publique | öffentliche Gesundheit | ëffentlech Gesondheet
keyword: patients | patients | Patienten | Patienten
keyword: ICD-10
"""  # noqa: E501

MOBILITY = """
theme mobility TRAN
formats CSV JSON GEOJSON XLSX PARQUET
freqs DAILY WEEKLY MONTHLY UPDATE_CONT ANNUAL
subject bus +line +hour: Bus punctuality | Ponctualité des bus | Pünktlichkeit der Busse | Pünktlechkeet vun de Bussen
subject bus +line +hour: Bus delays | Retards des bus | Busverspätungen | Busverspéidungen
subject bikes +station +hour: Vel'oh bike station availability | Disponibilité des stations Vel'oh | Verfügbarkeit der Vel'oh-Stationen | Disponibilitéit vun de Vel'oh-Statiounen
subject +station +hour: Tram ridership | Fréquentation du tram | Fahrgastzahlen der Straßenbahn | Passagéierzuelen vum Tram
subject +station +hour +vehicle: Road traffic counts | Comptages du trafic routier | Straßenverkehrszählungen | Stroossentrafficzielungen
subject +vehicle +hour: Road accidents | Accidents de la circulation | Verkehrsunfälle | Verkéiersaccidenter
subject +station +hour: Park and Ride occupancy | Occupation des parkings P+R | Belegung der P+R-Parkplätze | Belegung vun de P+R-Parkplazen
subject: Cross-border commuter flows | Flux de travailleurs frontaliers | Grenzgängerströme | Frontaliersstréim
subject +vehicle: Electric vehicle registrations | Immatriculations de véhicules électriques | Zulassungen von Elektrofahrzeugen | Umeldunge vun elektreschen Autoen
subject +line +station: Rail passenger numbers | Voyageurs ferroviaires | Bahnreisende | Zuchpassagéier
dim line: by line | par ligne | nach Linie | no Linn
dim station: by station | par station | nach Station | no Statioun
dim hour: by hour of day | par heure de la journée | nach Tageszeit | no Dageszäit
dim vehicle: by vehicle type | par type de véhicule | nach Fahrzeugtyp | no Gefierzort
dim: @commune
dim: @month
sentence: Data are collected automatically by the national real-time passenger information system. | Les données sont collectées automatiquement par le système national d'information voyageurs en temps réel. | Die Daten werden automatisch vom nationalen Echtzeit-Fahrgastinformationssystem erfasst. | D'Donnéeë ginn automatesch vum nationale Real-Time-Passagéierinformatiounssystem erfaasst.
sentence: Public transport has been free of charge in Luxembourg since March 2020. | Les transports publics sont gratuits au Luxembourg depuis mars 2020. | Der öffentliche Verkehr ist in Luxemburg seit März 2020 kostenlos. | Den ëffentlechen Transport ass zu Lëtzebuerg zënter Mäerz 2020 gratis.
sentence: Counting stations are located on the national road network and the motorways. | Les postes de comptage sont situés sur le réseau routier national et les autoroutes. | Die Zählstellen befinden sich auf dem nationalen Straßennetz und den Autobahnen. | D'Zielstatioune leien um nationale Stroossennetz an op den Autobunnen.
keyword: mobility | mobilité | Mobilität | Mobilitéit
keyword: public transport | transports publics | öffentlicher Verkehr | ëffentlechen Transport
keyword: traffic | trafic | Verkehr | Verkéier
keyword: bicycle | vélo | Fahrrad | Vëlo
keyword: bus | bus | Bus | Bus
"""  # noqa: E501

ENERGY = """
theme energy ENER ENVI
formats CSV XLSX JSON PARQUET PDF
freqs MONTHLY QUARTERLY ANNUAL DAILY
subject meters +tariff +quarterhour +sector: Electricity consumption | Consommation d'électricité | Stromverbrauch | Stroumverbrauch
subject meters sensitive +tariff +quarterhour: Smart meter readings | Relevés des compteurs intelligents | Smart-Meter-Messwerte | Smart-Meter-Wäerter
subject charging +quarterhour: Public charging sessions | Sessions de recharge publiques | Ladevorgänge an öffentlichen Ladestationen | Luedsessiounen un ëffentleche Luedstatiounen
subject +source: Photovoltaic installations | Installations photovoltaïques | Photovoltaikanlagen | Photovoltaikanlagen
subject +sector +tariff: Natural gas consumption | Consommation de gaz naturel | Erdgasverbrauch | Äerdgasverbrauch
subject +source +quarterhour: Renewable electricity production | Production d'électricité renouvelable | Erzeugung von erneuerbarem Strom | Produktioun vun erneierbarem Stroum
subject +fuel: Fuel sales | Ventes de carburants | Kraftstoffabsatz | Brennstoffverkaf
subject +source +tariff: Household energy prices | Prix de l'énergie pour les ménages | Energiepreise für Haushalte | Energiepräisser fir Stéit
dim tariff: by tariff | par tarif | nach Tarif | no Tarif
dim source: by energy source | par source d'énergie | nach Energiequelle | no Energiequell
dim quarterhour: by quarter-hour | par quart d'heure | nach Viertelstunde | no Véierelstonn
dim sector: @sector
dim fuel: by fuel type | par type de carburant | nach Kraftstoffart | no Brennstoffaart
dim: @commune
dim: @month
sentence: Consumption values are aggregated from smart meter readings supplied by the grid operators. | Les valeurs de consommation sont agrégées à partir des relevés des compteurs intelligents fournis par les gestionnaires de réseau. | Die Verbrauchswerte werden aus den Smart-Meter-Daten der Netzbetreiber aggregiert. | D'Verbrauchswäerter gi vun de Smart-Meter-Donnéeë vun de Reseausbedreiwer aggregéiert.
sentence: Values are expressed in kilowatt-hours unless stated otherwise. | Les valeurs sont exprimées en kilowattheures sauf indication contraire. | Die Werte sind, sofern nicht anders angegeben, in Kilowattstunden angegeben. | D'Wäerter sinn a Kilowattstonnen ugi, ausser et steet anescht do.
sentence: The dataset supports monitoring of the national energy and climate plan (PNEC). | Le jeu de données contribue au suivi du plan national intégré en matière d'énergie et de climat (PNEC). | Der Datensatz unterstützt das Monitoring des nationalen Energie- und Klimaplans (PNEC). | Den Datesaz ënnerstëtzt de Suivi vum nationalen Energie- a Klimaplang (PNEC).
keyword: energy | énergie | Energie | Energie
keyword: electricity | électricité | Strom | Stroum
keyword: renewable energy | énergies renouvelables | erneuerbare Energien | erneierbar Energien
keyword: smart meter | compteur intelligent | intelligenter Zähler | intelligente Compteur
"""  # noqa: E501

ENVIRONMENT = """
theme environment ENVI
formats CSV JSON GEOJSON XLSX PDF
freqs DAILY MONTHLY ANNUAL UPDATE_CONT
subject +station +pollutant: Air quality measurements | Mesures de la qualité de l'air | Luftqualitätsmessungen | Loftqualitéitsmiessungen
subject +station: Nitrogen dioxide concentrations | Concentrations de dioxyde d'azote | Stickstoffdioxidkonzentrationen | Stéckstoffdioxidkonzentratiounen
subject +station: Noise exposure | Exposition au bruit | Lärmbelastung | Kaméidibelaaschtung
subject +waste: Household waste collection | Collecte des déchets ménagers | Haushaltsabfallsammlung | Sammlung vum Hausoffall
subject +station +pollutant: Surface water quality | Qualité des eaux de surface | Güte der Oberflächengewässer | Qualitéit vum Uewerflächewaasser
subject +gas +sector: Greenhouse gas emissions | Émissions de gaz à effet de serre | Treibhausgasemissionen | Zäregasemissiounen
subject +habitat: Protected natural areas | Zones naturelles protégées | Naturschutzgebiete | Naturschutzgebidder
subject +station +pollen: Pollen counts | Comptages polliniques | Pollenflug | Polleflug
dim station: by monitoring station | par station de mesure | nach Messstation | no Moossstatioun
dim pollutant: by pollutant | par polluant | nach Schadstoff | no Schuedstoff
dim waste: by waste type | par type de déchets | nach Abfallart | no Offallaart
dim gas: by gas | par gaz | nach Gas | no Gas
dim sector: @sector
dim habitat: by habitat type | par type d'habitat | nach Lebensraumtyp | no Liewensraumtyp
dim pollen: by plant species | par espèce végétale | nach Pflanzenart | no Planzenaart
dim: @commune
dim: @year
sentence: Measurements come from the national air quality monitoring network. | Les mesures proviennent du réseau national de surveillance de la qualité de l'air. | Die Messungen stammen aus dem nationalen Luftqualitätsmessnetz. | D'Miessunge kommen aus dem nationale Reseau fir d'Iwwerwaachung vun der Loftqualitéit.
sentence: Values are validated before publication; provisional data may be revised. | Les valeurs sont validées avant publication ; les données provisoires peuvent être révisées. | Die Werte werden vor der Veröffentlichung validiert; vorläufige Daten können revidiert werden. | D'Wäerter gi virun der Publikatioun validéiert; provisoresch Donnéeë kënnen nach geännert ginn.
sentence: Reporting follows the requirements of the relevant EU environmental directives. | La déclaration suit les exigences des directives environnementales européennes applicables. | Die Berichterstattung folgt den Vorgaben der einschlägigen EU-Umweltrichtlinien. | D'Rapportéierung follegt de Virgabe vun den EU-Ëmweltdirektiven.
keyword: environment | environnement | Umwelt | Ëmwelt
keyword: air quality | qualité de l'air | Luftqualität | Loftqualitéit
keyword: climate | climat | Klima | Klima
keyword: pollution | pollution | Verschmutzung | Verschmotzung
"""  # noqa: E501

FINANCE = """
theme finance ECON
formats CSV XLSX JSON PDF PARQUET
freqs MONTHLY QUARTERLY ANNUAL
subject loans sensitive +maturity +purpose +canton: Household loans | Crédits aux ménages | Kredite an private Haushalte | Kreditter u privat Stéit
subject payments +country +merchant: Card payment transactions | Transactions par carte de paiement | Kartenzahlungen | Kaartebezuelungen
subject +maturity +currency +sector: Bank interest rates | Taux d'intérêt bancaires | Bankzinssätze | Bankzënssätz
subject +country +currency: Investment fund assets | Actifs des fonds d'investissement | Vermögen der Investmentfonds | Verméige vun den Investmentfongen
subject +country +sector: Balance of payments | Balance des paiements | Zahlungsbilanz | Bezuelungsbilanz
subject +product: Consumer price index | Indice des prix à la consommation | Verbraucherpreisindex | Konsumentepräisindex
subject +maturity +currency: Public debt | Dette publique | Öffentliche Verschuldung | Ëffentlech Schold
subject +canton: Residential property prices | Prix de l'immobilier résidentiel | Wohnimmobilienpreise | Präisser vu Wunnimmobilien
subject +country +currency +sector: Credit institution balance sheets | Bilans des établissements de crédit | Bilanzen der Kreditinstitute | Bilanze vun de Kreditinstituter
dim maturity: by maturity | par échéance | nach Laufzeit | no Laafzäit
dim country: by counterparty country | par pays de contrepartie | nach Partnerland | no Partnerland
dim currency: by currency | par devise | nach Währung | no Wärung
dim sector: @sector
dim canton: @canton
dim purpose: by loan purpose | par objet du crédit | nach Verwendungszweck | no Zweck vum Kredit
dim merchant: by merchant category | par catégorie de commerçant | nach Händlerkategorie | no Händlerkategorie
dim product: by product group | par groupe de produits | nach Warengruppe | no Produktgrupp
dim: @quarter
dim: @month
sentence: Statistics are compiled according to the European System of Accounts (ESA 2010). | Les statistiques sont établies conformément au Système européen des comptes (SEC 2010). | Die Statistiken werden nach dem Europäischen System Volkswirtschaftlicher Gesamtrechnungen (ESVG 2010) erstellt. | D'Statistike ginn no dem Europäesche System vu Konten (ESVG 2010) opgestallt.
sentence: Amounts are in millions of euros, outstanding at the end of the period. | Les montants sont exprimés en millions d'euros, encours en fin de période. | Die Beträge sind in Millionen Euro angegeben, Bestände zum Periodenende. | D'Montante sinn a Millioune Euro, Bestänn um Enn vun der Period.
sentence: Series are transmitted to the European Central Bank as part of Eurosystem reporting. | Les séries sont transmises à la Banque centrale européenne dans le cadre du reporting de l'Eurosystème. | Die Reihen werden im Rahmen des Eurosystem-Meldewesens an die Europäische Zentralbank übermittelt. | D'Serie ginn am Kader vum Eurosystem-Reporting un d'Europäesch Zentralbank iwwermëttelt.
keyword: finance | finance | Finanzen | Finanzen
keyword: banking | secteur bancaire | Bankwesen | Bankesecteur
keyword: monetary statistics | statistiques monétaires | Monetärstatistik | monetär Statistik
keyword: credit | crédit | Kredit | Kredit
"""  # noqa: E501

SPACE = """
theme space TECH
formats CSV JSON GEOJSON PDF XLSX
freqs ANNUAL IRREG QUARTERLY
subject +mission +orbit: Satellite imagery coverage | Couverture d'imagerie satellitaire | Abdeckung durch Satellitenbilder | Ofdeckung duerch Satellittebiller
subject +activity +size: Space sector companies | Entreprises du secteur spatial | Unternehmen der Raumfahrtbranche | Entreprisen aus dem Weltraumsecteur
subject +activity: Space resources research projects | Projets de recherche sur les ressources spatiales | Forschungsprojekte zu Weltraumressourcen | Fuerschungsprojeten iwwer Weltraumressourcen
subject +landcover: Land cover from Earth observation | Occupation du sol par observation de la Terre | Bodenbedeckung aus Erdbeobachtung | Buedemofdeckung aus der Äerdbeobachtung
subject +activity +size: Space sector employment | Emploi dans le secteur spatial | Beschäftigung in der Raumfahrtbranche | Beschäftegung am Weltraumsecteur
subject +mission +orbit: Satellite launches | Lancements de satellites | Satellitenstarts | Satellittestarten
subject +mission +activity: Public funding for space missions | Financement public des missions spatiales | Öffentliche Förderung von Raumfahrtmissionen | Ëffentlech Finanzéierung vu Weltraummissiounen
dim mission: by mission | par mission | nach Mission | no Missioun
dim activity: by activity | par activité | nach Tätigkeit | no Aktivitéit
dim orbit: by orbit type | par type d'orbite | nach Umlaufbahn | no Ëmlafbunn
dim size: by company size | par taille d'entreprise | nach Unternehmensgröße | no Gréisst vun der Entreprise
dim landcover: by land cover class | par classe d'occupation du sol | nach Bodenbedeckungsklasse | no Buedemofdeckungsklass
dim: @year
sentence: Data are provided in cooperation with the national space ecosystem and ESA programmes. | Les données sont fournies en coopération avec l'écosystème spatial national et les programmes de l'ESA. | Die Daten werden in Zusammenarbeit mit dem nationalen Raumfahrt-Ökosystem und ESA-Programmen bereitgestellt. | D'Donnéeë ginn a Kooperatioun mam nationale Weltraum-Ökosystem an den ESA-Programmer zur Verfügung gestallt.
sentence: Earth observation products are derived from Copernicus Sentinel imagery. | Les produits d'observation de la Terre sont dérivés des images Copernicus Sentinel. | Die Erdbeobachtungsprodukte werden aus Copernicus-Sentinel-Bildern abgeleitet. | D'Äerdbeobachtungsprodukter ginn aus Copernicus-Sentinel-Biller ofgeleet.
sentence: Company figures are based on the annual space sector survey. | Les chiffres sur les entreprises reposent sur l'enquête annuelle du secteur spatial. | Die Unternehmenszahlen beruhen auf der jährlichen Erhebung der Raumfahrtbranche. | D'Zuelen iwwer d'Entreprisen baséieren op der jäerlecher Ëmfro am Weltraumsecteur.
keyword: space | espace | Raumfahrt | Weltraum
keyword: satellite | satellite | Satellit | Satellit
keyword: Earth observation | observation de la Terre | Erdbeobachtung | Äerdbeobachtung
keyword: Copernicus
"""  # noqa: E501

PUBLIC_ADMIN = """
theme public-administration GOVE
formats CSV JSON XLSX PDF
freqs MONTHLY ANNUAL QUARTERLY IRREG
subject +procedure +channel +commune: MyGuichet.lu online procedures | Démarches en ligne MyGuichet.lu | Online-Verfahren auf MyGuichet.lu | Online-Prozeduren op MyGuichet.lu
subject +ministry +age +sex: Civil service staff | Effectifs de la fonction publique | Personal im öffentlichen Dienst | Personal am ëffentlechen Déngscht
subject +ministry +procurement: Public procurement notices | Avis de marchés publics | Bekanntmachungen öffentlicher Aufträge | Publikatioune vun ëffentleche Marchéen
subject +procedure +channel: Electronic identity authentications | Authentifications par identité électronique | Authentifizierungen mit elektronischer Identität | Authentifikatioune mat elektronescher Identitéit
subject +ministry +itservice: Government IT service incidents | Incidents des services informatiques de l'État | Störungen der IT-Dienste des Staates | Stéierunge vun den IT-Servicer vum Staat
subject +ministry: Parliamentary questions | Questions parlementaires | Parlamentarische Anfragen | Parlamentaresch Froen
subject +commune: Municipal budgets | Budgets communaux | Gemeindehaushalte | Gemengebudgeten
subject +reusetype: Open data reuses | Réutilisations des données ouvertes | Weiterverwendungen offener Daten | Weiderverwäertunge vun oppenen Donnéeën
dim ministry: by ministry | par ministère | nach Ministerium | no Ministère
dim procedure: by procedure | par démarche | nach Verfahren | no Prozedur
dim channel: by channel | par canal | nach Kanal | no Kanal
dim commune: @commune
dim age: @age
dim sex: @sex
dim procurement: by type of contract | par type de marché | nach Auftragsart | no Aart vum Marché
dim itservice: by service | par service | nach Dienst | no Service
dim reusetype: by type of reuse | par type de réutilisation | nach Art der Weiterverwendung | no Aart vun der Weiderverwäertung
dim: @year
dim: @month
sentence: Figures are extracted from the administrative systems operated by the State IT centre (CTIE). | Les chiffres sont extraits des systèmes administratifs exploités par le Centre des technologies de l'information de l'État (CTIE). | Die Zahlen stammen aus den Verwaltungssystemen des staatlichen IT-Zentrums (CTIE). | D'Zuele kommen aus den administrative Systemer, déi vum CTIE bedriwwe ginn.
sentence: Personal data are removed before publication. | Les données à caractère personnel sont supprimées avant publication. | Personenbezogene Daten werden vor der Veröffentlichung entfernt. | Perséinlech Donnéeë ginn virun der Publikatioun ewechgeholl.
sentence: The dataset is part of the government's open data strategy. | Le jeu de données s'inscrit dans la stratégie de données ouvertes du gouvernement. | Der Datensatz ist Teil der Open-Data-Strategie der Regierung. | Den Datesaz ass Deel vun der Open-Data-Strategie vun der Regierung.
keyword: public administration | administration publique | öffentliche Verwaltung | ëffentlech Verwaltung
keyword: e-government | administration en ligne | E-Government | E-Government
keyword: State | État | Staat | Staat
"""  # noqa: E501

POPULATION = """
theme population SOCI REGI
formats CSV XLSX JSON PDF
freqs ANNUAL QUARTERLY MONTHLY
subject +nationality +age +sex: Resident population | Population résidente | Wohnbevölkerung | Awunnerzuel
subject +nationality +age +sex: Births and deaths | Naissances et décès | Geburten und Sterbefälle | Gebuerten an Doudesfäll
subject +nationality +age +sex: Registered unemployment | Chômage inscrit | Registrierte Arbeitslosigkeit | Registréierte Chômage
subject +age +household: Household income | Revenu des ménages | Haushaltseinkommen | Akommes vun de Stéit
subject +dwelling: Housing completions | Logements achevés | Fertiggestellte Wohnungen | Fäerdeg gebaute Wunnengen
subject +age +sex: Nationality of residents | Nationalités des résidents | Staatsangehörigkeit der Einwohner | Nationalitéite vun den Awunner
subject +nationality +age: Languages spoken at home | Langues parlées à la maison | Zu Hause gesprochene Sprachen | Doheem geschwate Sproochen
dim nationality: by nationality | par nationalité | nach Staatsangehörigkeit | no Nationalitéit
dim age: @age
dim sex: @sex
dim household: by household type | par type de ménage | nach Haushaltstyp | no Stéitaart
dim dwelling: by type of dwelling | par type de logement | nach Wohnungsart | no Aart vu Wunneng
dim: @commune
dim: @canton
dim: @year
sentence: Population figures refer to 1 January of each year. | Les chiffres de population se rapportent au 1er janvier de chaque année. | Die Bevölkerungszahlen beziehen sich auf den 1. Januar jedes Jahres. | D'Bevëlkerungszuele bezéie sech op den 1. Januar vun all Joer.
sentence: Sources include the national register of natural persons and the census. | Les sources comprennent le registre national des personnes physiques et le recensement. | Quellen sind das nationale Register der natürlichen Personen und die Volkszählung. | D'Quelle sinn den nationale Register vun de natierleche Persounen an de Recensement.
sentence: Breakdowns by commune follow the boundaries in force on the reference date. | Les ventilations par commune suivent les limites territoriales en vigueur à la date de référence. | Aufschlüsselungen nach Gemeinden folgen den am Stichtag geltenden Gebietsgrenzen. | D'Opdeelung no Gemenge follegt de Grenzen, déi um Stéchdatum gëlteg sinn.
keyword: population | population | Bevölkerung | Bevëlkerung
keyword: census | recensement | Volkszählung | Vollekszielung
keyword: demography | démographie | Demografie | Demographie
keyword: labour market | marché du travail | Arbeitsmarkt | Aarbechtsmaart
"""  # noqa: E501

THEMES: dict[str, Theme] = {
    t.key: t
    for t in map(parse_theme, (HEALTH, MOBILITY, ENERGY, ENVIRONMENT, FINANCE, SPACE, PUBLIC_ADMIN, POPULATION))
}
