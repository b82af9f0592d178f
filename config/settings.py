"""Settings for the board: one file, every value read from the environment.

The defaults are safe for a laptop: an embedded SQLite file under var/, a local-memory cache,
mail printed to the console. Production sets DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS and
HTTPS=true (see README.md, "Configuration").
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_noop

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent
# Run from a checkout, templates/, static/ and fixtures/ sit at its top and what the board writes
# (var/, staticfiles/) goes beside them. An installed wheel carries those three folders inside
# this package (setup.py puts them there) and writes into the directory it runs from, never
# into site-packages.
IS_CHECKOUT = not (PACKAGE_DIR / "templates").is_dir()
FILES_DIR = BASE_DIR if IS_CHECKOUT else PACKAGE_DIR
WORK_DIR = BASE_DIR if IS_CHECKOUT else Path.cwd()
VAR_DIR = Path(os.environ.get("VAR_DIR") or WORK_DIR / "var")


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def local_secret_key() -> str:
    """A random key kept in var/ so a laptop needs no configuration; production sets SECRET_KEY."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("DEBUG", False)
# A production setup (a PostgreSQL DATABASE_URL, or HTTPS) may run several app servers, which
# must sign sessions, CSRF tokens and mailed links with one key: a key made up per server in
# var/ would quietly break them, so production refuses to start without SECRET_KEY.
IS_PRODUCTION = env_bool("HTTPS", False) or os.environ.get("DATABASE_URL", "").startswith(
    ("postgres://", "postgresql://", "pgsql://")
)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY and IS_PRODUCTION:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set: production (a PostgreSQL DATABASE_URL or HTTPS=true) needs the "
        "same long random SECRET_KEY on every app server, e.g. from "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )
SECRET_KEY = SECRET_KEY or local_secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    # Two-factor devices (accounts/two_factor.py). Before accounts, so that accounts/admin.py
    # replaces their admin pages with its own action.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "forum",
    "following",
    "messaging",
    "community",
    "pictures",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_tasks_db",
]

MIDDLEWARE = [
    # First, so load balancers' probes meet no redirect, session, cache or host check.
    "config.health.HealthProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before sessions and the page cache: an absurd query string costs nothing (a 414 page).
    "config.views.LongQueryStringMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "forum.pagecache.AdminWritesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Notes when each member's session was last used, at most every few minutes.
    "accounts.sessions.LastSeenMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "accounts.middleware.MemberTimeZoneMiddleware",
    # After the member is known: the member's language, else a visitor's choice, else the board's.
    "accounts.middleware.MemberLanguageMiddleware",
    "community.online.OnlineMiddleware",
    # Last: which reads may go to a replica (only with DATABASE_REPLICA_URLS), once the session
    # and the member have been read from the primary.
    "config.replicas.ReplicaMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [FILES_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "accounts.context_processors.member",
                "django.contrib.messages.context_processors.messages",
                "forum.context_processors.board",
            ],
        },
    },
]

# With no DATABASE_URL the board runs on an embedded SQLite file, so a fresh machine needs no
# server; production and the test suite use PostgreSQL.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'board.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# Behind PgBouncer in transaction pooling mode (DATABASE_POOLER=pgbouncer) consecutive
# transactions may run on different server connections: no server-side cursors (they live
# across a transaction's end), and no psycopg-side prepared statements (Django's default
# client-side binding prepares none). The board keeps no other session state.
DATABASE_POOLER = os.environ.get("DATABASE_POOLER", "")
if DATABASE_POOLER not in {"", "pgbouncer"}:
    raise ImproperlyConfigured("DATABASE_POOLER must be empty or pgbouncer.")
if DATABASE_POOLER == "pgbouncer":
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
# Streaming replicas that take the reads of pages which may be slightly stale (config/replicas.py):
# DATABASES "replica1", "replica2" ... in the order given. Each is connected to directly (or
# through a PgBouncer of its own), with a short connect timeout so that a dead one is noticed fast.
DATABASE_REPLICA_URLS = env_list("DATABASE_REPLICA_URLS", "")
for number, url in enumerate(DATABASE_REPLICA_URLS, start=1):
    replica = dj_database_url.parse(
        url, conn_max_age=env_int("CONN_MAX_AGE", 60), conn_health_checks=True
    )
    replica["OPTIONS"] = {**replica.get("OPTIONS", {}), "connect_timeout": 2}
    replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica{number}"] = replica
BOARD_REPLICA_ALIASES = [f"replica{n}" for n in range(1, len(DATABASE_REPLICA_URLS) + 1)]
DATABASE_ROUTERS = ["config.replicas.ReplicaRouter"] if DATABASE_REPLICA_URLS else []
# A member who wrote reads from the primary for this long (a signed cookie), to see their own post.
BOARD_REPLICA_STICKY_SECONDS = env_int("BOARD_REPLICA_STICKY_SECONDS", 15)
# A replica further behind than this is skipped; checked at most every BOARD_REPLICA_CHECK_SECONDS
# per process (a dead replica is retried as often).
BOARD_REPLICA_MAX_LAG_SECONDS = env_int("BOARD_REPLICA_MAX_LAG_SECONDS", 5)
BOARD_REPLICA_CHECK_SECONDS = env_int("BOARD_REPLICA_CHECK_SECONDS", 1)
# The pages (URL names) whose reads may come from a replica: what may be slightly stale.
BOARD_REPLICA_VIEWS = {
    "forum:index",
    "forum:forum_detail",
    "forum:thread_detail",
    "forum:thread_print",
    "forum:thread_archive_text",
    "forum:search",
    "forum:feed_rss",
    "forum:feed_atom",
    "forum:forum_feed_rss",
    "forum:forum_feed_atom",
    "forum:thread_feed_rss",
    "forum:thread_feed_atom",
    "members:member_list",
    "members:member_detail",
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "forum:index"
LOGOUT_REDIRECT_URL = "forum:index"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Shared cache (Redis) when REDIS_URL is set, so several app servers agree; else local memory.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache, serving as a cold cache while Redis is unreachable.
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "board"),
        }
    }
    # Sessions are read from Redis and written through to the database, so a member's request
    # costs no session query, and a Redis restart or outage logs nobody out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The board's language: what visitors read, and members who chose none. Pages, mail and dates
# (config/formats/) come in these languages; translations live in locale/.
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "en")
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(
        f"LANGUAGE_CODE must be one of {', '.join(dict(LANGUAGES))}, not {LANGUAGE_CODE!r}"
    )
LOCALE_PATHS = [FILES_DIR / "locale"]
# vBulletin's date and time formats per language (board_time, join_date).
FORMAT_MODULE_PATH = ["config.formats"]
# The board's zone: the sample archive's times are wall-clock times in this zone, and visitors
# who are not logged in (or members who chose none) see every time in it.
TIME_ZONE = os.environ.get("TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or WORK_DIR / "staticfiles")
STATICFILES_DIRS = [FILES_DIR / "static"]
# Avatars and attachments (pictures/): on local disk under var/media/ unless S3_BUCKET names a
# bucket of an S3-compatible object store (AWS, MinIO, Ceph, R2 ...), which several app servers
# share. Either way every file is served through the board's views, which check who may see it;
# on S3 they answer with a signed URL that expires after S3_URL_SECONDS.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or VAR_DIR / "media")
S3_BUCKET = os.environ.get("S3_BUCKET", "")
if S3_BUCKET:
    MEDIA_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("S3_REGION") or None,
            "access_key": os.environ.get("S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": env_int("S3_URL_SECONDS", 300),
            "file_overwrite": False,
            "addressing_style": os.environ.get("S3_ADDRESSING_STYLE") or None,
            "signature_version": "s3v4",
        },
    }
else:
    MEDIA_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": "/media/"},
    }
STORAGES = {
    "default": MEDIA_STORAGE,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Mail: printed to the console unless EMAIL_HOST names an SMTP server.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": EMAIL_HOST,
                "port": env_int("EMAIL_PORT", 587),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", True),
                "timeout": 10,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
del EMAIL_HOST  # only MAILERS may hold mail settings in Django 6.1
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "board@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Behind HTTPS (production): secure cookies, redirect, HSTS. Off by default so the board works
# on http://127.0.0.1 on a laptop.
HTTPS = env_bool("HTTPS", False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
# The board's 403 page; a reply, new thread or edit comes back filled in (config/views.py).
CSRF_FAILURE_VIEW = "config.views.csrf_failure"
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
# No inline or foreign scripts, ever. Inline styles stay allowed for the colours and sizes of
# [color] and [size] (sanitised to those two properties); members' [img] may point anywhere.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "https:", "http:", "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# The board's own settings. Page sizes default to vBulletin's.
BOARD_NAME = os.environ.get("BOARD_NAME", "IronWorks Fitness Forums")
BOARD_POSTS_PER_PAGE = env_int("BOARD_POSTS_PER_PAGE", 10)
BOARD_THREADS_PER_PAGE = env_int("BOARD_THREADS_PER_PAGE", 20)
BOARD_MEMBERS_PER_PAGE = env_int("BOARD_MEMBERS_PER_PAGE", 30)
# Visitors' pages are served from the shared cache for up to this many seconds, and never after
# a write made them stale (forum/pagecache.py). Only with REDIS_URL: 0 turns it off.
BOARD_PAGE_CACHE_SECONDS = env_int("BOARD_PAGE_CACHE_SECONDS", 300) if REDIS_URL else 0
# Thread views are counted in Redis and written to the thread row once per this many views, so
# a page view never takes a write lock on the thread. Without Redis each worker's local memory
# would count alone and lose its share on exit: every view goes straight to the row (1).
BOARD_VIEW_FLUSH_EVERY = env_int("BOARD_VIEW_FLUSH_EVERY", 100) if REDIS_URL else 1
# Rank ladder: (posts needed, title), shown under members without a custom title.
# The titles are in English; pages show them in the reader's language (User.rank).
BOARD_RANKS = [
    (0, gettext_noop("Junior Member")),
    (30, gettext_noop("Member")),
    (100, gettext_noop("Senior Member")),
    (500, gettext_noop("Veteran")),
]
FIXTURE_DIRS = [FILES_DIR / "fixtures"]
# Posting rules.
BOARD_FLOOD_SECONDS = env_int("BOARD_FLOOD_SECONDS", 15)
# A member's first posts (threads and replies) wait for a moderator until this many of their
# posts are approved; 0 turns it off. Forums can also hold every post (Forum.holds_all_posts).
BOARD_HOLD_FIRST_POSTS = env_int("BOARD_HOLD_FIRST_POSTS", 1)
# Members with fewer posts than this may put at most BOARD_NEW_MEMBER_MAX_LINKS links and
# images in a post (0: none); staff are never limited.
BOARD_NEW_MEMBER_POSTS = env_int("BOARD_NEW_MEMBER_POSTS", 5)
BOARD_NEW_MEMBER_MAX_LINKS = env_int("BOARD_NEW_MEMBER_MAX_LINKS", 2)
# Members' addresses (registration, logins, posts, edits) are kept this many days for the
# moderators, then erased by `manage.py erase_old_addresses` (run it daily).
BOARD_ADDRESS_DAYS = env_int("BOARD_ADDRESS_DAYS", 90)
# The human check at registration (accounts.forms.HumanCheckFields): "on" (honeypot, minimum
# fill time, and the admin's question if there is one), "recent" (the question only for
# addresses that registered in the last BOARD_HUMAN_CHECK_RECENT_HOURS) or "off".
BOARD_HUMAN_CHECK = os.environ.get("BOARD_HUMAN_CHECK", "on")
if BOARD_HUMAN_CHECK not in {"on", "recent", "off"}:
    raise ImproperlyConfigured("BOARD_HUMAN_CHECK must be on, recent or off.")
BOARD_HUMAN_CHECK_RECENT_HOURS = env_int("BOARD_HUMAN_CHECK_RECENT_HOURS", 24)
BOARD_HUMAN_CHECK_MIN_SECONDS = env_int("BOARD_HUMAN_CHECK_MIN_SECONDS", 3)
# Throttling (accounts/throttle.py, counted in the database): failed logins per 15 minutes,
# new accounts and mail per hour.
BOARD_LOGIN_FAILURES_PER_ACCOUNT = env_int("BOARD_LOGIN_FAILURES_PER_ACCOUNT", 5)
BOARD_LOGIN_FAILURES_PER_ADDRESS = env_int("BOARD_LOGIN_FAILURES_PER_ADDRESS", 20)
BOARD_REGISTRATIONS_PER_ADDRESS_PER_HOUR = env_int("BOARD_REGISTRATIONS_PER_ADDRESS_PER_HOUR", 5)
# Mail anyone can ask for (password reset, confirmation links): per address and per recipient.
BOARD_MAILS_PER_ADDRESS_PER_HOUR = env_int("BOARD_MAILS_PER_ADDRESS_PER_HOUR", 10)
BOARD_MAILS_PER_TARGET_PER_HOUR = env_int("BOARD_MAILS_PER_TARGET_PER_HOUR", 3)
BOARD_EDIT_WINDOW_MINUTES = env_int("BOARD_EDIT_WINDOW_MINUTES", 60 * 24)
BOARD_REQUIRE_EMAIL_CONFIRMATION = env_bool("BOARD_REQUIRE_EMAIL_CONFIRMATION", False)
BOARD_CUSTOM_TITLE_POSTS = env_int("BOARD_CUSTOM_TITLE_POSTS", 500)
# Private messages (messaging/): who may send (posts a member needs first; staff always may),
# how many recipients one message names, how many messages a member sends an hour, and how many
# conversations a member keeps before deleting some. README: "Private messages".
BOARD_PM_MIN_POSTS = env_int("BOARD_PM_MIN_POSTS", 0)
BOARD_PM_MAX_RECIPIENTS = env_int("BOARD_PM_MAX_RECIPIENTS", 5)
BOARD_PM_PER_HOUR = env_int("BOARD_PM_PER_HOUR", 30)
BOARD_PM_QUOTA = env_int("BOARD_PM_QUOTA", 200)
BOARD_MESSAGES_PER_PAGE = env_int("BOARD_MESSAGES_PER_PAGE", 20)
BOARD_CONVERSATIONS_PER_PAGE = env_int("BOARD_CONVERSATIONS_PER_PAGE", 25)
BOARD_SIGNATURE_MAX_LENGTH = 500
# Community features (community/): each can be turned off.
BOARD_REPUTATION = env_bool("BOARD_REPUTATION", True)
BOARD_THANKS = env_bool("BOARD_THANKS", True)
BOARD_POLLS = env_bool("BOARD_POLLS", True)
BOARD_WHOS_ONLINE = env_bool("BOARD_WHOS_ONLINE", True)
# Reputation a member may give in 24 hours, and how many others they must give it to before
# giving it to the same member again (vBulletin's "spread some reputation around").
BOARD_REPUTATION_PER_DAY = env_int("BOARD_REPUTATION_PER_DAY", 10)
BOARD_REPUTATION_SPREAD = env_int("BOARD_REPUTATION_SPREAD", 1)
# At most this many @mentions in one post notify anyone.
BOARD_MAX_MENTIONS = env_int("BOARD_MAX_MENTIONS", 5)
# Who's online: active in the last BOARD_ONLINE_MINUTES; each process writes what it saw at
# most once per BOARD_ONLINE_FLUSH_SECONDS (one upsert), never once per request.
BOARD_ONLINE_MINUTES = env_int("BOARD_ONLINE_MINUTES", 15)
BOARD_ONLINE_FLUSH_SECONDS = env_int("BOARD_ONLINE_FLUSH_SECONDS", 30)
# A "Moved:" stub stays in the old forum this many days (0: no stub).
BOARD_MOVED_STUB_DAYS = env_int("BOARD_MOVED_STUB_DAYS", 7)
# Read notices older than this many days are deleted by `manage.py prune_notices` (0: kept).
BOARD_NOTICE_DAYS = env_int("BOARD_NOTICE_DAYS", 180)
# Staff must log in with two-factor (accounts/two_factor.py): the admin refuses a staff session
# that did not pass the code step, and sends them to set it up.
BOARD_STAFF_TWO_FACTOR = env_bool("BOARD_STAFF_TWO_FACTOR", False)
# Erasing an account (accounts/personal_data.py) keeps its posts under "Former member #N" so
# threads keep making sense; true removes them as well (they show as removed, in place).
BOARD_ERASURE_REMOVES_POSTS = env_bool("BOARD_ERASURE_REMOVES_POSTS", False)
# How long the mailed link to a member's data archive works.
BOARD_DATA_EXPORT_HOURS = env_int("BOARD_DATA_EXPORT_HOURS", 48)
AUTHENTICATION_BACKENDS = ["accounts.backends.UsernameOrEmailBackend"]
# Read tracking: threads whose last post is older than this count as read for everyone.
BOARD_READ_TRACKING_DAYS = env_int("BOARD_READ_TRACKING_DAYS", 30)
# The board's public address, for links in mail.
BOARD_SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# Prometheus metrics at /metrics (config/metrics.py), for these addresses (REMOTE_ADDR) only;
# empty: no metrics, and /metrics is the 404 page for everyone.
BOARD_METRICS_ALLOWED_ADDRESSES = env_list("BOARD_METRICS_ALLOWED_ADDRESSES", "")
if BOARD_METRICS_ALLOWED_ADDRESSES:
    # After the probes, which stay out of the request metrics.
    MIDDLEWARE.insert(1, "config.metrics.MetricsMiddleware")
# Scrapers read /metrics from the app server over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^metrics$"]

# Background work (config/tasks.py): every mail is a task stored in the database in the same
# transaction as the write that causes it; `manage.py db_worker` runs them.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A failed mail is tried this many times in all, waiting BOARD_MAIL_RETRY_SECONDS after the first
# failure and twice as long after each next one (1, 2, 4, 8 minutes), then kept as failed.
BOARD_MAIL_ATTEMPTS = env_int("BOARD_MAIL_ATTEMPTS", 5)
BOARD_MAIL_RETRY_SECONDS = env_int("BOARD_MAIL_RETRY_SECONDS", 60)
# A task a worker started this long ago and never finished had its worker killed:
# `manage.py requeue_stuck_tasks` (run before each worker starts) puts it back in the queue.
BOARD_TASK_STUCK_SECONDS = env_int("BOARD_TASK_STUCK_SECONDS", 15 * 60)
# /readyz answers 503 when a task has waited longer than this for a worker (0: never).
BOARD_READY_MAX_TASK_AGE_SECONDS = env_int("BOARD_READY_MAX_TASK_AGE_SECONDS", 10 * 60)

# Pictures (pictures/): limits on what members upload. Sizes in bytes. A request larger than
# a post's files at their limits is refused (400) before its files are written to a temporary
# folder (pictures/uploads.py); set the proxy's body limit (nginx client_max_body_size) to match.
FILE_UPLOAD_HANDLERS = [
    "pictures.uploads.RequestSizeLimit",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
BOARD_ATTACHMENT_MAX_BYTES = env_int("BOARD_ATTACHMENT_MAX_BYTES", 8 * 1024 * 1024)
BOARD_ATTACHMENTS_PER_POST = env_int("BOARD_ATTACHMENTS_PER_POST", 10)
BOARD_ATTACHMENT_QUOTA_BYTES = env_int("BOARD_ATTACHMENT_QUOTA_BYTES", 200 * 1024 * 1024)
# Which files other than JPEG, PNG, WebP and GIF images a post may carry (of: pdf, txt).
BOARD_ATTACHMENT_OTHER_TYPES = env_list("BOARD_ATTACHMENT_OTHER_TYPES", "pdf,txt")
# Images with more pixels (all frames of a GIF together) are refused before being decoded.
BOARD_IMAGE_MAX_PIXELS = env_int("BOARD_IMAGE_MAX_PIXELS", 40_000_000)
BOARD_AVATAR_MAX_BYTES = env_int("BOARD_AVATAR_MAX_BYTES", 4 * 1024 * 1024)
