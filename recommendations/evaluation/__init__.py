"""Offline evaluation of the recommendation strategies on an interaction log (ADR 0020)."""
