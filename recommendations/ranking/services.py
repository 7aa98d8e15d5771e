"""Training a ranker from the database and storing it: what the command and the task call."""

from datetime import datetime

from recommendations.ranking.artifact import artifact_save
from recommendations.ranking.database import ranking_interactions_from_database
from recommendations.ranking.scorer import ranking_data_from_interactions
from recommendations.ranking.training import TrainingOptions, ranker_train


def ranker_model_train(
    *, since: datetime | None = None, until: datetime | None = None, seed: int = 0
) -> dict:
    """Train on the bookings created in [since, until), and not cancelled by `until`, and
    store the model as the latest.

    Returns the stored metadata (version, window, data size, metrics). Raises
    TrainingError when the window holds too little to learn from.
    """
    interactions, extra = ranking_interactions_from_database(until=until)
    if since is not None:
        interactions = interactions.select(interactions.timestamps >= since.timestamp())
    data = ranking_data_from_interactions(interactions, extra=extra)
    trained = ranker_train(data=data, options=TrainingOptions(seed=seed))
    return artifact_save(trained=trained, seed=seed)
