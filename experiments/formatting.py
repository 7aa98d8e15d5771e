"""Figures of the experiment report as short text, the same on the page and in the command."""

from django.utils.translation import gettext

from experiments.statistics import Difference, Estimate


def number(value: float, unit: str, *, signed: bool = False) -> str:
    sign = "+" if signed else ""
    if unit == "share":
        return f"{value * 100:{sign}.2f} %"
    return f"{value:{sign}.3f}"


def estimate_text(estimate: Estimate, unit: str) -> str:
    """ "12.50 % [11.20 %; 13.90 %]", or "n/a" without data."""
    if estimate.value is None:
        return gettext("n/a")
    return (
        f"{number(estimate.value, unit)} "
        f"[{number(estimate.low, unit)}; {number(estimate.high, unit)}]"
    )


def difference_text(difference: Difference, unit: str) -> str:
    """ "+1.20 pts [0.40; 2.00], p = 0.0031": shares differ in percentage points."""
    if difference.value is None:
        return gettext("n/a")
    if unit == "share":
        text = (
            f"{difference.value * 100:+.2f} pts "
            f"[{difference.low * 100:.2f}; {difference.high * 100:.2f}]"
        )
    else:
        text = f"{difference.value:+.3f} [{difference.low:.3f}; {difference.high:.3f}]"
    if difference.p_value is None:
        return gettext("%(difference)s, no test (no variation)") % {"difference": text}
    return f"{text}, {p_value_text(difference.p_value)}"


def p_value_text(p_value: float) -> str:
    return "p < 0.0001" if p_value < 0.0001 else f"p = {p_value:.4f}"
