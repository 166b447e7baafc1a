"""The demo's fixed data. Figures from shared/domain.md; every organisation and child is invented."""
import datetime as dt

REGIONS = {
    "ijmond": {
        "name": "IJmond",
        "jgz": "JGZ Kennemerland (demo)",
        "cjg": "CJG IJmond (demo)",
        "municipalities": [
            # code, name, inhabitants, CBS, JGZ, GOAB 2025, min age months
            ("GM0375", "Beverwijk", 42866, 130, 241, "2424145", 30),
            ("GM0396", "Heemskerk", 39482, 65, 170, "2141727", 30),
            ("GM0453", "Velsen", 69241, 145, 338, "2622639", 30),
        ],
        "providers": [
            ("Kinderopvang De Duinpieper (demo)", [("GM0375", "Duinpieper Wijkerpoort"), ("GM0396", "Duinpieper Maerten")]),
            ("Peuterwerk Velsen (demo)", [("GM0453", "Peuterwerk IJmuiden Zee"), ("GM0453", "Peuterwerk Santpoort")]),
        ],
    },
    "bevelanden": {
        "name": "De Bevelanden",
        "jgz": "JGZ Zeeland (demo)",
        "cjg": "CJG De Bevelanden (demo)",
        "municipalities": [
            ("GM0654", "Borsele", 23125, 30, 82, "353946", 30),
            ("GM1695", "Noord-Beveland", 8046, None, 13, "174872", 30),   # CBS: <10
            ("GM0678", "Kapelle", 13012, 15, 32, "130449", 30),
            ("GM0664", "Goes", 40120, 60, 156, "1028677", 24),
            ("GM0703", "Reimerswaal", 23335, 65, 92, "1021942", 24),
        ],
        "providers": [
            ("Kinderopvang Zeeuwse Klei (demo)", [("GM0664", "Zeeuwse Klei Goes-Oost"), ("GM0678", "Zeeuwse Klei Kapelle"),
                                                  ("GM0654", "Zeeuwse Klei Heinkenszand")]),
            ("Peuterpunt Oosterschelde (demo)", [("GM0703", "Peuterpunt Yerseke"), ("GM1695", "Peuterpunt Kortgene"),
                                                 ("GM0664", "Peuterpunt Goes-Noord")]),
        ],
    },
}

CRITERIA = [
    {"code": "parents_low_education", "label": "Ouders laag opgeleid"},
    {"code": "home_language", "label": "Thuistaal is niet Nederlands"},
    {"code": "language_delay", "label": "Taalachterstand gezien door JGZ"},
    {"code": "development_risk", "label": "Risico in ontwikkeling of sociale omstandigheden"},
]
# Two policy periods, so a definition change between periods shows in the demo.
PERIODS = [("2023–2026", dt.date(2023, 1, 1), dt.date(2026, 7, 31)), ("2026–2029", dt.date(2026, 8, 1), None)]

GIVEN_NAMES = ["Noor", "Sem", "Mila", "Daan", "Yara", "Levi", "Lina", "Finn", "Sara", "Adam", "Zoë", "Milan",
               "Nora", "Ilias", "Fenna", "Amir", "Tess", "Bram", "Elif", "Luuk"]
FAMILY_NAMES = ["Veldhoen", "Kroonstra", "Ammerlaan", "Pietersma", "Oudeland", "Zwanenburg", "Hoefnagel",
                "Brasem", "Wielaard", "Kuipersma", "Steenwijk", "Duinhoven"]
