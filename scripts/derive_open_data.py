"""Derive the compact open-data files shipped in `marketplace/data/` from `shared/data/fr/`.

Run once by a maintainer when the sources change; the project never reads the
sources at run time. Usage: python scripts/derive_open_data.py ../shared/data/fr
"""

import csv
import gzip
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "marketplace" / "data"
# The territories' boxes are the project's own (plain Python, no Django).
sys.path.insert(0, str(ROOT))
from marketplace.territories import OUTSIDE, territory_of  # noqa: E402


def read_csv(path: Path) -> list[dict]:
    # Some sources carry the byte-order mark twice.
    with path.open(encoding="utf-8") as handle:
        text = handle.read().lstrip("\ufeff")
    return list(csv.DictReader(text.splitlines(), delimiter=";"))


def parse_point(text: str) -> tuple[float, float] | None:
    try:
        lat, lon = (float(part) for part in text.split(","))
    except ValueError:
        return None
    # Mainland, Corsica and overseas France (971-976, Saint-Barthélemy, Saint-Martin):
    # a point in none of them is a broken one (swapped or zero coordinates).
    return (lat, lon) if territory_of(latitude=lat, longitude=lon) != OUTSIDE else None


def write_gz(name: str, header: list[str], rows: list[list]) -> None:
    with gzip.open(OUT / name, "wt", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(header)
        writer.writerows(rows)
    print(f"{name}: {len(rows)} rows, {(OUT / name).stat().st_size / 1024:.0f} KiB")


def derive_communes(source: Path) -> dict[str, str]:
    """One row per (commune, postcode) with GPS point and population; returns INSEE → postcode."""
    # A merged commune's code appears twice: the current commune (first, with the
    # population) and its former "commune déléguée" (no population); keep the first.
    communes: dict[str, dict] = {}
    for commune in json.loads((source / "communes.json").read_text()):
        communes.setdefault(commune["code"], commune)
    rows, seen, postcode_of_insee = [], set(), {}
    for row in read_csv(source / "laposte_hexasmal.csv"):
        insee, postcode = row["Code_commune_INSEE"], row["Code_postal"]
        point = parse_point(row["coordonnees_gps"])
        if point is None or (insee, postcode) in seen:
            continue
        seen.add((insee, postcode))
        commune = communes.get(insee, {})
        name = commune.get("nom") or row["Nom_commune"].title()
        population = commune.get("population") or 0
        postcode_of_insee.setdefault(insee, postcode)
        rows.append([insee, postcode, name, population, round(point[0], 5), round(point[1], 5)])
    rows.sort()
    write_gz("communes.csv.gz", ["insee", "postcode", "name", "population", "lat", "lon"], rows)
    return postcode_of_insee


VENUE_HEADER = [
    "kind",
    "ref",
    "name",
    "address",
    "postcode",
    "city",
    "lat",
    "lon",
    "admissions",
    "discipline",
    "subcategory",
    "season",
    "screens",
    "seats",
    "art_house",
    "website",
]
FESTIVAL_SUBCATEGORIES = [
    "Sous-catégorie spectacle vivant",
    "Sous-catégorie musique",
    "Sous-catégorie cinéma et audiovisuel",
    "Sous-catégorie arts visuels et arts numériques",
    "Sous-catégorie livre et littérature",
]
# The festivals' main period, as the source words it (its case varies), to a short code.
SEASONS = {"avant-saison": "spring", "saison": "summer", "après-saison": "autumn"}


def number(text: str) -> int:
    try:
        return int(float(text or 0))
    except ValueError:
        return 0


def festival_season(period: str) -> str:
    return SEASONS.get(period.split("(")[0].strip().lower(), "")


def website(text: str) -> str:
    """A source's web address as an absolute URL ('' when it does not look like one)."""
    text = text.strip().split()[0] if text.strip() else ""
    if not text or "." not in text or "@" in text:
        return ""
    return text if text.startswith(("http://", "https://")) else f"https://{text}"


def derive_venues(source: Path, postcode_of_insee: dict[str, str]) -> None:
    """Museums, cinemas (with their CNC figures) and festivals (discipline, season), one a row."""
    rows = []
    for row in read_csv(source / "musees_de_france.csv"):
        point = parse_point(f"{row['latitude']},{row['longitude']}")
        if point:
            rows.append(
                [
                    "museum",
                    f"museofile:{row['identifiant_museofile']}",
                    row["nom_officiel_du_musee"].strip(),
                    row["adresse"].strip(),
                    row["code_postal"].zfill(5),
                    row["commune"].strip(),
                    *point,
                    0,
                    "",
                    "",
                    "",
                    0,
                    0,
                    0,
                    website(row["url"]),
                ]
            )
    for row in read_csv(source / "cinemas_cnc_2022.csv"):
        point = parse_point(f"{row['latitude']},{row['longitude']}")
        if point:
            rows.append(
                [
                    "cinema",
                    f"cnc:{row['N° auto']}",
                    row["nom"].strip().title(),
                    row["adresse"].strip().title(),
                    postcode_of_insee.get(row["code INSEE"], ""),
                    row["commune"].strip(),
                    *point,
                    number(row["entrées 2022"]),
                    "",
                    row["genre"].strip().lower(),
                    "",
                    number(row["écrans"]),
                    number(row["fauteuils"]),
                    int(row["AE"].strip().upper() == "OUI"),
                    "",
                ]
            )
    for row in read_csv(source / "festivals_france.csv"):
        point = parse_point(row["Géocodage xy"])
        if point and row["Identifiant"]:
            subcategory = next(
                (row[column].strip() for column in FESTIVAL_SUBCATEGORIES if row[column].strip()),
                "",
            )
            rows.append(
                [
                    "festival",
                    f"festival:{row['Identifiant']}",
                    row["Nom du festival"].strip(),
                    row["Adresse postale"].strip(),
                    row["Code postal (de la commune principale de déroulement)"].zfill(5),
                    row["Commune principale de déroulement"].strip(),
                    *point,
                    0,
                    row["Discipline dominante"].strip(),
                    subcategory,
                    festival_season(row["Période principale de déroulement du festival"]),
                    0,
                    0,
                    0,
                    website(row["Site internet du festival"]),
                ]
            )
    # A few identifiers repeat (museums merged into another keep its Muséofile
    # number): the first row stands for the place.
    unique: dict[str, list] = {}
    for r in rows:
        unique.setdefault(r[1], [*r[:6], round(r[6], 5), round(r[7], 5), *r[8:]])
    write_gz("venues.csv.gz", VENUE_HEADER, list(unique.values()))


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/data/fr")
    OUT.mkdir(parents=True, exist_ok=True)
    postcode_of_insee = derive_communes(source)
    derive_venues(source, postcode_of_insee)


if __name__ == "__main__":
    main()
