"""Figures are rounded, not cut, in both languages."""

from django.utils import translation

from config.numbers import number_rounded


def test_a_figure_is_rounded_to_its_decimals():
    with translation.override("en"):
        assert number_rounded(4.46, 1) == "4.5"
        assert number_rounded((0.125 - 0.1) * 100, 1) == "2.5"
        assert number_rounded(3.14159, 2) == "3.14"


def test_french_writes_the_decimal_comma_and_groups_on_request():
    with translation.override("fr"):
        assert number_rounded(4.46, 1) == "4,5"
        assert number_rounded(12345.678, 2, force_grouping=True) == "12\N{NO-BREAK SPACE}345,68"
