"""Prices as people read them in the active language: "14,00 €" in French, "€14.00" in English."""

from decimal import Decimal

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext

register = template.Library()


@register.filter(name="price_label")
def price_label(amount: Decimal | int | None) -> str:
    """A price, or "Free" for zero; the amount's separators come from the locale."""
    if not amount:
        return gettext("Free")
    # The symbol's place differs between languages, so it belongs to the message.
    return gettext("€%(amount)s") % {"amount": number_format(amount, 2, force_grouping=True)}
