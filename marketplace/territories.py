"""The separate land masses of France, by bounding box: mainland with Corsica, and overseas.

Two points in different territories are never "near", however short the
great-circle line between them: Guadeloupe and Martinique are about 120 km
apart at their closest, inside a festival's radius, but a sea crossing away.
The boxes also tell a real point of France from a broken one in the open data.

Plain Python and numpy, no Django: scripts/derive_open_data.py uses it too.
"""

import numpy as np

# (name, south, north, west, east), in degrees. Saint-Barthélemy and
# Saint-Martin share Guadeloupe's 971 postcodes but are islands of their own.
TERRITORIES: tuple[tuple[str, float, float, float, float], ...] = (
    ("Mainland France and Corsica", 41.0, 51.5, -5.5, 10.0),
    ("Guadeloupe", 15.7, 16.6, -61.9, -60.9),
    ("Martinique", 14.3, 14.95, -61.3, -60.75),
    ("Guyane", 2.0, 6.0, -54.7, -51.5),
    ("La Réunion", -21.45, -20.8, 55.15, 55.9),
    ("Saint-Pierre-et-Miquelon", 46.7, 47.2, -56.45, -56.1),
    ("Mayotte", -13.1, -12.55, 44.9, 45.35),
    ("Saint-Barthélemy", 17.8, 18.0, -62.95, -62.75),
    ("Saint-Martin", 18.0, 18.15, -63.2, -62.95),
)
# The territory of a point in none of the boxes (or without coordinates).
OUTSIDE = -1
_BOXES = np.array([box for _, *box in TERRITORIES], dtype=float)


def territories_of(*, latitudes, longitudes) -> np.ndarray:
    """The position in TERRITORIES of each point, or OUTSIDE; NaN coordinates are OUTSIDE."""
    latitudes = np.asarray(latitudes, dtype=float)[:, None]
    longitudes = np.asarray(longitudes, dtype=float)[:, None]
    south, north, west, east = _BOXES.T
    inside = (south <= latitudes) & (latitudes <= north) & (west <= longitudes)
    inside &= longitudes <= east
    return np.where(inside.any(axis=1), inside.argmax(axis=1), OUTSIDE)


def territory_of(*, latitude: float, longitude: float) -> int:
    """The position in TERRITORIES of one point, or OUTSIDE."""
    return int(territories_of(latitudes=[latitude], longitudes=[longitude])[0])
