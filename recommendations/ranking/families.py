"""The model families compared for ranking candidates (ADR 0023), as scikit-learn pipelines.

Each is built with a seed so that the same data gives the same model.
"""

from contextlib import AbstractContextManager
from functools import cache

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import ThreadpoolController

HIST_GRADIENT_BOOSTING = "hist_gradient_boosting"
LOGISTIC_REGRESSION = "logistic_regression"
FAMILIES = (HIST_GRADIENT_BOOSTING, LOGISTIC_REGRESSION)
# Single features that rank on their own, the plain baselines inside the candidates.
# When one of them beats both learned families on the validation users, it is
# kept instead: on a log where all-time popularity is what predicts (a small
# check-in log), a model fitted on a few dozen users only adds noise.
RANKING_FEATURES = ("item_bookings_all", "item_bookings_decayed", "geo_score")


class FeatureRanker(ClassifierMixin, BaseEstimator):
    """Ranks by one (non-negative) feature column, squashed into 0..1 like a probability."""

    def __init__(self, column: int = 0):
        self.column = column

    def fit(self, features, labels):
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, features):
        value = np.nan_to_num(np.asarray(features, dtype=float)[:, self.column], nan=0.0)
        value = np.maximum(value, 0.0)
        score = value / (1.0 + value)
        return np.column_stack([1 - score, score])


def model_build(*, family: str, seed: int) -> Pipeline:
    if family == HIST_GRADIENT_BOOSTING:
        # Missing values (no coordinates, undated offers) are a branch of their own.
        # Shallow trees and strong leaves: the ranker must carry over to data nobody tuned to.
        model = HistGradientBoostingClassifier(
            max_iter=60,
            learning_rate=0.15,
            max_leaf_nodes=31,
            min_samples_leaf=100,
            l2_regularization=1.0,
            early_stopping=False,
            random_state=seed,
        )
        return Pipeline([("model", model)])
    if family == LOGISTIC_REGRESSION:
        return Pipeline(
            [
                # Columns missing for the whole source (no prices in a check-in log) become 0.
                (
                    "impute",
                    SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
                ),
                ("scale", StandardScaler()),
                ("model", LogisticRegression(C=1.0, max_iter=500, random_state=seed)),
            ]
        )
    raise ValueError(f"Unknown model family {family!r}; choose one of: {', '.join(FAMILIES)}.")


def model_threads(threads: int) -> AbstractContextManager:
    """Cap the native threads of fitting and predicting. On cores shared with other
    processes, OpenMP threads waiting for each other made a small fit 15 times slower
    (0.7 s with one thread, 10.8 s with the default, machine loaded); lists are
    scored in small blocks where one thread is fastest anyway."""
    return native_libraries().limit(limits=threads)


@cache
def native_libraries() -> ThreadpoolController:
    """The process's native thread pools, found once: finding them reads the process's
    memory map, which cost 12 ms of every single-user list when done per request."""
    return ThreadpoolController()
