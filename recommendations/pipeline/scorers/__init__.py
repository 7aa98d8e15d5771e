"""The registered scorers: the baselines' (popular, geo, itemknn, ease).

Importing this package registers them in `recommendations.pipeline.scoring.SCORERS`.
"""

from recommendations.pipeline.scorers import ease, geo, itemknn, popular  # noqa: F401
