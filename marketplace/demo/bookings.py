"""The demo booking history: each person books near home, mostly in their favourite categories.

Every person gets as many booking "slots" as their activity. A slot picks a
category (a favourite with the person's fidelity, otherwise anything, by
appeal), then an offer: online offers by popularity, venue offers through a grid
of ~11 km cells, by drawing a point around home (mostly within the person's
travel radius, sometimes further) and an offer of that cell (or of the nearest
cell that has one) by popularity, never across the sea: people of La Réunion
book at La Réunion (marketplace.territories). Booking times follow the offer: before the
event (lead times per kind), evenings and weekends favoured. Full offers and
repeated (person, offer) pairs are drawn again, up to a few rounds.
"""

from dataclasses import dataclass

import numpy as np

from marketplace.demo.catalogue import CATEGORY_SLUGS, KINDS, Catalogue
from marketplace.demo.clock import DAY, HOUR, weekday
from marketplace.demo.opendata import Communes
from marketplace.demo.people import People, category_appeal
from marketplace.territories import territories_of

CONFIRMED, CANCELLED, USED = 0, 1, 2
STATUS_NAMES = ("confirmed", "cancelled", "used")
# Grid for the neighbourhood search, over the whole globe so that overseas
# France has cells of its own; only cells holding offers are ever stored.
GRID_SOUTH, GRID_WEST, CELL_LAT, CELL_LON = -90.0, -180.0, 0.1, 0.15
GRID_ROWS, GRID_COLUMNS = 1800, 2400
KM_PER_DEGREE = 111.2
# Relative booking activity of each local hour (people book at lunch and in the evening).
BOOKING_HOURS = np.array(
    [0.3, 0.15, 0.1, 0.05, 0.05, 0.1, 0.3, 0.8, 1.2, 1.4, 1.5, 1.6,
     2.0, 1.9, 1.5, 1.4, 1.5, 1.8, 2.3, 2.6, 2.7, 2.4, 1.6, 0.8]
)  # fmt: skip
QUANTITIES = np.array([1, 2, 3, 4])
QUANTITY_WEIGHTS = np.array([0.65, 0.25, 0.06, 0.04])
ROUNDS = 5
SCHEDULES = np.array([{"event": 0, "range": 1, "open": 2}[kind.schedule] for kind in KINDS])
LEAD_DAYS = np.array([kind.lead_days for kind in KINDS])
MAX_QUANTITY = np.array([kind.max_quantity for kind in KINDS])


@dataclass
class History:
    """Column table of the bookings, ordered by creation time; times are local seconds."""

    user: np.ndarray
    offer: np.ndarray
    quantity: np.ndarray
    amount_cents: np.ndarray
    status: np.ndarray
    created_at: np.ndarray
    cancelled_at: np.ndarray  # NULL unless cancelled
    updated_at: np.ndarray
    booked_quantity: np.ndarray  # per offer: quantities of live bookings

    def __len__(self) -> int:
        return len(self.user)


def grid_cell(latitude: np.ndarray, longitude: np.ndarray) -> np.ndarray:
    row = np.clip(((latitude - GRID_SOUTH) / CELL_LAT).astype(np.int64), 0, GRID_ROWS - 1)
    column = np.clip(((longitude - GRID_WEST) / CELL_LON).astype(np.int64), 0, GRID_COLUMNS - 1)
    return row * GRID_COLUMNS + column


def cell_centre(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    row, column = np.divmod(cells, GRID_COLUMNS)
    return GRID_SOUTH + (row + 0.5) * CELL_LAT, GRID_WEST + (column + 0.5) * CELL_LON


class CellIndex:
    """Offers of one category grouped by grid cell, for drawing by weight within a cell."""

    def __init__(self, offers: np.ndarray, cells: np.ndarray, weights: np.ndarray) -> None:
        keep = weights > 0
        offers, cells, weights = offers[keep], cells[keep], weights[keep]
        order = np.argsort(cells, kind="stable")
        self.offers, self.cumulative = offers[order], np.cumsum(weights[order])
        self.cells, self.start = np.unique(cells[order], return_index=True)
        self.end = np.append(self.start[1:], len(order))
        self.latitude, self.longitude = cell_centre(self.cells)

    def __bool__(self) -> bool:
        return len(self.cells) > 0

    def nearest(self, latitude: np.ndarray, longitude: np.ndarray) -> np.ndarray:
        """Position (in `self.cells`) of the non-empty cell nearest to each point."""
        result = np.empty(len(latitude), dtype=np.int64)
        scale = np.cos(np.radians(latitude))[:, None]
        for chunk in range(0, len(latitude), 2048):
            part = slice(chunk, chunk + 2048)
            d_lat = latitude[part, None] - self.latitude[None, :]
            d_lon = (longitude[part, None] - self.longitude[None, :]) * scale[part]
            result[part] = np.argmin(d_lat * d_lat + d_lon * d_lon, axis=1)
        return result

    def draw(
        self, rng: np.random.Generator, latitude: np.ndarray, longitude: np.ndarray
    ) -> np.ndarray:
        """An offer for each point: from its cell, or the nearest cell holding one."""
        wanted = grid_cell(latitude, longitude)
        position = np.clip(np.searchsorted(self.cells, wanted), 0, len(self.cells) - 1)
        missing = self.cells[position] != wanted
        if missing.any():
            unique, inverse = np.unique(wanted[missing], return_inverse=True)
            centre_lat, centre_lon = cell_centre(unique)
            position[missing] = self.nearest(centre_lat, centre_lon)[inverse]
        start, end = self.start[position], self.end[position]
        below = np.where(start > 0, self.cumulative[np.maximum(start - 1, 0)], 0.0)
        target = below + rng.random(len(position)) * (self.cumulative[end - 1] - below)
        picked = np.searchsorted(self.cumulative, target, side="right")
        return self.offers[np.clip(picked, start, end - 1)]


class GlobalIndex:
    """Online offers of one category, drawn by weight."""

    def __init__(self, offers: np.ndarray, weights: np.ndarray) -> None:
        keep = weights > 0
        self.offers, self.cumulative = offers[keep], np.cumsum(weights[keep])

    def __bool__(self) -> bool:
        return len(self.offers) > 0

    @property
    def total(self) -> float:
        return float(self.cumulative[-1]) if len(self.cumulative) else 0.0

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        picked = np.searchsorted(self.cumulative, rng.random(n) * self.total, side="right")
        return self.offers[np.minimum(picked, len(self.offers) - 1)]


def offer_timing(catalogue: Catalogue, window_start: int, now: int) -> np.ndarray:
    """How much booking each offer could attract over the period, relative to a one-off event.

    Past events count once; upcoming ones only for the bookings already made
    (those made further ahead than the time left, with the kind's lead times);
    date ranges and undated offers by the months they were on sale.
    """
    schedule = SCHEDULES[catalogue.kind]
    lead = LEAD_DAYS[catalogue.kind] * DAY
    factor = np.ones(len(catalogue))
    event = schedule == 0
    ahead = np.maximum(catalogue.starts_at - now, 0)
    factor[event] = np.exp(-ahead[event] / lead[event])
    lasting = ~event
    opens = np.maximum(catalogue.published_at, window_start)
    closes = np.where(schedule == 1, np.minimum(catalogue.ends_at, now), now)
    factor[lasting] = np.maximum(closes - opens, 0)[lasting] / (30 * DAY)
    # Events too far ahead to have bookings yet: none, even when nothing else is near.
    factor[factor < 1e-3] = 0.0
    return factor


def _reshape_times(
    rng: np.random.Generator, created: np.ndarray, latest: np.ndarray, earliest: np.ndarray
) -> np.ndarray:
    """Move booking times to realistic hours (and some to the weekend) within bounds."""
    days = created // DAY
    pulled = rng.random(len(days)) < 0.25
    to_weekend = (weekday(days) - 5) % 7 - (rng.random(len(days)) < 0.5)
    days = np.where(pulled, days - np.maximum(to_weekend, 0), days)
    hours = rng.choice(24, size=len(days), p=BOOKING_HOURS / BOOKING_HOURS.sum())
    moved = days * DAY + hours * HOUR + rng.integers(0, HOUR, len(days))
    fits = (moved < latest) & (moved >= earliest)
    return np.where(fits, moved, created)


def _times_and_statuses(
    rng: np.random.Generator,
    catalogue: Catalogue,
    offer: np.ndarray,
    window_start: int,
    now: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """created_at, status, cancelled_at and updated_at of bookings of `offer`."""
    n = len(offer)
    kind = catalogue.kind[offer]
    schedule = SCHEDULES[kind]
    starts, ends = catalogue.starts_at[offer], catalogue.ends_at[offer]
    published = catalogue.published_at[offer]
    lead = rng.exponential(LEAD_DAYS[kind] * DAY) + HOUR / 2
    past_event = (schedule == 0) & (starts < now)
    # Events: some time before they start (for upcoming ones, memorylessness puts
    # the bookings already made at an exponential distance before now).
    created = np.where(past_event, starts - lead, now - lead + HOUR / 2)
    lasting = schedule != 0
    opens = np.maximum(published, window_start)
    closes = np.where(schedule == 1, np.minimum(ends, now), now)
    spread = opens + rng.random(n) * np.maximum(closes - opens, 1)
    created = np.where(lasting, spread, created).astype(np.int64)
    created = np.maximum(created, published + HOUR)
    latest = np.where(schedule == 0, np.minimum(starts - HOUR / 2, now), np.minimum(closes, now))
    created = np.minimum(created, latest - 60).astype(np.int64)
    created = _reshape_times(rng, created, latest, published + HOUR)
    created -= created % 60

    over = np.where(schedule == 2, created + 3 * DAY, ends) <= now
    draw = rng.random(n)
    status = np.full(n, CONFIRMED, dtype=np.int64)
    status[over] = USED
    status[(schedule == 2) & over & (draw > 0.85)] = CONFIRMED  # codes not activated yet
    cancel_share = np.select([schedule == 0, schedule == 1], [0.07, 0.04], 0.03)
    cancelled = rng.random(n) < cancel_share
    status[cancelled] = CANCELLED
    cancel_by = np.where(schedule == 0, np.minimum(starts, now), now)
    cancelled_at = created + (rng.random(n) * np.maximum(cancel_by - created, 60)).astype(np.int64)
    cancelled_at = np.minimum(np.maximum(cancelled_at - cancelled_at % 60, created + 60), now)
    used_at = np.where(schedule == 2, created + rng.integers(60, 3 * DAY, n), ends)
    updated = np.select(
        [status == CANCELLED, status == USED],
        [cancelled_at, np.minimum(used_at, now)],
        created,
    )
    cancelled_at = np.where(status == CANCELLED, cancelled_at, np.iinfo(np.int64).min)
    return created, status, cancelled_at, updated


def _admitted(bookings: dict[str, np.ndarray], stock: np.ndarray, n_offers: int) -> np.ndarray:
    """Which bookings stand: one per person and offer, live ones within the stock.

    Earlier entries win repeats; places go first come, first served.
    """
    keep = np.zeros(len(bookings["user"]), dtype=bool)
    _, first = np.unique(bookings["user"] * n_offers + bookings["offer"], return_index=True)
    keep[first] = True
    live = keep & (bookings["status"] != CANCELLED)
    order = np.lexsort((bookings["created"], bookings["offer"]))
    order = order[live[order]]
    taken = np.cumsum(bookings["quantity"][order])
    offer_sorted = bookings["offer"][order]
    first_of_offer = np.searchsorted(offer_sorted, offer_sorted, side="left")
    before = np.where(first_of_offer > 0, taken[np.maximum(first_of_offer - 1, 0)], 0)
    limit = stock[offer_sorted]
    keep[order[(limit >= 0) & (taken - before > limit)]] = False
    return keep


def _offers_draw(
    rng: np.random.Generator,
    people: People,
    homes: tuple[np.ndarray, np.ndarray],
    users: np.ndarray,
    categories: np.ndarray,
    catalogue: Catalogue,
    weight: np.ndarray,
    round_number: int,
) -> np.ndarray:
    """An offer of each slot's category for each slot's person (-1 when none has weight).

    `homes` holds every person's home latitude and longitude.
    """
    home_lat, home_lon = homes[0][users], homes[1][users]
    home_land = territories_of(latitudes=home_lat, longitudes=home_lon)
    online = catalogue.venue < 0
    offer_land = territories_of(latitudes=catalogue.latitude, longitudes=catalogue.longitude)
    cells = grid_cell(
        np.nan_to_num(catalogue.latitude, nan=GRID_SOUTH),
        np.nan_to_num(catalogue.longitude, nan=GRID_WEST),
    )
    offer = np.full(len(users), -1, dtype=np.int64)
    for c in range(len(CATEGORY_SLUGS)):
        in_category = catalogue.category == c
        remote = GlobalIndex(np.flatnonzero(in_category & online), weight[in_category & online])
        for land in np.unique(home_land[categories == c]):
            slots = np.flatnonzero((categories == c) & (home_land == land))
            local_offers = np.flatnonzero(in_category & ~online & (offer_land == land))
            local = CellIndex(local_offers, cells[local_offers], weight[local_offers])
            local_total = float(weight[local_offers].sum())
            if not remote and not local:
                continue
            goes_online = rng.random(len(slots)) < remote.total / (remote.total + local_total)
            if remote and goes_online.any():
                offer[slots[goes_online]] = remote.draw(rng, int(goes_online.sum()))
            near = slots[~goes_online]
            if local and len(near):
                # Mostly within the radius (closer is likelier), a tenth further away;
                # slots refused for want of places look further at each round.
                far = rng.random(len(near)) < 0.1
                reach = people.radius_km[users[near]] * 1.5**round_number
                distance = reach * np.where(
                    far, 1 + rng.exponential(2.0, len(near)), rng.random(len(near))
                )
                angle = rng.uniform(0, 2 * np.pi, len(near))
                lat = home_lat[near] + distance * np.cos(angle) / KM_PER_DEGREE
                lon = home_lon[near] + distance * np.sin(angle) / (
                    KM_PER_DEGREE * np.cos(np.radians(home_lat[near]))
                )
                offer[near] = local.draw(rng, lat, lon)
    return offer


def history_generate(
    *,
    rng: np.random.Generator,
    people: People,
    communes: Communes,
    catalogue: Catalogue,
    window_start: int,
    now: int,
    target: int,
    progress=None,
) -> History:
    """At most `target` bookings of `people` over [window_start, now] (local seconds).

    People's activities should add up to a little more than `target`, as some
    slots find no place; the surplus is then dropped at random.
    """
    n_offers = len(catalogue)
    users = np.repeat(np.arange(len(people)), people.activity)
    appeal = category_appeal()
    favourite = rng.random(len(users)) < people.fidelity[users]
    cumulative = np.cumsum(people.favourite_weights[users], axis=1)
    choice = (rng.random(len(users))[:, None] > cumulative).sum(axis=1)
    category = np.where(
        favourite,
        people.favourites[users, np.minimum(choice, 2)],
        rng.choice(len(CATEGORY_SLUGS), size=len(users), p=appeal),
    )

    homes = (communes.latitude[people.commune], communes.longitude[people.commune])
    timing = offer_timing(catalogue, window_start, now)
    weight = catalogue.popularity * timing
    quantity_cap = MAX_QUANTITY[catalogue.kind]
    stock = catalogue.stock
    accepted = {
        name: np.empty(0, dtype=np.int64)
        for name in ("user", "offer", "quantity", "created", "status", "cancelled", "updated")
    }
    pending_users, pending_categories = users, category
    for round_number in range(ROUNDS):
        if not len(pending_users):
            break
        offer = _offers_draw(
            rng, people, homes, pending_users, pending_categories, catalogue, weight, round_number
        )
        placed = offer >= 0
        new_users, new_offers = pending_users[placed], offer[placed]
        quantity = rng.choice(QUANTITIES, size=len(new_offers), p=QUANTITY_WEIGHTS)
        quantity = np.minimum(quantity, quantity_cap[new_offers])
        created, status, cancelled_at, updated = _times_and_statuses(
            rng, catalogue, new_offers, window_start, now
        )
        new = {
            "user": new_users,
            "offer": new_offers,
            "quantity": quantity,
            "created": created,
            "status": status,
            "cancelled": cancelled_at,
            "updated": updated,
        }
        merged = {name: np.concatenate([accepted[name], new[name]]) for name in accepted}
        keep = _admitted(merged, stock, n_offers)
        accepted = {name: values[keep] for name, values in merged.items()}
        live_quantity = np.bincount(
            accepted["offer"][accepted["status"] != CANCELLED],
            weights=accepted["quantity"][accepted["status"] != CANCELLED],
            minlength=n_offers,
        )
        full = (stock >= 0) & (stock - live_quantity < 1)
        weight = np.where(full, 0.0, weight)
        # Refused slots (repeats, no place left) are drawn again in the next round.
        n_old = len(merged["user"]) - len(new_users)
        refused_old, refused_new = ~keep[:n_old], ~keep[n_old:]
        pending_users = np.concatenate(
            [merged["user"][:n_old][refused_old], new_users[refused_new], pending_users[~placed]]
        )
        pending_categories = np.concatenate(
            [
                catalogue.category[merged["offer"][:n_old][refused_old]],
                catalogue.category[new_offers[refused_new]],
                pending_categories[~placed],
            ]
        )
        if progress is not None:
            progress.update(1)

    surplus = len(accepted["user"]) - target
    if surplus > 0:
        # The demo shopper (person 0) keeps a complete history.
        ranks = rng.random(len(accepted["user"])) + (accepted["user"] == 0)
        dropped = np.argsort(ranks, kind="stable")[:surplus]
        keep = np.ones(len(ranks), dtype=bool)
        keep[dropped] = False
        accepted = {name: values[keep] for name, values in accepted.items()}
    order = np.lexsort((accepted["offer"], accepted["user"], accepted["created"]))
    accepted = {name: values[order] for name, values in accepted.items()}
    live = accepted["status"] != CANCELLED
    booked = np.bincount(
        accepted["offer"][live], weights=accepted["quantity"][live], minlength=n_offers
    ).astype(np.int64)
    return History(
        user=accepted["user"],
        offer=accepted["offer"],
        quantity=accepted["quantity"],
        amount_cents=catalogue.price_cents[accepted["offer"]] * accepted["quantity"],
        status=accepted["status"],
        created_at=accepted["created"],
        cancelled_at=accepted["cancelled"],
        updated_at=accepted["updated"],
        booked_quantity=booked,
    )
