"""WSGI entry point for gunicorn."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_wsgi_application()

# What is loaded so far (Django, the apps, the URLconf) lives as long as the worker: kept
# out of the collector's generations, a full collection no longer walks it (ADR 0016).
import gc  # noqa: E402

gc.freeze()
