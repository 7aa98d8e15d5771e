"""Offline geocoding of French postcodes from La Poste's official base (shipped, derived).

A postcode can cover several communes; the city named by the person picks one,
otherwise the most populous commune stands for the postcode.
"""

import csv
import gzip
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

COMMUNES_FILE = Path(__file__).resolve().parent / "data" / "communes.csv.gz"


@dataclass(frozen=True)
class Place:
    postcode: str
    city: str
    latitude: float
    longitude: float
    population: int


def normalise_name(name: str) -> str:
    """Lower-case ASCII with dashes as spaces, so 'Saint-Étienne' matches 'saint etienne'."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(ascii_name.lower().replace("-", " ").replace("'", " ").split())


@lru_cache(maxsize=1)
def places_by_postcode() -> dict[str, list[Place]]:
    """Every commune of each postcode, most populous first."""
    index: dict[str, list[Place]] = {}
    with gzip.open(COMMUNES_FILE, "rt", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            place = Place(
                postcode=row["postcode"],
                city=row["name"],
                latitude=float(row["lat"]),
                longitude=float(row["lon"]),
                population=int(row["population"]),
            )
            index.setdefault(place.postcode, []).append(place)
    for places in index.values():
        places.sort(key=lambda place: (-place.population, place.city))
    return index


def postcode_locate(*, postcode: str, city: str = "") -> Place | None:
    """The place of a French postcode (and city, if given), or None when the postcode is unknown."""
    places = places_by_postcode().get(postcode.strip())
    if not places:
        return None
    wanted = normalise_name(city)
    for place in places:
        if wanted and normalise_name(place.city) == wanted:
            return place
    return places[0]
