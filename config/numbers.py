"""Numbers written in the active language, rounded rather than cut.

Django's `number_format` keeps the first `decimal_pos` digits of the number's text:
4.46 with one decimal is written "4.4", and 0.125 - 0.1 (0.02499…) as a share "2.4 %".
Every figure a person reads goes through `number_rounded`, so that a figure and the same
figure elsewhere (a report's sentence and its table) never disagree in the last digit.
"""

from django.utils.formats import number_format


def number_rounded(value: float, decimal_pos: int, *, force_grouping: bool = False) -> str:
    """`value` rounded to `decimal_pos` decimals, written as the active language does."""
    return number_format(round(value, decimal_pos), decimal_pos, force_grouping=force_grouping)
