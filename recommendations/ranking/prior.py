"""The popularity prior: what the ranker falls back to when no model beats it (ADR 0023).

Plain popularity (distinct people per item) plus three regularities of check-in and
booking logs that hold whatever the region, and one of dense logs (ADR 0024):

    log(1 + people)
      - distance_exponent * log(1 + distance / the user's usual distance)
      + neighbours_weight * log(1 + NEIGHBOUR_SCALE * neighbours)
      + transitions_weight * log(1 + transitions)
      + co_interactions_weight * log(1 + CO_INTERACTION_SCALE * co_interactions)

- a place's pull falls as a power of its distance (Ye et al., SIGIR 2011, on Foursquare
  and Gowalla), measured against how far this user usually goes (a villager and a city
  dweller differ);
- people go where the users most like them go: `neighbours` sums, over the other users,
  the cosine of their histories with this user's (user-kNN over everybody), which tells
  the user's region and habits apart without coordinates;
- people go on from where they are: `transitions` counts how often, for anybody, the
  item followed (or preceded) one of the user's last places within a day (successive
  check-ins, as in Cheng et al., IJCAI 2013);
- people have what goes with what they had: `co_interactions` is the user's history
  times the item-item weights that EASE learns from co-interactions (Steck, WWW 2019;
  negative weights count as none), the regularity of dense logs (film ratings). It
  enters only where the validation proves it on its own (one comparison, made before any
  average): on check-in logs the grid's best point with it was chosen by noise, and
  comparing the best of the points with it (twice as many) to the best of those without
  favoured it (ADR 0023).

The weights are fitted on the training data by a validation built like the offline
evaluation (each user hides the last fifth of their interactions, as the user-time split
does; the prior is computed from the rest at its end and ranks every item they had not
had), over a small grid that holds (0, 0, 0, 0), plain popularity. The prior takes the mean
weights of the grid's AVERAGED_POINTS best points on that validation that the validation
cannot tell from the best (within NOISE_STANDARD_ERRORS), not the best point alone: on a
log of a few dozen users the best point is chosen by noise, and its neighbours on the
grid carry the same signal with other noise; on a log of thousands, the best point is
known and the average narrows to it (ADR 0023)."""

import itertools
from dataclasses import astuple, dataclass, replace

import numpy as np
from scipy import sparse

from recommendations.evaluation.metrics import ndcg_at_k
from recommendations.pipeline.ease import ease_fit
from recommendations.pipeline.ranking import NO_ITEM, top_k
from recommendations.pipeline.scoring import CELLS_PER_BLOCK, block_users
from recommendations.pipeline.splits import users_last_fraction
from recommendations.ranking.candidates import user_item_distances
from recommendations.ranking.data import RankingData
from recommendations.ranking.snapshot import Snapshot, snapshot_build

# Coarse on purpose: a finer grid chose by noise on the pseudo-logs of ADR 0023.
DISTANCE_EXPONENTS = (0.0, 0.4, 0.8)
NEIGHBOURS_WEIGHTS = (0.0, 1.0, 2.0)
TRANSITIONS_WEIGHTS = (0.0, 0.5, 1.0)
CO_INTERACTIONS_WEIGHTS = (0.0, 1.0, 2.0)
# The co-interactions term enters the prior only if it proves itself on the validation
# (`co_interactions_admitted`): the best point without it, plus this weight, must lead
# that point by more than NOISE_STANDARD_ERRORS paired standard errors.
PROBED_CO_INTERACTIONS_WEIGHT = 1.0
VALIDATION_WINDOWS = 2
# Where the neighbours' log bends: cosines between check-in histories are mostly 0.01-0.2,
# so a tenth of a fully similar neighbour counts about as much as popularity's first person.
NEIGHBOUR_SCALE = 10.0
# Where the co-interactions' log bends: an EASE score of 0.1 counts as much as popularity's
# first person, so from a weight of 1 EASE's order leads among the items it scores well.
CO_INTERACTION_SCALE = 10.0
# EASE's ridge, in units of the modelled items' mean number of people (`ease_fit`'s
# `relative`), and the items it models (the most chosen; the inverse is dense in them).
# Not fitted per log: the grid's weight and the entry test adapt the term to each log. On
# MovieLens 100k's five cuts, 1, 2, 3, 4 and 6 gave the prior 1.096, 1.110, 1.110, 1.110
# and 1.100 of the best tuned baseline, and 3 was also the best on its ratings of 4 and 5
# alone; a fixed ridge of 100, 200, 500 and 1,000 gave 1.108, 1.097, 1.072 and 1.044
# (ADR 0023).
CO_INTERACTION_REGULARISATION = 3.0
CO_INTERACTION_MAX_ITEMS = 3_000
# How many of the validation's best grid points the prior's weights average at most. On the
# ten pseudo-logs of ADR 0023, averaging 3, 5 or 8 points all did better than the best
# point alone (mean NDCG@10 over popularity 1.102, 1.106, 1.101 against 1.077).
AVERAGED_POINTS = 5
# A point whose paired per-user lead of the best is over this many standard errors is
# known to be worse and is not averaged in: the same threshold as the ranker's gate.
NOISE_STANDARD_ERRORS = 2.0
VALIDATION_K = 10
# Users a window draws at most: the prior is fitted at every training, where the gate
# weighs the learned family against it (ADR 0023); a thousand users set a lead of a few
# points of NDCG@10 apart from noise, and the training's cost grows with them.
MAX_VALIDATION_USERS = 1_000
# Users whose (users x items) terms are computed at once: at most this many, fewer over a
# wide catalogue (the terms are float64, so half the pipeline's cells).
USERS_PER_CHUNK = 256
CELLS_PER_CHUNK = CELLS_PER_BLOCK // 2


# What each term of the prior computes, stored with a fallback's artifact: a prior is
# weights, and weights fitted for one definition of a term rank garbage with another.
# Rename a term here whenever its definition changes (`artifact_load` then refuses the
# fallbacks fitted before, as it refuses other features; ADR 0023).
PRIOR_TERMS = (
    "popularity:log-people",
    "distance:log-relative-distance",
    "neighbours:user-knn-cosine",
    "transitions:same-day",
    "co_interactions:ease",
)


@dataclass(frozen=True)
class PopularityPrior:
    distance_exponent: float = 0.0
    neighbours_weight: float = 0.0
    transitions_weight: float = 0.0
    co_interactions_weight: float = 0.0


def prior_log_scores(
    *, snapshot: Snapshot, prior: PopularityPrior, users: np.ndarray, items: np.ndarray
) -> np.ndarray:
    """(users x items) the prior's log-score (above), the same row for everyone when plain."""
    terms = prior_terms(
        snapshot=snapshot,
        users=users,
        items=items,
        distance=bool(prior.distance_exponent),
        neighbours=bool(prior.neighbours_weight),
        transitions=bool(prior.transitions_weight),
        co_interactions=bool(prior.co_interactions_weight),
    )
    return np.broadcast_to(prior_combined(terms=terms, prior=prior), (len(users), len(items)))


def prior_unit_scores(
    *, snapshot: Snapshot, prior: PopularityPrior, users: np.ndarray, items: np.ndarray
) -> np.ndarray:
    """(users x items) the prior's log-scores spread over 0..1 per user, in the same order:
    what the ranker's fallback serves. A squashing such as odds / (1 + odds) would round
    the best items' scores together in float32. A few hundred users at a time: the
    neighbours' term is dense (users x items)."""
    scores = np.empty((len(users), len(items)), dtype=np.float32)
    size = block_users(n_items=len(items), at_most=USERS_PER_CHUNK, cells=CELLS_PER_CHUNK)
    for start in range(0, len(users), size):
        rows = slice(start, start + size)
        log_scores = prior_log_scores(
            snapshot=snapshot, prior=prior, users=users[rows], items=items
        )
        low = log_scores.min(axis=1, keepdims=True)
        span = np.maximum(log_scores.max(axis=1, keepdims=True) - low, np.finfo(float).tiny)
        scores[rows] = (log_scores - low) / span
    return scores


@dataclass(frozen=True)
class PriorTerms:
    """The prior's terms for some users and items: (1, items) popularity, (users x items)
    the others (None when not asked for, or distance without places)."""

    popularity: np.ndarray
    distance: np.ndarray | None
    neighbours: np.ndarray | None
    transitions: np.ndarray | None
    co_interactions: np.ndarray | None


def prior_terms(
    *,
    snapshot: Snapshot,
    users: np.ndarray,
    items: np.ndarray,
    distance: bool,
    neighbours: bool,
    transitions: bool,
    co_interactions: bool,
) -> PriorTerms:
    people = snapshot.item_counts[items, -1].astype(np.float64)
    return PriorTerms(
        popularity=np.log1p(people)[None, :],
        distance=relative_distance_term(snapshot=snapshot, users=users, items=items)
        if distance and snapshot.places is not None
        else None,
        neighbours=np.log1p(
            NEIGHBOUR_SCALE * neighbour_scores(seen=snapshot.seen, users=users)[:, items]
        )
        if neighbours
        else None,
        transitions=np.log1p(
            np.asarray((snapshot.last_places[users] @ snapshot.transitions[:, items]).todense())
        )
        if transitions
        else None,
        co_interactions=np.log1p(
            CO_INTERACTION_SCALE
            * co_interaction_scores(snapshot=snapshot, users=users, items=items)
        )
        if co_interactions
        else None,
    )


def prior_combined(*, terms: PriorTerms, prior: PopularityPrior) -> np.ndarray:
    scores = terms.popularity
    if prior.distance_exponent and terms.distance is not None:
        scores = scores - prior.distance_exponent * terms.distance
    if prior.neighbours_weight:
        scores = scores + prior.neighbours_weight * terms.neighbours
    if prior.transitions_weight:
        scores = scores + prior.transitions_weight * terms.transitions
    if prior.co_interactions_weight:
        scores = scores + prior.co_interactions_weight * terms.co_interactions
    return scores


def relative_distance_term(*, snapshot: Snapshot, users: np.ndarray, items: np.ndarray):
    """log(1 + km over the user's usual distance). Where a place or a home is unknown (a
    digital offer), the item counts as at the usual distance, neither near nor far."""
    distance = user_item_distances(snapshot=snapshot, users=users, items=items)
    ratio = distance / snapshot.distance_scale_km[users, None]
    return np.nan_to_num(np.log1p(ratio), nan=np.log(2.0))


def neighbour_scores(*, seen: sparse.csr_matrix, users: np.ndarray) -> np.ndarray:
    """(users x items) sum over the users of their cosine with each user times their
    (binary) history. A user's own history adds to the items they had only, which are
    never ranked (left out in evaluation and serving alike)."""
    sizes = np.sqrt(np.asarray(seen.sum(axis=1)).ravel())
    inverse = np.divide(1.0, sizes, out=np.zeros_like(sizes), where=sizes > 0)
    similarity = sparse.diags(inverse[users]) @ (seen[users] @ seen.T) @ sparse.diags(inverse)
    return np.asarray((similarity.tocsr() @ seen).todense())


def co_interaction_scores(*, snapshot: Snapshot, users: np.ndarray, items: np.ndarray):
    """(users x items) each user's history times EASE's item-item weights (`ease_fit`,
    fitted once per snapshot), negative scores as 0: an item EASE finds unlike the
    user's must not sink below one it knows nothing of. EASE beat the mean cosine of the
    user's items (item-kNN) as this term: on MovieLens 100k's five cuts the prior rose
    from 1.015 to 1.110 of the best tuned baseline, whose best is EASE itself (ADR 0023)."""
    modelled, weights = co_interaction_weights(snapshot)
    scores = np.zeros((len(users), snapshot.seen.shape[1]), dtype=np.float32)
    scores[:, modelled] = snapshot.seen[users][:, modelled] @ weights
    return np.maximum(scores[:, items], 0.0)


def co_interaction_weights(snapshot: Snapshot) -> tuple[np.ndarray, np.ndarray]:
    """The items EASE models (the CO_INTERACTION_MAX_ITEMS most chosen of the snapshot) and
    its weights between them, kept with the snapshot: every chunk of users reads them."""
    if "co_interaction_weights" not in snapshot.memo:
        snapshot.memo["co_interaction_weights"] = ease_fit(
            snapshot.seen,
            regularisation=CO_INTERACTION_REGULARISATION,
            max_items=CO_INTERACTION_MAX_ITEMS,
            relative=True,
        )
    return snapshot.memo["co_interaction_weights"]


@dataclass(frozen=True)
class ValidationWindow:
    """The offline evaluation in small, inside the training data: what was known when each
    user's hidden last fraction began (`snapshot`, at the end of the rest), the items
    someone had by then and still bookable (`catalogue`: the evaluation ranks the
    bookable catalogue at its own time; in a log without sale dates, every item seen),
    and which of them each user then chose (`relevant`, users x catalogue, leaving out
    what they had before). `users` are those with one (at most MAX_VALIDATION_USERS of
    them, drawn at random)."""

    snapshot: Snapshot
    catalogue: np.ndarray
    relevant: sparse.csr_matrix
    users: np.ndarray


def validation_windows(
    *, data: RankingData, rng: np.random.Generator, label_fraction: float
) -> list[ValidationWindow]:
    """Up to VALIDATION_WINDOWS consecutive windows: each user's last `label_fraction`
    hidden, then the last `label_fraction` of what remains. A few dozen users per window
    (a regional check-in log) choose among the grid's points by noise more than by merit;
    twice the users halve that noise's variance. A first window that already holds
    MAX_VALIDATION_USERS users needs no second: it would double the cost for little."""
    windows, remaining = [], data
    for _ in range(VALIDATION_WINDOWS):
        remaining, hidden_user, hidden_item = hide_last_fraction(
            data=remaining, label_fraction=label_fraction
        )
        if not len(remaining.time) or not len(hidden_user):
            break
        windows.append(
            validation_window(kept=remaining, hidden=(hidden_user, hidden_item), rng=rng)
        )
        if len(windows[-1].users) >= MAX_VALIDATION_USERS:
            break
    return windows


def validation_window(
    *, kept: RankingData, hidden: tuple[np.ndarray, np.ndarray], rng: np.random.Generator
) -> ValidationWindow:
    """The window of the `hidden` (users, items) pairs after `kept`."""
    snapshot = snapshot_build(
        data=kept, at=np.nextafter(float(kept.time.max()), np.inf), with_sequences=True
    )
    catalogue = np.flatnonzero((snapshot.item_counts[:, -1] > 0) & snapshot.available)
    relevant = sparse.csr_matrix((np.ones(len(hidden[0])), hidden), shape=snapshot.seen.shape)
    relevant.data[:] = 1.0
    relevant = relevant - relevant.multiply(snapshot.seen)
    relevant = sparse.csr_matrix(relevant[:, catalogue])
    relevant.eliminate_zeros()
    users = np.flatnonzero((np.diff(relevant.indptr) > 0) & (snapshot.user_count > 0))
    if len(users) > MAX_VALIDATION_USERS:
        users = np.sort(rng.choice(users, size=MAX_VALIDATION_USERS, replace=False))
    return ValidationWindow(snapshot=snapshot, catalogue=catalogue, relevant=relevant, users=users)


def prior_fit(*, windows: list[ValidationWindow]) -> tuple:
    """The prior fitted on the `windows` (the mean of the grid's best points,
    `points_to_average`), and the NDCG@10 of every grid point
    ({"exponent,neighbours,transitions,co-interactions": value}) with the number of users,
    the points averaged and the co-interactions term's proof (`co_interactions_admitted`)."""
    located = bool(windows) and windows[0].snapshot.catalogue.has_coordinates
    grid = [
        PopularityPrior(*weights)
        for weights in itertools.product(
            DISTANCE_EXPONENTS if located else (0.0,),
            NEIGHBOURS_WEIGHTS,
            TRANSITIONS_WEIGHTS,
            CO_INTERACTIONS_WEIGHTS,
        )
    ]
    per_user = np.concatenate(
        [np.empty((0, len(grid)))]
        + [grid_user_ndcg(grid=grid, window=window) for window in windows]
    )
    totals, users = per_user.sum(axis=0), len(per_user)
    figures = {
        prior_key(prior): round(float(total / max(users, 1)), 4)
        for prior, total in zip(grid, totals, strict=True)
    }
    if not users:
        return PopularityPrior(), {"ndcg@10": figures, "users": 0, "averaged": []}
    admitted, probe = co_interactions_admitted(grid=grid, per_user=per_user)
    if not admitted:
        plain = without_co_interactions(grid)
        grid, per_user = [grid[number] for number in np.flatnonzero(plain)], per_user[:, plain]
    best = [grid[number] for number in points_to_average(per_user)]
    weights = np.mean([astuple(prior) for prior in best], axis=0).round(4)
    averaged = PopularityPrior(*(float(weight) for weight in weights))
    return averaged, {
        "ndcg@10": figures,
        "users": users,
        "averaged": [prior_key(prior) for prior in best],
        "co_interactions": probe,
    }


def co_interactions_admitted(*, grid: list[PopularityPrior], per_user: np.ndarray) -> tuple:
    """Whether the validation (`per_user`, users x `grid` points) proves the co-interactions
    term: the best point without it, plus PROBED_CO_INTERACTIONS_WEIGHT of it, leads that
    point by more than NOISE_STANDARD_ERRORS paired standard errors; and the figures.

    One comparison fixed in advance, not the best point with the term against the best
    without: the best of twice as many noisy points wins more often than the term
    deserves (on Gowalla's whole log, a lead of 2.08 standard errors so chosen
    turned into a fall from 1.129 to 0.972 of `popular` on the test, ADR 0023)."""
    totals = per_user.sum(axis=0)
    best = int(np.argmax(np.where(without_co_interactions(grid), totals, -np.inf)))
    probed = grid.index(replace(grid[best], co_interactions_weight=PROBED_CO_INTERACTIONS_WEIGHT))
    lead = per_user[:, probed] - per_user[:, best]
    error = standard_error(lead)
    admitted = bool(lead.mean() > NOISE_STANDARD_ERRORS * error)
    return admitted, {
        "lead": round(float(lead.mean()), 4),
        "standard_error": round(float(error), 4) if np.isfinite(error) else None,
        "admitted": admitted,
    }


def points_to_average(per_user: np.ndarray) -> list[int]:
    """The grid points (columns of `per_user`, each validation user's NDCG@10 in a row)
    whose weights the prior averages: the AVERAGED_POINTS of highest total, one per total,
    less those the validation shows worse than the best by more than NOISE_STANDARD_ERRORS
    paired standard errors.

    Points with exactly the same total ranked every user alike: a term that changed
    nothing (no transitions in a log without same-day sequences) must not get a weight
    from being averaged in, so only the earliest of them (the smaller weights) counts.
    Ties go to the earlier grid point, plain popularity first.
    """
    totals = per_user.sum(axis=0)
    best, totals_seen = [], set()
    for number in np.argsort(-totals, kind="stable"):
        if totals[number] not in totals_seen:
            totals_seen.add(totals[number])
            best.append(int(number))
        if len(best) == AVERAGED_POINTS:
            break
    lead = per_user[:, [best[0]]] - per_user[:, best]
    error = standard_error(lead, alone=0.0)
    kept = lead.mean(axis=0) <= NOISE_STANDARD_ERRORS * error
    return [number for number, keep in zip(best, kept, strict=True) if keep]


def standard_error(leads: np.ndarray, *, alone: float = np.inf):
    """The standard error of the mean of paired per-user `leads` (over their first axis):
    how far a lead on these users is from noise. One user shows no spread: `alone` then
    (infinite, nothing proven, by default)."""
    if len(leads) < 2:
        return alone
    return leads.std(axis=0, ddof=1) / np.sqrt(len(leads))


def without_co_interactions(grid: list[PopularityPrior]) -> np.ndarray:
    """(grid points, bool) the points that give the co-interactions term no weight."""
    return np.array([not prior.co_interactions_weight for prior in grid])


def grid_user_ndcg(*, grid: list[PopularityPrior], window: ValidationWindow) -> np.ndarray:
    """(window's users x grid points) the NDCG@10 of each grid point for each user, ranking
    the window's catalogue as the evaluation does (what a user had is never ranked)."""
    snapshot, catalogue = window.snapshot, window.catalogue
    ndcg = np.zeros((len(window.users), len(grid)))
    size = block_users(n_items=len(catalogue), at_most=USERS_PER_CHUNK, cells=CELLS_PER_CHUNK)
    for start in range(0, len(window.users), size):
        chunk = window.users[start : start + size]
        terms = prior_terms(
            snapshot=snapshot,
            users=chunk,
            items=catalogue,
            distance=True,
            neighbours=True,
            transitions=True,
            co_interactions=True,
        )
        had = snapshot.seen[chunk][:, catalogue].toarray() > 0
        wanted = window.relevant[chunk].toarray() > 0
        # -inf in the popularity term carries into every sum: what a user had is never ranked.
        terms = replace(terms, popularity=np.where(had, -np.inf, terms.popularity))
        others, others_sum = None, None
        # The grid's sums go into two arrays reused for every point: over a wide catalogue a
        # fresh array per sum cost more in page faults than in additions (ADR 0023).
        scores, weighted = np.empty(had.shape), np.empty(had.shape)
        for number, prior in enumerate(grid):
            # The grid varies the transitions and co-interactions weights innermost: the sum
            # of the other terms is computed once for each of their runs (the training's
            # most costly loop).
            without = replace(prior, transitions_weight=0.0, co_interactions_weight=0.0)
            if without != others:
                others, others_sum = without, prior_combined(terms=terms, prior=without)
            np.copyto(scores, others_sum)
            for weight, term in (
                (prior.transitions_weight, terms.transitions),
                (prior.co_interactions_weight, terms.co_interactions),
            ):
                if weight:
                    # The product in the term's own precision, as `prior_combined` computes it.
                    np.add(scores, np.multiply(term, weight, out=weighted), out=scores)
            ndcg[start : start + len(chunk), number] = rows_ndcg(scores=scores, wanted=wanted)
    return ndcg


def prior_key(prior: PopularityPrior) -> str:
    """The grid point's name in the metrics: "distance exponent,neighbours,transitions,
    co-interactions"."""
    return ",".join(f"{weight:g}" for weight in astuple(prior))


def hide_last_fraction(
    *, data: RankingData, label_fraction: float
) -> tuple[RankingData, np.ndarray, np.ndarray]:
    """`data` without each user's last `label_fraction` of interactions (the user-time
    split's rule), and the hidden (user, item) pairs."""
    hidden = users_last_fraction(
        users=data.user, timestamps=data.time, n_users=data.n_users, fraction=label_fraction
    )
    kept = replace(data, user=data.user[~hidden], item=data.item[~hidden], time=data.time[~hidden])
    return kept, data.user[hidden], data.item[hidden]


def rows_ndcg(*, scores: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Each row's NDCG@10 of `scores`' order (ties as in the evaluation) against the
    boolean `wanted`."""
    top = top_k(scores=scores, k=VALIDATION_K)
    hits = np.take_along_axis(wanted, np.maximum(top, 0), axis=1) & (top != NO_ITEM)
    return ndcg_at_k(hits, wanted.sum(axis=1))
