"""Shares and their changes as the active language writes them: "12,5 %", "+1,2 point"."""

from django import template
from django.utils.translation import gettext, ngettext

from config.numbers import number_rounded

register = template.Library()
MINUS_SIGN = "\N{MINUS SIGN}"


@register.filter
def percent(share: float | None) -> str:
    if share is None:
        return gettext("n/a")
    return gettext("%(value)s %%") % {"value": number_rounded(share * 100, 1)}


@register.filter
def points(change: float) -> str:
    """A change of share in percentage points, signed."""
    value = round(change * 100, 1)
    sign = "+" if value > 0 else MINUS_SIGN if value < 0 else "±"
    # Plural by the whole part: French writes "1,5 point", "2,5 points".
    return ngettext("%(sign)s%(value)s point", "%(sign)s%(value)s points", int(abs(value))) % {
        "sign": sign,
        "value": number_rounded(abs(value), 1),
    }
