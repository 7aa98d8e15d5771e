"""The staff admin: catalogue (categories, venues, offers), read-only bookings, and users.

Importing the modules registers their ModelAdmins with the default admin site.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from marketplace.admin import bookings, catalogue, users

admin.site.site_header = _("Passerelle staff")
admin.site.site_title = _("Passerelle staff")
admin.site.index_title = _("Catalogue, bookings and accounts")

__all__ = ["bookings", "catalogue", "users"]
