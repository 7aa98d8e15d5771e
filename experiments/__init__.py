"""Controlled experiments on recommendations: who sees which variant, what was shown
(exposures), what was clicked and booked because of it, and the verdict."""
