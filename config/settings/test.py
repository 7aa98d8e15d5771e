"""Settings for the test suite: fast hashing, and the database/Redis the environment names."""

from config.settings.base import *  # noqa: F403

# Hashing with the default PBKDF2 costs ~100 ms a user; tests create many.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests check templates and redirects, not the hashed file names of collectstatic.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "models": STORAGES["models"],  # noqa: F405
}
# Connections close after each request or task, so a Celery worker thread never
# keeps one open when the test database is dropped.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# Tests serve static files from the apps (no collectstatic), as `runserver` does.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
# Distance counters are shared at once, so no count of one test is left for the next.
DISTANCE_COUNTERS_FLUSH_SECONDS = 0
