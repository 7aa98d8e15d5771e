"""Times of the demo, as int64 seconds: generated on the Paris wall clock, stored in UTC.

Events are scheduled in local time (a concert at 20:30 in Paris), so generation
works on "local seconds" (the wall-clock time counted as if it were UTC) and
converts once at the end; the offset is looked up per day, which is exact except
for the hour of a daylight-saving switch, in the middle of the night.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

PARIS = ZoneInfo("Europe/Paris")
HOUR = 3600
DAY = 24 * HOUR
NULL = np.iinfo(np.int64).min  # "no time" in an int64 column
EPOCH = date(1970, 1, 1)


def local_day(day: date) -> int:
    """The day number (days since 1970-01-01) of a calendar date."""
    return (day - EPOCH).days


def weekday(days: np.ndarray) -> np.ndarray:
    """Monday = 0 … Sunday = 6 for day numbers (1970-01-01 was a Thursday)."""
    return (days + 3) % 7


def _paris_offsets(days: np.ndarray) -> np.ndarray:
    unique, inverse = np.unique(days, return_inverse=True)
    offsets = np.array(
        [
            PARIS.utcoffset(datetime(1970, 1, 1) + timedelta(days=int(day), hours=12))
            / timedelta(seconds=1)
            for day in unique
        ],
        dtype=np.int64,
    )
    return offsets[inverse]


def local_to_utc(local_seconds: np.ndarray) -> np.ndarray:
    """UTC seconds of Paris wall-clock seconds; NULL stays NULL."""
    result = np.full(local_seconds.shape, NULL, dtype=np.int64)
    present = local_seconds != NULL
    values = local_seconds[present]
    result[present] = values - _paris_offsets(values // DAY)
    return result


def to_datetime(utc_seconds: int) -> datetime | None:
    """An aware datetime of UTC seconds, None for NULL."""
    if utc_seconds == NULL:
        return None
    return datetime.fromtimestamp(int(utc_seconds), tz=UTC)
