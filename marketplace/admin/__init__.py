"""The staff admin: catalogue (categories, venues, offers), read-only bookings, and users.

Importing the modules registers their ModelAdmins with the default admin site.
"""

from marketplace.admin import bookings, catalogue, users

__all__ = ["bookings", "catalogue", "users"]
