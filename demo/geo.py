"""Luxembourg's 12 cantons with (approximate) population and some of their communes."""

from __future__ import annotations

import numpy as np

# canton: (population in thousands, communes)
CANTONS: dict[str, tuple[int, tuple[str, ...]]] = {
    "Luxembourg": (
        200,
        (
            "Luxembourg",
            "Hesperange",
            "Strassen",
            "Bertrange",
            "Walferdange",
            "Sandweiler",
            "Niederanven",
            "Steinsel",
            "Schuttrange",
            "Contern",
            "Weiler-la-Tour",
        ),
    ),
    "Esch-sur-Alzette": (
        190,
        (
            "Esch-sur-Alzette",
            "Differdange",
            "Dudelange",
            "Pétange",
            "Sanem",
            "Käerjeng",
            "Schifflange",
            "Bettembourg",
            "Kayl",
            "Mondercange",
            "Rumelange",
            "Roeser",
        ),
    ),
    "Capellen": (50, ("Mamer", "Steinfort", "Kehlen", "Koerich", "Garnich", "Kopstal", "Dippach", "Habscht")),
    "Mersch": (
        35,
        ("Mersch", "Lintgen", "Lorentzweiler", "Bissen", "Fischbach", "Larochette", "Helperknapp"),
    ),
    "Diekirch": (
        35,
        (
            "Diekirch",
            "Ettelbruck",
            "Bettendorf",
            "Erpeldange-sur-Sûre",
            "Schieren",
            "Colmar-Berg",
            "Bourscheid",
        ),
    ),
    "Grevenmacher": (33, ("Grevenmacher", "Junglinster", "Mertert", "Wormeldange", "Manternach", "Betzdorf")),
    "Remich": (24, ("Remich", "Mondorf-les-Bains", "Schengen", "Bous-Waldbredimus", "Dalheim", "Lenningen")),
    "Echternach": (20, ("Echternach", "Rosport-Mompach", "Berdorf", "Consdorf", "Bech", "Beaufort")),
    "Redange": (20, ("Redange", "Beckerich", "Ell", "Grosbous", "Préizerdaul", "Rambrouch", "Useldange")),
    "Wiltz": (20, ("Wiltz", "Esch-sur-Sûre", "Boulaide", "Goesdorf", "Kiischpelt", "Lac de la Haute-Sûre")),
    "Clervaux": (19, ("Clervaux", "Wincrange", "Troisvierges", "Weiswampach", "Parc Hosingen")),
    "Vianden": (6, ("Vianden", "Putscheid", "Tandel")),
}

COMMUNES = np.array([c for _, (_, cs) in CANTONS.items() for c in cs], dtype=object)
COMMUNE_CANTON = np.array([k for k, (_, cs) in CANTONS.items() for _ in cs], dtype=object)
_WEIGHTS = np.array([pop / len(cs) for _, (pop, cs) in CANTONS.items() for _ in cs], dtype=float)
COMMUNE_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()


def sample_places(g: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """`n` (canton, commune) pairs weighted by population: small cantons give small groups."""
    idx = g.choice(len(COMMUNES), size=n, p=COMMUNE_WEIGHTS)
    return COMMUNE_CANTON[idx], COMMUNES[idx]
