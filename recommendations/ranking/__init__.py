"""The learned ranker (strategy `ml`): candidates from several sources, features at
levels that recur (category, venue, distance, price, timing, popularity), a
scikit-learn model that scores them, and a diversifying re-ranker.

Everything below works on plain arrays (`data.RankingData`), so the same code
serves users from the database and is evaluated from an interaction file.
ADRs 0023 (model), 0024 (features and negatives), 0025 (diversification).
"""
