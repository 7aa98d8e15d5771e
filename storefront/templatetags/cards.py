"""What offer and booking cards show beside the data: the category's picture and translated
name, and whether a booking may be cancelled."""

from functools import lru_cache

from django import template
from django.contrib.staticfiles import finders
from django.templatetags.static import static

from marketplace import category_names
from marketplace.models import Booking, Category
from marketplace.selectors import booking_cancel_refusal

register = template.Library()


@lru_cache(maxsize=256)
def category_visual_path(slug: str) -> str:
    """The category's shipped SVG, or a generic one for a category added later
    (asking the manifest storage for a missing file would fail the page)."""
    name = f"storefront/categories/{slug}.svg"
    return name if finders.find(name) else "storefront/categories/default.svg"


@register.filter
def category_visual(category: Category) -> str:
    return static(category_visual_path(category.slug))


@register.filter
def category_label(category: Category) -> str:
    return category_names.category_label(category)


@register.filter
def cancellable(booking: Booking) -> bool:
    """Whether the booking's card offers to cancel it: the rule the cancellation applies."""
    return booking_cancel_refusal(booking=booking) is None
