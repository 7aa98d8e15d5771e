"""Bounds shared by the recommendation commands' options."""

# The longest list a command computes or evaluates (`recommend --limit`,
# `evaluate_recommenders --k`): twenty times the stored lists (50 items) and far past
# any page or email, while a list's arrays stay small; the evaluation used to try to
# allocate 291 TiB for k = 10**12.
LIST_LENGTH_MAX = 1_000
