"""The registered scorers: the baselines' (popular, geo, itemknn, ease).

Importing this package registers them in `recommendations.pipeline.scoring.SCORERS`.
"""

from recommendations.pipeline.scorers import ease, geo, itemknn, popular  # noqa: F401

# The learned ranker lives in its own package (ADR 0023) and registers as `ml`.
from recommendations.ranking import scorer as ranking_scorer  # noqa: F401
