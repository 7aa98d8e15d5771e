"""Keep a simulation to itself: in-process tasks, a private cache, no email leaving.

Whatever the environment says (a Redis broker, cache and exposure buffer, an
SMTP server, a model store), a simulated day must neither enqueue work for the
real workers, nor share cached rankings, buffered exposures or trained models
with the real site, nor mail anyone.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.test.utils import override_settings

from config.celery import app as celery_app
from recommendations.registry import serving as registry_serving

# Redis keeps every key until it expires; a local-memory cache evicts a third of its keys
# past MAX_ENTRIES (300 by default), which dropped stored lists (served then computed one
# by one) and the ranker's shared version key (the model rebuilt) on runs of thousands.
PRIVATE_CACHES = {
    alias: {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": f"sim-{alias}",
        "OPTIONS": {"MAX_ENTRIES": 10_000_000},
    }
    for alias in ("default", "recommendations")
}


@contextmanager
def services_in_process(*, model_folder: Path) -> Iterator[None]:
    """Run the block with in-process tasks, private caches, no email, no exposure buffer,
    and model artifacts stored in `model_folder`."""
    saved = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    # One line per in-process task (hundreds a simulated week) and one per exposure
    # written without the buffer (a thousand a day, by design here) would bury the
    # progress bar.
    quieted = {
        name: logging.getLogger(name).level for name in ("celery.app.trace", "experiments.services")
    }
    for name in quieted:
        logging.getLogger(name).setLevel(logging.ERROR)
    # override_settings is Django's supported way to swap settings for a while and tell
    # the cache handler; Celery read its settings at start, so it is told directly.
    with override_settings(
        # Connections opened in the run record no SQL (DEBUG keeps every query's text).
        DEBUG=False,
        CACHES=PRIVATE_CACHES,
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        # No exposure buffer: the exposures are written at once, into the simulation's database.
        EXPOSURE_BUFFER_URL="",
        # The run's models must never become the real site's latest or champion artifact.
        STORAGES={
            **settings.STORAGES,
            settings.RECOMMENDATION_MODEL_STORAGE: {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(model_folder)},
            },
        },
    ):
        celery_app.conf.task_always_eager = True
        celery_app.conf.task_eager_propagates = True
        # The champion this process served belongs to another database's registry.
        registry_serving.champion_watcher.forget()
        try:
            yield
        finally:
            celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = saved
            for name, level in quieted.items():
                logging.getLogger(name).setLevel(level)
            for cache in caches.all(initialized_only=True):
                cache.clear()
            registry_serving.champion_watcher.forget()
