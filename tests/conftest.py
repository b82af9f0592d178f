import fcntl
import os
import shutil
import socket
import subprocess
import sys
import threading

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.utils import translation

from accounts.models import User
from community import online
from forum import actions, pagecache
from forum.models import Category, Forum

# What config/settings.py hashes passwords with; the production_password_hashers fixture puts it
# back for the test that proves it.
PRODUCTION_PASSWORD_HASHERS = list(django_settings.PASSWORD_HASHERS)


def pytest_collection_modifyitems(config, items):
    # The suite proves behaviour on PostgreSQL: locks, constraints and F() must be real.
    if connection.vendor != "postgresql":
        pytest.exit(
            "The test suite runs on PostgreSQL: use ./board test, or set DATABASE_URL=postgres://…",
            returncode=2,
        )


@pytest.fixture(scope="session")
def media_root(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def board_settings(settings, media_root):
    # Pages render without running collectstatic first; avatars and attachments are kept in a
    # folder of the test run's own, never in the checkout's var/media/.
    settings.STORAGES = {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": media_root, "base_url": "/media/"},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # View counts would otherwise flush to the database mid-test and change query counts.
    settings.BOARD_VIEW_FLUSH_EVERY = 1_000_000
    # Tests post many times a second; the flood-control tests turn it back on.
    settings.BOARD_FLOOD_SECONDS = 0
    # Tasks (mail) run in the test's own process when the write that enqueued them commits;
    # the durability tests switch to the database backend (`database_tasks`, `run_tasks`).
    settings.TASKS = {"default": {"BACKEND": "tests.tasks_backend.OnCommitBackend"}}
    # New members' first posts would wait for a moderator; the queue's tests turn it on.
    settings.BOARD_HOLD_FIRST_POSTS = 0
    # Registrations in tests are sent at once and without the form's token.
    settings.BOARD_HUMAN_CHECK = "off"
    # PBKDF2 spends most of a second on each hash here, and members get hashed passwords in
    # nearly every test. New passwords are hashed with MD5; the production hashers stay listed so
    # the demo fixture's stored hashes still verify.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *PRODUCTION_PASSWORD_HASHERS,
    ]
    # Who's online is written when a process's notes are due; a test flushes them itself
    # (community.online.flush), so no request's query count depends on the clock.
    settings.BOARD_ONLINE_FLUSH_SECONDS = 10**9
    online.forget_noted()
    pagecache.recorded_scopes.clear()
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def production_password_hashers(settings):
    settings.PASSWORD_HASHERS = PRODUCTION_PASSWORD_HASHERS


@pytest.fixture
def sample(db):
    """The shipped sample thread, loaded as a user would load it."""
    from django.core.management import call_command

    call_command("loaddata", "sample_thread", verbosity=0)


def make_member(username: str, **extra) -> User:
    return User.objects.create_user(
        username=username,
        email=f"{username.lower()}@example.com",
        password="a-long-pass-42",
        **extra,
    )


@pytest.fixture
def member(db) -> User:
    return make_member("Member_One")


@pytest.fixture
def other_member(db) -> User:
    return make_member("Member_Two")


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser(
        username="Boss", email="boss@example.com", password="a-long-pass-42"
    )


@pytest.fixture
def category(db) -> Category:
    return Category.objects.create(name="Training", slug="training-cat")


@pytest.fixture
def forum(category) -> Forum:
    return Forum.objects.create(category=category, name="Running", slug="running")


@pytest.fixture
def thread(forum, member):
    return actions.create_thread(
        forum=forum, author=member, title="Shin splints", body="My shins hurt."
    ).thread


@pytest.fixture
def at_once():
    """Runs each of `calls` in its own thread, released at the same instant, each on its own
    database connection (with transactional_db); returns what they raised, in no order."""

    def run(calls) -> list[Exception]:
        start = threading.Barrier(len(calls))
        errors = []

        def go(call):
            try:
                start.wait(timeout=10)
                call()
            except Exception as error:  # returned: a thread cannot fail the test itself
                errors.append(error)
            finally:
                connection.close()

        racers = [threading.Thread(target=go, args=(call,)) for call in calls]
        for racer in racers:
            racer.start()
        for racer in racers:
            racer.join(timeout=30)
        return errors

    return run


@pytest.fixture
def german():
    """German active, as the board's language, so that visitors' and members' pages (which
    activate the board's language per request) and code outside a request are German alike."""
    with override_settings(LANGUAGE_CODE="de"), translation.override("de"):
        yield


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


class SqliteBoard:
    """A fresh embedded SQLite board in `folder`, driven through subprocesses: the test process
    itself is bound to PostgreSQL. It migrates, or starts as a copy of `migrated` (the
    migrated_sqlite fixture's folder: migrating takes most of a minute on a busy machine)."""

    def __init__(self, folder, *commands: list[str], migrated=None):
        from django.conf import settings

        self.base_dir = settings.BASE_DIR
        self.env = {
            **os.environ,
            "DATABASE_URL": "",
            "VAR_DIR": str(folder),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "true",
            "ALLOWED_HOSTS": "testserver",
        }
        if migrated:
            shutil.copytree(migrated, folder, dirs_exist_ok=True)
        else:
            commands = (["migrate", "--noinput"], *commands)
        for command in commands:
            self.run([str(self.base_dir / "manage.py"), *command], timeout=120)

    def run(self, arguments: list[str], timeout: int = 60) -> str:
        return subprocess.run(
            [sys.executable, *arguments], env=self.env, cwd=self.base_dir,
            check=True, capture_output=True, text=True, timeout=timeout,
        ).stdout  # fmt: skip

    def script(self, source: str) -> str:
        """Runs Python source with Django set up on this board; returns what it printed."""
        return self.run(["-c", "import django\ndjango.setup()\n" + source])


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory, worker_id):
    """A SQLite board folder that `migrate` built from nothing, once per test run: the xdist
    workers share it (a lock lets the first build it), and SqliteBoard(..., migrated=it)
    copies it. Only the board file and its secret key are in it, never a test's writes."""
    # Each run's workers share the parent of their base folders; without xdist, the parent
    # would hold earlier runs' folders too, so a lone process keeps its own.
    root = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        root = root.parent
    folder = root / "sqlite-migrated"
    with open(root / "sqlite-migrated.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not folder.exists():
            building = root / "sqlite-migrating"
            shutil.rmtree(building, ignore_errors=True)  # a worker that died while building
            building.mkdir()
            SqliteBoard(building)
            assert (building / "board.sqlite3").is_file()
            building.rename(folder)
    return folder


@pytest.fixture
def database_tasks(settings):
    """Tasks stored in the database as in production: nothing runs until `run_tasks`."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def run_tasks(database_tasks, monkeypatch):
    """Runs the queued tasks that are due with django-tasks-db's own worker loop, in this
    process and this test's transaction, until none is left; returns how many ran."""
    from django_tasks_db.management.commands import db_worker
    from django_tasks_db.management.commands.db_worker import Worker

    # It would close the test's connection, which is inside a transaction (Django's test
    # client turns the same call off between requests).
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def run() -> int:
        worker = Worker(
            queue_names=["default"], interval=0, batch=True, backend_name="default",
            startup_delay=False, max_tasks=None, worker_id="test-worker", excluded_queue_names=[],
        )  # fmt: skip
        worker.run()
        return worker._run_tasks

    return run


@pytest.fixture
def closed_port() -> int:
    """A local port nothing listens on: a server that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mail_server_down(settings, closed_port):
    """Mail goes to an SMTP server that is down."""
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": closed_port, "timeout": 5},
        }
    }
