"""Reading an interaction log from CSV, refusing a malformed one with its line number.

Columns: `user_id,item_id,timestamp` (ISO 8601, or Unix seconds), and
optionally `category`, `item_lat`, `item_lon`, `user_lat`, `user_lon` (an empty
cell is unknown; coordinates come in pairs). An item's or user's attributes
are those of its last line that gives them.
"""

import csv
import math
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from tqdm import tqdm

from recommendations.pipeline.interactions import Interactions, interactions_build

REQUIRED_COLUMNS = ("user_id", "item_id", "timestamp")
PAIRS = {"item": ("item_lat", "item_lon"), "user": ("user_lat", "user_lon")}


class MalformedLogError(ValueError):
    """The file cannot be read as an interaction log; the message names the line."""


def timestamp_parse(text: str) -> float:
    """Unix seconds of an ISO 8601 date-time (UTC when it has no offset) or of a number."""
    try:
        value = float(text)
    except ValueError:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.timestamp()
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def coordinates_parse(latitude: str, longitude: str) -> tuple[float, float] | None:
    if not latitude and not longitude:
        return None
    if not latitude or not longitude:
        raise ValueError("a latitude without a longitude, or the reverse")
    point = float(latitude), float(longitude)
    if not (abs(point[0]) <= 90 and abs(point[1]) <= 180):
        raise ValueError(f"coordinates out of range ({latitude}, {longitude})")
    return point


def csv_rows(handle) -> Iterator[list[str]]:
    """The CSV rows of `handle`; a line the csv module refuses (a cell over its field size
    limit, 131,072 characters) is a MalformedLogError with its line number."""
    reader = csv.reader(handle)
    try:
        yield from reader
    except csv.Error as error:
        raise MalformedLogError(f"line {reader.line_num}: {error}.") from None


def interactions_read_csv(path: Path, *, progress: bool = False) -> Interactions:
    """The log at `path`; raises MalformedLogError on the first bad line."""
    # utf-8-sig: spreadsheet programs start a UTF-8 CSV with a byte-order mark, which would
    # otherwise become part of the first column's name.
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv_rows(handle)
        header = next(reader, None)
        if not header or not any(cell.strip() for cell in header):
            raise MalformedLogError("line 1: the file is empty; expected a header line.")
        columns = [cell.strip() for cell in header]
        missing = [name for name in REQUIRED_COLUMNS if name not in columns]
        if missing:
            hint = " (is the delimiter a comma?)" if len(columns) == 1 else ""
            raise MalformedLogError(f"line 1: missing column(s) {', '.join(missing)}{hint}.")
        position = {name: columns.index(name) for name in columns}
        has_category = "category" in position
        has_pair = {kind: all(name in position for name in pair) for kind, pair in PAIRS.items()}
        users, items, timestamps = [], [], []
        categories: dict[str, str] = {}
        places: dict[str, dict] = {"item": {}, "user": {}}
        rows = tqdm(reader, desc="Reading interactions", unit=" lines", disable=not progress)
        for line_number, row in enumerate(rows, start=2):
            if len(row) != len(columns):
                raise MalformedLogError(
                    f"line {line_number}: {len(row)} fields where the header has {len(columns)}."
                )
            user, item = row[position["user_id"]].strip(), row[position["item_id"]].strip()
            if not user or not item:
                raise MalformedLogError(f"line {line_number}: empty user_id or item_id.")
            text = row[position["timestamp"]].strip()
            try:
                timestamps.append(timestamp_parse(text))
            except ValueError:
                raise MalformedLogError(
                    f"line {line_number}: timestamp {text!r} is neither ISO 8601 nor Unix seconds."
                ) from None
            users.append(user)
            items.append(item)
            if has_category and row[position["category"]].strip():
                categories[item] = row[position["category"]].strip()
            for kind, (latitude, longitude) in PAIRS.items():
                if not has_pair[kind]:
                    continue
                try:
                    point = coordinates_parse(
                        row[position[latitude]].strip(), row[position[longitude]].strip()
                    )
                except ValueError as error:
                    raise MalformedLogError(f"line {line_number}: {kind} {error}.") from None
                if point is not None:
                    places[kind][user if kind == "user" else item] = point
    if not users:
        raise MalformedLogError("line 2: no interaction after the header.")
    return interactions_build(
        user_ids=np.array(users, dtype=object),
        item_ids=np.array(items, dtype=object),
        timestamps=np.array(timestamps),
        item_categories=categories if has_category else None,
        item_coordinates=places["item"] if has_pair["item"] else None,
        user_coordinates=places["user"] if has_pair["user"] else None,
    )
