"""The recommendation pipeline as steps on plain arrays (ADR 0019).

`interactions` holds who booked what and when, with item and user attributes;
`scoring` is the fit-and-score interface every strategy's scorer implements;
`ranking` turns scores into top-k lists with exclusions; `splits` carves
temporal train/test/validation sets. Serving (from the database) and offline
evaluation (from a file) run the same scorers and the same ranking.
"""
