"""The names of the categories made by migration 0002, marked for the catalogues.

Category names are data (staff may add or rename categories in the admin), but
these few are read by every shopper, so their English names get a translation;
a category added later shows its name as typed (ADR 0027).
"""

from typing import TYPE_CHECKING

from django.utils.translation import gettext, gettext_noop

if TYPE_CHECKING:
    # The model's __str__ uses category_label: no import of the models at run time.
    from marketplace.models import Category

SHIPPED_CATEGORY_NAMES = (
    gettext_noop("Cinema"),
    gettext_noop("Live music"),
    gettext_noop("Shows and theatre"),
    gettext_noop("Museums and heritage"),
    gettext_noop("Books"),
    gettext_noop("Recorded music"),
    gettext_noop("Films and series"),
    gettext_noop("Games"),
    gettext_noop("Art practice and workshops"),
    gettext_noop("Conferences and meetings"),
    gettext_noop("Press and media"),
    gettext_noop("Musical instruments"),
)


def category_label(category: "Category") -> str:
    """The category's name in the active language."""
    return category_name_label(category.name)


def category_name_label(name: str) -> str:
    """A category name, as stored, in the active language."""
    return gettext(name)
