"""Interactions as arrays: who booked (or checked in at) what and when, and what is known of both.

Users and items are addressed by position (0..n-1); `user_ids` and `item_ids`
map positions back to their external ids. Every split of a dataset keeps the
same positions, so a model fitted on training rows scores test rows directly.
Items are ordered by id when built from the database, so ties between equal
scores go to the lower offer id, as the served lists always did.
"""

from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

# Optional attributes a scorer may need; a dataset says which it has.
CATEGORY = "category"
ITEM_LOCATION = "item_location"
USER_LOCATION = "user_location"

NO_CATEGORY = -1


@dataclass(frozen=True)
class Interactions:
    """A log of interactions and the attributes of its users and items.

    - `users`, `items`, `timestamps`: one entry per interaction (positions, Unix seconds).
    - `item_categories`: a code into `category_names` per item, NO_CATEGORY when unknown.
    - `item_coordinates`, `user_coordinates`: (n, 2) latitude and longitude, NaN when
      unknown (a digital offer, a user without a home).
    - `catalogue`: which items may be recommended (bookable offers; in an offline
      evaluation, the items seen in training).
    - `attributes`: which of CATEGORY, ITEM_LOCATION and USER_LOCATION were given.
    """

    user_ids: np.ndarray
    item_ids: np.ndarray
    users: np.ndarray
    items: np.ndarray
    timestamps: np.ndarray
    item_categories: np.ndarray
    category_names: np.ndarray
    item_coordinates: np.ndarray
    user_coordinates: np.ndarray
    catalogue: np.ndarray
    attributes: frozenset[str]
    # Each item's radius in km when the source knows it (the database: category
    # and venue kind); None lets the geo scorer derive it from category names.
    item_radius_km: np.ndarray | None = None

    @property
    def n_users(self) -> int:
        return len(self.user_ids)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    def __len__(self) -> int:
        return len(self.users)

    def matrix(self) -> sp.csr_matrix:
        """The binary user x item matrix (float32): a pair repeated counts once."""
        matrix = sp.csr_matrix(
            (np.ones(len(self.users), dtype=np.float32), (self.users, self.items)),
            shape=(self.n_users, self.n_items),
        )
        matrix.sum_duplicates()
        matrix.data[:] = 1.0
        return matrix

    def item_counts(self, *, since: float | None = None) -> np.ndarray:
        """Interactions per item (repeats included), only those at or after `since` if given."""
        items = self.items if since is None else self.items[self.timestamps >= since]
        return np.bincount(items, minlength=self.n_items).astype(np.float64)

    def select(self, mask: np.ndarray) -> "Interactions":
        """The interactions where `mask` is true, with the same users, items and catalogue."""
        return replace(
            self, users=self.users[mask], items=self.items[mask], timestamps=self.timestamps[mask]
        )

    def with_catalogue(self, catalogue: np.ndarray) -> "Interactions":
        return replace(self, catalogue=np.asarray(catalogue, dtype=bool))

    def user_positions(self, user_ids) -> np.ndarray:
        """Positions of `user_ids`, -1 for ids not in the dataset."""
        return ids_positions(known=self.user_ids, wanted=np.asarray(user_ids))

    def item_positions(self, item_ids) -> np.ndarray:
        """Positions of `item_ids`, -1 for ids not in the dataset."""
        return ids_positions(known=self.item_ids, wanted=np.asarray(item_ids))


def ids_positions(*, known: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    if len(known) == 0 or len(wanted) == 0:
        return np.full(len(wanted), -1, dtype=np.int64)
    order = np.argsort(known, kind="stable")
    found = np.searchsorted(known, wanted, sorter=order).clip(max=len(known) - 1)
    positions = order[found]
    return np.where(known[positions] == wanted, positions, -1)


def interactions_build(
    *,
    user_ids: np.ndarray,
    item_ids: np.ndarray,
    timestamps: np.ndarray,
    item_categories: dict | None = None,
    item_coordinates: dict | None = None,
    user_coordinates: dict | None = None,
    extra_items: np.ndarray | None = None,
    extra_users: np.ndarray | None = None,
) -> Interactions:
    """A dataset from one entry per interaction (external ids), with attributes by external id.

    `item_categories` maps an item id to its category name; `item_coordinates`
    and `user_coordinates` map an id to (latitude, longitude), absent or NaN
    when unknown. Passing a mapping (even empty) declares the attribute given.
    `extra_items` / `extra_users` add ids with no interaction (a bookable offer
    nobody booked yet, a user without history). The catalogue is every item.
    """
    user_ids = np.asarray(user_ids)
    item_ids = np.asarray(item_ids)
    all_users = user_ids if extra_users is None else np.concatenate([user_ids, extra_users])
    all_items = item_ids if extra_items is None else np.concatenate([item_ids, extra_items])
    users_known, users = np.unique(all_users, return_inverse=True)
    items_known, items = np.unique(all_items, return_inverse=True)
    users, items = users[: len(user_ids)], items[: len(item_ids)]
    attributes = set()
    if item_categories is not None:
        attributes.add(CATEGORY)
        category_names = np.array(sorted(set(item_categories.values()) - {""}), dtype=object)
        code = {name: position for position, name in enumerate(category_names)}
        categories = np.array(
            [code.get(item_categories.get(item, ""), NO_CATEGORY) for item in items_known.tolist()],
            dtype=np.int32,
        )
    else:
        category_names = np.array([], dtype=object)
        categories = np.full(len(items_known), NO_CATEGORY, dtype=np.int32)
    if item_coordinates is not None:
        attributes.add(ITEM_LOCATION)
    if user_coordinates is not None:
        attributes.add(USER_LOCATION)
    return Interactions(
        user_ids=users_known,
        item_ids=items_known,
        users=users.astype(np.int32),
        items=items.astype(np.int32),
        timestamps=np.asarray(timestamps, dtype=np.float64),
        item_categories=categories,
        category_names=category_names,
        item_coordinates=coordinates_array(ids=items_known, known=item_coordinates or {}),
        user_coordinates=coordinates_array(ids=users_known, known=user_coordinates or {}),
        catalogue=np.ones(len(items_known), dtype=bool),
        attributes=frozenset(attributes),
    )


def coordinates_array(*, ids: np.ndarray, known: dict) -> np.ndarray:
    nowhere = (np.nan, np.nan)
    points = [known.get(key, nowhere) for key in ids.tolist()]
    return np.array(points, dtype=np.float64).reshape(len(ids), 2)
