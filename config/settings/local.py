"""Settings for a developer's machine and the demo: debug on, nothing to install."""

from config.settings.base import *  # noqa: F403
from config.settings.base import env

DEBUG = env.bool("DEBUG", default=True)
