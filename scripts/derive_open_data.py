"""Derive the compact open-data files shipped in `marketplace/data/` from `shared/data/fr/`.

Run once by a maintainer when the sources change; the project never reads the
sources at run time. Usage: python scripts/derive_open_data.py ../shared/data/fr
"""

import csv
import gzip
import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "marketplace" / "data"
METROPOLE_BOUNDS = (41.0, 51.5, -5.5, 10.0)  # Corsica included


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
    south, north, west, east = METROPOLE_BOUNDS
    return (lat, lon) if south <= lat <= north and west <= lon <= east else None


def write_gz(name: str, header: list[str], rows: list[list]) -> None:
    with gzip.open(OUT / name, "wt", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(header)
        writer.writerows(rows)
    print(f"{name}: {len(rows)} rows, {(OUT / name).stat().st_size / 1024:.0f} KiB")


def derive_communes(source: Path) -> dict[str, str]:
    """One row per (commune, postcode) with GPS point and population; returns INSEE → postcode."""
    communes = {c["code"]: c for c in json.loads((source / "communes.json").read_text())}
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


def derive_venues(source: Path, postcode_of_insee: dict[str, str]) -> None:
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
                ]
            )
    for row in read_csv(source / "cinemas_cnc_2022.csv"):
        point = parse_point(f"{row['latitude']},{row['longitude']}")
        if point:
            admissions = int(float(row["entrées 2022"] or 0))
            postcode = postcode_of_insee.get(row["code INSEE"], "")
            rows.append(
                [
                    "cinema",
                    f"cnc:{row['N° auto']}",
                    row["nom"].strip().title(),
                    row["adresse"].strip().title(),
                    postcode,
                    row["commune"].strip(),
                    *point,
                    admissions,
                    "",
                ]
            )
    for row in read_csv(source / "festivals_france.csv"):
        point = parse_point(row["Géocodage xy"])
        if point and row["Identifiant"]:
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
                ]
            )
    rows = [[*r[:6], round(r[6], 5), round(r[7], 5), *r[8:]] for r in rows]
    write_gz(
        "venues.csv.gz",
        [
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
        ],
        rows,
    )


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/data/fr")
    OUT.mkdir(parents=True, exist_ok=True)
    postcode_of_insee = derive_communes(source)
    derive_venues(source, postcode_of_insee)


if __name__ == "__main__":
    main()
