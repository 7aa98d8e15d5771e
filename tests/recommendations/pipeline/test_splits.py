"""Temporal splits: test never precedes training, and tuning never sees the test set."""

import numpy as np
import pytest

from recommendations.pipeline.interactions import interactions_build
from recommendations.pipeline.splits import split_make, validation_split


@pytest.fixture
def log():
    rng = np.random.default_rng(7)
    size = 3000
    return interactions_build(
        user_ids=rng.integers(0, 200, size),
        item_ids=rng.integers(0, 300, size),
        # Coarse times: many ties, which must not break the properties.
        timestamps=rng.integers(0, 500, size).astype(float),
    )


def triples(interactions) -> list[tuple]:
    return sorted(
        zip(
            interactions.users.tolist(),
            interactions.items.tolist(),
            interactions.timestamps.tolist(),
            strict=True,
        )
    )


def test_time_split_puts_the_last_fraction_in_test_and_nothing_before_training(log):
    split = split_make(log, kind="time", test_fraction=0.2)

    assert len(split.test) == int(0.2 * len(log))
    assert split.test.timestamps.min() >= split.train.timestamps.max()


def test_user_time_split_holds_out_each_active_users_last_interactions(log):
    split = split_make(log, kind="user-time", test_fraction=0.25)

    counts = np.bincount(log.users, minlength=log.n_users)
    in_test = np.bincount(split.test.users, minlength=log.n_users)
    expected = np.where(counts >= 5, np.floor(0.25 * counts), 0)
    assert (in_test == expected).all()
    for user in np.unique(split.test.users):
        mine_train = split.train.timestamps[split.train.users == user]
        mine_test = split.test.timestamps[split.test.users == user]
        assert mine_test.min() >= mine_train.max()


@pytest.mark.parametrize("kind", ["time", "user-time"])
def test_validation_split_is_carved_from_training_only(log, kind):
    split = split_make(log, kind=kind, test_fraction=0.2)

    validation = validation_split(split)

    seen = triples(validation.train) + triples(validation.test)
    assert sorted(seen) == triples(split.train)
    assert validation.now <= split.now
    # The catalogue of the validation split is what its own training part saw.
    assert (validation.train.catalogue <= split.train.catalogue).all()


def test_catalogue_is_the_items_seen_in_training(log):
    split = split_make(log, kind="time", test_fraction=0.3)

    seen = np.zeros(log.n_items, dtype=bool)
    seen[split.train.items] = True
    assert (split.train.catalogue == seen).all()


def test_an_unknown_split_or_fraction_is_refused(log):
    with pytest.raises(ValueError, match="Unknown split"):
        split_make(log, kind="random", test_fraction=0.2)
    with pytest.raises(ValueError, match="between 0 and 1"):
        split_make(log, kind="time", test_fraction=1.0)
