"""Production settings: everything secret or host-specific must come from the environment.

`manage.py check --deploy` passes without warning once SECRET_KEY, ALLOWED_HOSTS
and DATABASE_URL are set (see the README).
"""

from config.settings.base import *  # noqa: F403
from config.settings.base import env

DEBUG = False
# No default: a production process must not start with the development key.
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# TLS ends at a proxy (the README): the client's address is the one it appends.
REST_FRAMEWORK = {**REST_FRAMEWORK, "NUM_PROXIES": env.int("API_NUM_PROXIES", default=1)}  # noqa: F405
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# One year, as https://hstspreload.org asks; subdomains included.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
