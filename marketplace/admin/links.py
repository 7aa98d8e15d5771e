"""Links from one admin page to another model's list, filtered to the object at hand."""

from django.urls import reverse
from django.utils.html import format_html


def changelist_link(*, model_name: str, field: str, pk: int, text: str) -> str:
    """A link to the marketplace `model_name` list showing the rows whose `field` is `pk`."""
    url = reverse(f"admin:marketplace_{model_name}_changelist")
    return format_html('<a href="{}?{}__id__exact={}">{}</a>', url, field, pk, text)
