"""The model families compared for ranking candidates (ADR 0023), as scikit-learn pipelines.

Each is built with a seed so that the same data gives the same model.
"""

from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

HIST_GRADIENT_BOOSTING = "hist_gradient_boosting"
LOGISTIC_REGRESSION = "logistic_regression"
FAMILIES = (HIST_GRADIENT_BOOSTING, LOGISTIC_REGRESSION)


def model_build(*, family: str, seed: int) -> Pipeline:
    if family == HIST_GRADIENT_BOOSTING:
        # Missing values (no coordinates, undated offers) are a branch of their own.
        # Shallow trees and strong leaves: the ranker must carry over to data nobody tuned to.
        model = HistGradientBoostingClassifier(
            max_iter=150,
            learning_rate=0.08,
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
