from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


def sqlite_fold_register(sender, connection, **kwargs) -> None:
    """Give SQLite the accent-blind fold the catalogue search needs (ADR 0028)."""
    if connection.vendor == "sqlite":
        from marketplace.search import text_fold

        connection.connection.create_function(
            "passerelle_fold",
            1,
            lambda text: None if text is None else text_fold(text),
            deterministic=True,
        )


class MarketplaceConfig(AppConfig):
    name = "marketplace"
    verbose_name = _("Marketplace")

    def ready(self) -> None:
        connection_created.connect(sqlite_fold_register)
