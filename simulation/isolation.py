"""Keep a simulation to itself: in-process tasks, a private cache, no email leaving.

Whatever the environment says (a Redis broker and cache, an SMTP server), a
simulated day must neither enqueue work for the real workers, nor share
cached rankings with the real site, nor mail anyone.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.cache import caches
from django.test.utils import override_settings

from config.celery import app as celery_app

PRIVATE_CACHES = {
    alias: {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": f"sim-{alias}"}
    for alias in ("default", "recommendations")
}


@contextmanager
def services_in_process() -> Iterator[None]:
    saved = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    # One line per in-process task (hundreds a simulated week) would bury the progress bar.
    task_log = logging.getLogger("celery.app.trace")
    saved_level = task_log.level
    task_log.setLevel(logging.WARNING)
    # override_settings is Django's supported way to swap settings for a while and tell
    # the cache handler; Celery read its settings at start, so it is told directly.
    with override_settings(
        CACHES=PRIVATE_CACHES, EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"
    ):
        celery_app.conf.task_always_eager = True
        celery_app.conf.task_eager_propagates = True
        try:
            yield
        finally:
            celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = saved
            task_log.setLevel(saved_level)
            for cache in caches.all(initialized_only=True):
                cache.clear()
