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

# Real four-digit postcode areas of each municipality's towns and villages (PostNL), so a demo
# child's address fits the municipality it lives in. Two letters are added at random.
POSTCODES = {
    "GM0375": [1941, 1942, 1943, 1944, 1945, 1946, 1947, 1948, 1949],   # Beverwijk, Wijk aan Zee
    "GM0396": [1961, 1962, 1963, 1964, 1965, 1966, 1967, 1968, 1969],   # Heemskerk
    "GM0453": [1971, 1972, 1973, 1974, 1975, 1976, 1951, 1981, 1985, 1991, 1992, 2071, 2082],
    # IJmuiden, Velsen-Noord, Velsen-Zuid, Driehuis, Velserbroek, Santpoort-Noord, Santpoort-Zuid
    "GM0654": [4451, 4453, 4454, 4455, 4456, 4431, 4435, 4438],   # Heinkenszand, 's-Heerenhoek, Borssele, ...
    "GM1695": [4484, 4486, 4491, 4493, 4494],   # Kortgene, Colijnsplaat, Wissenkerke, Kamperland, Geersdijk
    "GM0678": [4421, 4424],   # Kapelle, Biezelinge, Wemeldinge
    "GM0664": [4461, 4462, 4463, 4464, 4465, 4481, 4458],   # Goes, Kloetinge, 's-Heer Arendskerke
    "GM0703": [4401, 4411, 4413, 4414, 4416, 4417],   # Yerseke, Rilland, Krabbendijke, Waarde, Kruiningen, Hansweert
}
# Letters of a postcode's suffix (no S: SA, SD and SS are not issued).
POSTCODE_LETTERS = "ABCDEGHJKLMNPRTVWXZ"

# The seed's figures are of 2025; other years of the demo get figures that drift a little, as
# real ones do (the JGZ and CBS counts by about 3% a year, the GOAB grant by 4%).
FIGURES_YEAR = 2025
