"""Settings shared by every environment, all read from the environment.

The defaults make a local run work with nothing installed: SQLite, a
local-memory cache, Celery tasks run in-process and emails written to files.
"""

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()


def redis_url_next_db(url: str) -> str:
    """The same Redis server as `url`, on the database number after its own."""
    parts = urlsplit(url)
    db = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{db + 1}"))


# Two aliases on the same Redis (ADR 0013). "default" forgives an outage: a read
# is a miss, a write is dropped and logged, so waffle and the popularity ranking
# keep working from the database. "recommendations" raises, for the distance
# service and the geo index, which pick their own fallback.
RECOMMENDATIONS_CACHE = "recommendations"
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True


def redis_caches(*, location: str, key_prefix: str, socket_timeout: float) -> dict:
    """The CACHES of both aliases on the Redis at `location`."""
    return {
        alias: {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": location,
            "KEY_PREFIX": key_prefix,
            "TIMEOUT": 300,
            "OPTIONS": {
                # An unreachable or hung Redis costs a request this long at most.
                "SOCKET_CONNECT_TIMEOUT": socket_timeout,
                "SOCKET_TIMEOUT": socket_timeout,
                "IGNORE_EXCEPTIONS": forgiving,
            },
        }
        for alias, forgiving in (("default", True), (RECOMMENDATIONS_CACHE, False))
    }


SECRET_KEY = env("SECRET_KEY", default="django-insecure-local-only-do-not-use-in-production")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # whitenoise serves static files in `runserver` too, so dev matches production.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "waffle",
    "django_celery_beat",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "marketplace",
    "recommendations",
    "newsletter",
    "experiments",
    "metrics",
    "storefront",
    "api",
    # On top of everything: it drives the whole system in simulated days.
    "simulation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After sessions (the language switch's choice) and before CommonMiddleware (ADR 0027).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "waffle.middleware.WaffleMiddleware",
    # Names anonymous browsers in the exposure log (ADR 0021).
    "experiments.visitors.VisitorCookieMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# An empty DATABASE_URL counts as unset, as an empty REDIS_URL does below.
DATABASE_URL = env("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
# Persistent connections save a TCP + auth round trip per request on PostgreSQL.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # psycopg prepares a statement run on a server-binding cursor once it has run this
    # many times on the connection. Django's cursors bind client-side and never prepare;
    # the one statement run server-side is the serving path's (recommendations.servable,
    # ADR 0016), whose planning cost twice its execution. Empty disables it (a pooler in
    # transaction mode that cannot keep prepared statements).
    prepare_threshold = env("DATABASE_PREPARE_THRESHOLD", default="1")
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        int(prepare_threshold) if prepare_threshold else None
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "marketplace.User"
LOGIN_URL = "storefront:login"
LOGIN_REDIRECT_URL = "storefront:home"
LOGOUT_REDIRECT_URL = "storefront:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# French first, English second (ADR 0027): visitors get French unless their
# browser or the language switch asks for English.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our own formats ("jeu. 30 juil. 2026, 20 h 30") on top of Django's per-locale ones.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "models": {
        "BACKEND": env(
            "MODEL_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": {"location": env("MODEL_STORAGE_LOCATION", default=str(VAR_DIR / "models"))},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Redis is optional: without REDIS_URL the cache is in-process and Celery runs
# tasks inline, so the demo needs no service at all.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    # The cache gets the DB number after the broker's, so that clearing the
    # cache never drops queued tasks.
    CACHES = redis_caches(
        location=env("CACHE_REDIS_URL", default=redis_url_next_db(REDIS_URL)),
        key_prefix=env("CACHE_KEY_PREFIX", default="passerelle"),
        socket_timeout=env.float("CACHE_SOCKET_TIMEOUT", default=0.5),
    )
    CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
    # Results are only kept for callers that wait on them (tests, benchmarks).
    CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL)
    CELERY_RESULT_EXPIRES = 3600
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {
        alias: {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": alias}
        for alias in ("default", RECOMMENDATIONS_CACHE)
    }
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True

CELERY_TASK_ACKS_LATE = True
# A worker takes one message at a time, so a killed worker loses at most the
# message it held (redelivered thanks to acks_late), not a prefetched batch.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Redis redelivers an unacknowledged message after this delay; countdowns and
# the longest task must stay below it.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# Periodic tasks live in the database, editable in the admin; a settings-based
# schedule would overwrite those edits at every beat start.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

EMAIL_HOST = env("EMAIL_HOST", default="")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env.int("EMAIL_PORT", default=25)
    EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
    EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
else:
    # The demo shows emails as files instead of needing an SMTP server.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(VAR_DIR / "sent_emails"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Passerelle <newsletter@passerelle.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The canary must stay stable per user across devices, which waffle's cookie
# bucketing cannot give; the custom flag buckets by user id (ADR 0002).
WAFFLE_FLAG_MODEL = "marketplace.UserBucketFlag"
WAFFLE_CREATE_MISSING_SWITCHES = False

DJANGO_REDIS_LOGGER = "django_redis.cache"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"exception_on_one_line": {"()": "config.log_filters.ExceptionOnOneLine"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {DJANGO_REDIS_LOGGER: {"filters": ["exception_on_one_line"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# Recommendations
# Geography is what makes a list relevant (iteration 3); popular stays as the
# control and the last fallback of the serving selector.
RECOMMENDATION_STRATEGY = env("RECOMMENDATION_STRATEGY", default="geo")
# The strategy each variant of the homepage canary is served by (ADR 0017), so
# that the treatment can switch strategy without touching the control.
RECOMMENDATION_VARIANT_STRATEGIES = env.json(
    "RECOMMENDATION_VARIANT_STRATEGIES", default={"control": "geo", "treatment": "geo"}
)
# Precomputed lists (ADR 0016): each user's top N, kept a day and a half so a
# missed nightly run leaves lists a day old rather than none.
RECOMMENDATION_STORED_LIST_SIZE = env.int("RECOMMENDATION_STORED_LIST_SIZE", default=50)
RECOMMENDATION_STORED_LIST_SECONDS = env.int(
    "RECOMMENDATION_STORED_LIST_SECONDS", default=36 * 3600
)
# Users per precomputation task: big enough for the batch form to pay off,
# small enough that a killed worker loses little.
RECOMMENDATION_PRECOMPUTE_CHUNK_SIZE = env.int("RECOMMENDATION_PRECOMPUTE_CHUNK_SIZE", default=500)
# The homepage canary (ADR 0017): the waffle flag that assigns variants, and the
# switch that removes the recommended section for everyone at once.
HOMEPAGE_RECOMMENDATIONS_FLAG = "homepage_recommendations"
HOMEPAGE_RECOMMENDATIONS_KILL_SWITCH = "homepage_recommendations_off"
HOMEPAGE_RECOMMENDATIONS_SIZE = 6
RECOMMENDATION_POPULAR_WINDOW_DAYS = env.int("RECOMMENDATION_POPULAR_WINDOW_DAYS", default=30)
# How stale the shared popularity ranking may be; sold-out offers are filtered anyway.
RECOMMENDATION_POPULAR_CACHE_SECONDS = env.int("RECOMMENDATION_POPULAR_CACHE_SECONDS", default=300)
# The learned ranker (ADRs 0023-0025). Artifacts go to this STORAGES alias under
# this prefix; the "models" alias is a local folder unless MODEL_STORAGE_BACKEND says otherwise.
RECOMMENDATION_MODEL_STORAGE = env("RECOMMENDATION_MODEL_STORAGE", default="models")
RECOMMENDATION_MODEL_PREFIX = env("RECOMMENDATION_MODEL_PREFIX", default="ranker")
# How long a process serves one model and bookings snapshot before reloading both.
RECOMMENDATION_ML_REFRESH_SECONDS = env.int("RECOMMENDATION_ML_REFRESH_SECONDS", default=900)
# Diversification strength (0: the model's order); chosen from ADR 0025's curve.
RECOMMENDATION_ML_DIVERSITY_STRENGTH = env.float(
    "RECOMMENDATION_ML_DIVERSITY_STRENGTH", default=0.8
)

# Metrics (ADR 0007)
# The nightly run also computes the dates of this many past days that have no
# stored metrics, so a night missed (beat or workers down) heals itself.
METRICS_CATCH_UP_DAYS = env.int("METRICS_CATCH_UP_DAYS", default=7)
# The north star's target, a share of active users (0.25 = 25 %), shown on the dashboard.
METRICS_NORTH_STAR_TARGET = env.float("METRICS_NORTH_STAR_TARGET", default=0.25)

# Newsletter (ADRs 0005, 0006)
# Absolute links in emails (unsubscribe, click tracking) start with this.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
NEWSLETTER_CHUNK_SIZE = env.int("NEWSLETTER_CHUNK_SIZE", default=200)
# A chunk's claim on each send, renewed just before its message; past it, a crashed
# worker's sends are taken again by the next sweep (every minute). Must exceed one
# message; exceeding a chunk (200 messages take 1.6-4.3 s here) spares a hand-over.
NEWSLETTER_SEND_LEASE_SECONDS = env.int("NEWSLETTER_SEND_LEASE_SECONDS", default=300)
# Pending sends of a campaign not dispatched for this long are re-dispatched by the
# sweep (lost or exhausted chunks, kill switch turned off); expired claims do not wait.
NEWSLETTER_RESUME_AFTER_SECONDS = env.int("NEWSLETTER_RESUME_AFTER_SECONDS", default=900)
# A send refused for now by its recipient's server (full mailbox, greylisting) waits for
# the sweep's next dispatch, about every 15 minutes; refused on its 10th claim, it fails,
# so a campaign ends about 2.5 hours after a mailbox first refuses (ADR 0006).
NEWSLETTER_SEND_MAX_ATTEMPTS = env.int("NEWSLETTER_SEND_MAX_ATTEMPTS", default=10)
# RFC 8058 links must keep working a while after sending; 60 days covers late readers.
NEWSLETTER_UNSUBSCRIBE_MAX_AGE_DAYS = env.int("NEWSLETTER_UNSUBSCRIBE_MAX_AGE_DAYS", default=60)
# Older click links still land on the offer, but the click is no longer recorded.
NEWSLETTER_CLICK_MAX_AGE_DAYS = env.int("NEWSLETTER_CLICK_MAX_AGE_DAYS", default=90)

# Experiments: exposures, clicks, attribution (ADRs 0021, 0022)
# The exposure buffer's Redis (the broker's by default); empty: exposures are
# written straight to the database, as in the demo.
EXPOSURE_BUFFER_URL = env("EXPOSURE_BUFFER_URL", default=REDIS_URL)
EXPOSURE_STREAM_KEY = env("EXPOSURE_STREAM_KEY", default="passerelle:exposures")
# A Redis that does not answer costs a request this long before the direct write.
EXPOSURE_BUFFER_SOCKET_TIMEOUT = env.float("EXPOSURE_BUFFER_SOCKET_TIMEOUT", default=0.5)
# Lists (about 10 rows each) per insert, and batches per drain run: one run moves
# at most 200 x 50 lists, far above what the homepage shows in 5 s.
EXPOSURE_DRAIN_BATCH_LISTS = env.int("EXPOSURE_DRAIN_BATCH_LISTS", default=200)
EXPOSURE_DRAIN_MAX_BATCHES = env.int("EXPOSURE_DRAIN_MAX_BATCHES", default=50)
# A booking of a clicked offer within this many days of the click is credited to it.
EXPERIMENT_ATTRIBUTION_DAYS = env.int("EXPERIMENT_ATTRIBUTION_DAYS", default=7)
# Older click links still lead to the offer, but the click is no longer recorded.
EXPERIMENT_CLICK_MAX_AGE_DAYS = env.int("EXPERIMENT_CLICK_MAX_AGE_DAYS", default=90)
# The north-star metric of an exposed user counts bookings within this many days
# of their first exposure (ADR 0021).
EXPERIMENT_NORTH_STAR_WINDOW_DAYS = env.int("EXPERIMENT_NORTH_STAR_WINDOW_DAYS", default=30)
# Anonymous visitors' exposures carry the random id of this cookie (ADR 0021).
VISITOR_COOKIE_NAME = "passerelle_visitor"
VISITOR_COOKIE_MAX_AGE_DAYS = 365
# Off only to measure what logging costs (benchmarks/api_load.py --exposures both):
# with it off, no surface records what it shows and the experiment report is blind.
EXPOSURE_LOGGING_ENABLED = env.bool("EXPOSURE_LOGGING_ENABLED", default=True)

# Geocoding of homes and venues (ADR 0011). "offline" reads the shipped postcode
# base (commune precision, no network); "ban" (api-adresse.data.gouv.fr) and
# "nominatim" call those services through geopy.
GEOCODER_BACKEND = env("GEOCODER_BACKEND", default="offline")
# Empty: the service's public domain. Set for a self-hosted BAN or Nominatim.
GEOCODER_DOMAIN = env("GEOCODER_DOMAIN", default="")
GEOCODER_SCHEME = env("GEOCODER_SCHEME", default="https")
# Nominatim's usage policy requires an agent naming the application.
GEOCODER_USER_AGENT = env("GEOCODER_USER_AGENT", default="passerelle-geocoding")
GEOCODER_TIMEOUT = env.float("GEOCODER_TIMEOUT", default=5.0)
# Retries of timeouts, 5xx and 429, waiting BACKOFF, then twice as long each time,
# or the server's Retry-After when longer (beyond 60 s the row is left for later).
GEOCODER_MAX_RETRIES = env.int("GEOCODER_MAX_RETRIES", default=3)
GEOCODER_BACKOFF_SECONDS = env.float("GEOCODER_BACKOFF_SECONDS", default=1.0)

# Distance service (ADR 0010): "great-circle" (free, computed here) or "osrm", an
# OSRM-compatible `table` endpoint giving road distances, standing for a paid API.
DISTANCE_PROVIDER = env("DISTANCE_PROVIDER", default="great-circle")
DISTANCE_OSRM_URL = env("DISTANCE_OSRM_URL", default="http://127.0.0.1:5000")
DISTANCE_OSRM_PROFILE = env("DISTANCE_OSRM_PROFILE", default="driving")
DISTANCE_OSRM_TIMEOUT = env.float("DISTANCE_OSRM_TIMEOUT", default=2.0)
# OSRM refuses tables larger than its --max-table-size (100 by default).
DISTANCE_OSRM_MAX_DESTINATIONS = env.int("DISTANCE_OSRM_MAX_DESTINATIONS", default=100)
# What one provider request costs, for the dashboard's estimate (0 for great-circle).
DISTANCE_PROVIDER_COST_PER_CALL = env.float("DISTANCE_PROVIDER_COST_PER_CALL", default=0.0)
# Venues do not move and roads rarely change: a week keeps the paid calls rare.
DISTANCE_CACHE_SECONDS = env.int("DISTANCE_CACHE_SECONDS", default=7 * 24 * 3600)
# Origins are snapped to a grid of this step (0.01° ≈ 1.1 km north-south, 0.75 km
# east-west in France) so neighbours share cache entries (ADR 0010).
DISTANCE_CACHE_CELL_DEGREES = env.float("DISTANCE_CACHE_CELL_DEGREES", default=0.01)
# Each process adds its hit/miss/call counts to the shared counters at most this often.
DISTANCE_COUNTERS_FLUSH_SECONDS = env.float("DISTANCE_COUNTERS_FLUSH_SECONDS", default=1.0)

# Geo strategy (ADR 0009): how far people travel for each category, in km.
# A JSON object in the environment replaces the whole mapping.
RECOMMENDATION_GEO_RADIUS_KM = env.json(
    "RECOMMENDATION_GEO_RADIUS_KM",
    default={
        "cinema": 15,
        "books": 15,
        "art-practice": 20,
        "games": 20,
        "instruments": 25,
        "conferences": 30,
        "shows": 40,
        "museums-heritage": 50,
        "live-music": 60,
    },
)
RECOMMENDATION_GEO_DEFAULT_RADIUS_KM = env.float("RECOMMENDATION_GEO_DEFAULT_RADIUS_KM", default=30)
# People travel further for a festival whatever its category.
RECOMMENDATION_GEO_FESTIVAL_RADIUS_KM = env.float(
    "RECOMMENDATION_GEO_FESTIVAL_RADIUS_KM", default=150
)
# A digital offer weighs like an event at a third of its radius (score factor 0.5).
# How long a process keeps the itemknn and ease models fitted on every live
# booking before refitting (a fit reads all bookings: tens of seconds on a
# million); ADR 0019.
RECOMMENDATION_MODEL_REFIT_SECONDS = env.int("RECOMMENDATION_MODEL_REFIT_SECONDS", default=3600)
RECOMMENDATION_GEO_DIGITAL_WEIGHT = env.float("RECOMMENDATION_GEO_DIGITAL_WEIGHT", default=0.5)

# API (ADR 0015): token or session authentication, JSON only, throttled in the
# shared cache (the "default" alias: a Redis outage lets requests through).
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes "not authenticated" a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="60/minute"),
        "user": env("API_THROTTLE_USER", default="600/minute"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # The anonymous throttle keys on the address that the last of this many trusted proxies
    # saw (X-Forwarded-For's last entries). Left unset, DRF would key on the whole header,
    # which a caller writes: a new header per request would be a new client. 0 (here, no
    # proxy): the connection's address.
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=0),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Passerelle API",
    "DESCRIPTION": "Recommendations of cultural offers near you, and who you are.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's files come from drf-spectacular-sidecar: the site works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}
# Model registry, monitoring and retraining (ADRs 0029, 0030).
# Each serving process re-reads which version is champion at most this often
# (shared cache, then the database): a promotion or rollback is served within
# twice this delay, without a restart.
MODEL_REGISTRY_CHAMPION_CHECK_SECONDS = env.int("MODEL_REGISTRY_CHAMPION_CHECK_SECONDS", default=30)
# Online checks compare the champion's last RECENT_DAYS with its first
# BASELINE_DAYS in service, and with the control arm over the same recent days.
MODEL_MONITORING_RECENT_DAYS = env.int("MODEL_MONITORING_RECENT_DAYS", default=7)
MODEL_MONITORING_BASELINE_DAYS = env.int("MODEL_MONITORING_BASELINE_DAYS", default=7)
# ... and the rates of the variant serving it over its last RECENT_DAYS with its
# PREVIOUS_DAYS before them, whichever version served then (ADR 0030).
MODEL_MONITORING_PREVIOUS_DAYS = env.int("MODEL_MONITORING_PREVIOUS_DAYS", default=7)
# Two-sided level of each interval. With six online checks a run, 0.99 keeps the
# chance that noise alone fires one under 6% (Bonferroni); ADR 0030.
MODEL_MONITORING_CONFIDENCE = env.float("MODEL_MONITORING_CONFIDENCE", default=0.99)
# A significant drop must also be this large (relative) to matter: a 2% dip that a
# huge sample makes significant is not worth a retraining.
MODEL_MONITORING_MIN_RELATIVE_DROP = env.float("MODEL_MONITORING_MIN_RELATIVE_DROP", default=0.10)
# Below this many impressions in a period, an online check says "not enough data".
MODEL_MONITORING_MIN_IMPRESSIONS = env.int("MODEL_MONITORING_MIN_IMPRESSIONS", default=2000)
# The canary's control variant, whose exposures the champion is compared with.
MODEL_MONITORING_CONTROL_VARIANT = env("MODEL_MONITORING_CONTROL_VARIANT", default="control")
# Population stability index: 0.1 is "some shift", 0.2 "a significant shift" in the
# credit-scoring practice; the threshold also rises with the sampling noise (ADR 0030).
MODEL_DRIFT_PSI_THRESHOLD = env.float("MODEL_DRIFT_PSI_THRESHOLD", default=0.2)
MODEL_DRIFT_MIN_SAMPLE = env.int("MODEL_DRIFT_MIN_SAMPLE", default=200)
# Input drift alone retries a retraining at most this often while the same champion serves
# and its last challenger lost: the same evidence would train the same loser (ADR 0030).
MODEL_DRIFT_RETRY_DAYS = env.int("MODEL_DRIFT_RETRY_DAYS", default=3)
# Past this age (days since promotion) a retraining is due even if nothing degraded.
MODEL_MAX_AGE_DAYS = env.int("MODEL_MAX_AGE_DAYS", default=30)
# A challenger learns from TRAINING_DAYS before the held-out period, the last HOLDOUT_DAYS,
# on which champion and challenger are both evaluated offline; the winner is refitted on
# the TRAINING_DAYS up to now (ADR 0029).
MODEL_RETRAIN_TRAINING_DAYS = env.int("MODEL_RETRAIN_TRAINING_DAYS", default=90)
MODEL_RETRAIN_HOLDOUT_DAYS = env.int("MODEL_RETRAIN_HOLDOUT_DAYS", default=7)
# When the variant serving the champion fell against its previous days (a recent change of
# what people do), the challenger holds out only the last RECENT_HOLDOUT_DAYS (ADR 0029).
MODEL_RETRAIN_RECENT_HOLDOUT_DAYS = env.int("MODEL_RETRAIN_RECENT_HOLDOUT_DAYS", default=2)
# The challenger must beat the champion's offline metric by this relative margin.
MODEL_PROMOTION_METRIC = env("MODEL_PROMOTION_METRIC", default="ndcg@10")
MODEL_PROMOTION_MARGIN = env.float("MODEL_PROMOTION_MARGIN", default=0.02)
# Users drawn for the held-out evaluation of champion and challenger (the same users
# for both); bounds the time of a retraining on a large base.
MODEL_RETRAIN_EVALUATION_USERS = env.int("MODEL_RETRAIN_EVALUATION_USERS", default=20000)
