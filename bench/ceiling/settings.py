"""The board's own settings (so the same middleware, sessions, cache and database), with a
URLconf of one page."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.ceiling.urls"
WSGI_APPLICATION = "bench.ceiling.wsgi.application"
