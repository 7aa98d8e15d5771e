"""The derived open-data files shipped in `marketplace/data/`, loaded as numpy columns.

Only these compact files are read (see `scripts/derive_open_data.py` for their
sources); rows keep the files' order, so everything drawn from them is stable.
"""

import csv
import gzip
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def _rows(name: str) -> list[dict[str, str]]:
    with gzip.open(DATA_DIR / name, "rt", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


@dataclass(frozen=True)
class Communes:
    """One row per (commune, postcode); `weight` splits a commune's population among its rows."""

    insee: np.ndarray
    postcode: np.ndarray
    name: np.ndarray
    population: np.ndarray
    latitude: np.ndarray
    longitude: np.ndarray
    weight: np.ndarray

    def __len__(self) -> int:
        return len(self.insee)

    def index_of(self, postcode: str) -> int:
        """The most populous commune of a postcode (KeyError when unknown)."""
        rows = np.flatnonzero(self.postcode == postcode)
        if not len(rows):
            raise KeyError(postcode)
        return int(rows[np.argmax(self.population[rows])])


@dataclass(frozen=True)
class Venues:
    """Museums, cinemas and festivals with coordinates, in the file's order."""

    kind: np.ndarray
    ref: np.ndarray
    name: np.ndarray
    address: np.ndarray
    postcode: np.ndarray
    city: np.ndarray
    latitude: np.ndarray
    longitude: np.ndarray
    admissions: np.ndarray
    discipline: np.ndarray
    subcategory: np.ndarray
    season: np.ndarray
    screens: np.ndarray
    seats: np.ndarray
    art_house: np.ndarray
    website: np.ndarray

    def __len__(self) -> int:
        return len(self.ref)


@lru_cache(maxsize=1)
def communes_load() -> Communes:
    rows = _rows("communes.csv.gz")
    insee = np.array([row["insee"] for row in rows])
    population = np.array([int(row["population"]) for row in rows], dtype=np.int64)
    _, inverse, counts = np.unique(insee, return_inverse=True, return_counts=True)
    return Communes(
        insee=insee,
        postcode=np.array([row["postcode"] for row in rows]),
        name=np.array([row["name"] for row in rows], dtype=object),
        population=population,
        latitude=np.array([float(row["lat"]) for row in rows]),
        longitude=np.array([float(row["lon"]) for row in rows]),
        weight=population / counts[inverse],
    )


def _display_name(name: str) -> str:
    # The museums' list writes names in lower case ("musée des Confluences").
    name = " ".join(name.split())
    return name[:1].upper() + name[1:]


@lru_cache(maxsize=1)
def venues_load() -> Venues:
    rows = _rows("venues.csv.gz")

    def text(column: str, clean=lambda value: " ".join(value.split())) -> np.ndarray:
        return np.array([clean(row[column]) for row in rows], dtype=object)

    def integer(column: str) -> np.ndarray:
        return np.array([int(row[column] or 0) for row in rows], dtype=np.int64)

    return Venues(
        kind=np.array([row["kind"] for row in rows]),
        ref=text("ref"),
        name=text("name", _display_name),
        address=text("address"),
        postcode=text("postcode"),
        city=text("city"),
        latitude=np.array([float(row["lat"]) for row in rows]),
        longitude=np.array([float(row["lon"]) for row in rows]),
        admissions=integer("admissions"),
        discipline=np.array([row["discipline"] for row in rows]),
        subcategory=text("subcategory"),
        season=np.array([row["season"] for row in rows]),
        screens=integer("screens"),
        seats=integer("seats"),
        art_house=integer("art_house").astype(bool),
        website=text("website"),
    )
