import pytest
from django.core.cache import cache
from django.db import connection

from accounts.models import User
from forum import actions
from forum.models import Category, Forum


def pytest_collection_modifyitems(config, items):
    # The suite proves behaviour on PostgreSQL: locks, constraints and F() must be real.
    if connection.vendor != "postgresql":
        pytest.exit(
            "The test suite runs on PostgreSQL: use ./board test, or set DATABASE_URL=postgres://…",
            returncode=2,
        )


@pytest.fixture(autouse=True)
def board_settings(settings):
    # Pages render without running collectstatic first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # View counts would otherwise flush to the database mid-test and change query counts.
    settings.BOARD_VIEW_FLUSH_EVERY = 1_000_000
    # Tests post many times a second; the flood-control tests turn it back on.
    settings.BOARD_FLOOD_SECONDS = 0
    # Reply mail goes out in the test's own thread, where the test can see it.
    settings.BOARD_MAIL_IN_BACKGROUND = False
    cache.clear()
    yield
    cache.clear()


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
def member_client(client, member):
    client.force_login(member)
    return client
