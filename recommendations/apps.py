from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecommendationsConfig(AppConfig):
    name = "recommendations"
    verbose_name = _("Recommendations")

    def ready(self) -> None:
        # Strategies register themselves when their module is imported.
        from recommendations import collaborative, geo, popular  # noqa: F401
        from recommendations.ranking import serving  # noqa: F401

        # The registry's Celery task lives in its package, outside autodiscovery's `tasks`.
        from recommendations.registry import tasks  # noqa: F401
