import importlib

import pytest
from django.contrib.auth.models import Group

from accounts.models import MODERATORS_GROUP, User
from forum import actions
from forum.models import Forum
from tests.conftest import make_member

SECRET_TITLE = "Zebra payroll"
SECRET_BODY = "quokkasalaries"


def moderators_group() -> Group:
    """The group the data migration made, made again if a browser test's flush emptied it."""
    group = Group.objects.filter(name=MODERATORS_GROUP).first()
    if group is None:
        from django.apps import apps

        importlib.import_module("forum.migrations.0005_moderators_group").create_group(apps, None)
        importlib.import_module("forum.migrations.0008_infractions").grant_moderators(apps, None)
        group = Group.objects.get(name=MODERATORS_GROUP)
    return group


def make_moderator(username: str, forums=()) -> User:
    moderator = make_member(username, is_staff=True)
    moderator.groups.add(moderators_group())
    for forum in forums:
        forum.moderators.add(moderator)
    return moderator


@pytest.fixture
def staff(db) -> User:
    return make_moderator("Staff_Mod")


@pytest.fixture
def staff_forum(category, staff) -> Forum:
    """A staff-only forum (one click in the admin) holding a thread with a secret title."""
    forum = Forum.objects.create(category=category, name="Staff Room", slug="staff-room")
    actions.apply_forum_preset(forums=[forum], preset="staff_only")
    forum.refresh_from_db()
    return forum


@pytest.fixture
def secret_post(staff_forum, staff):
    post = actions.create_thread(
        forum=staff_forum, author=staff, title=SECRET_TITLE, body=f"The {SECRET_BODY} are due."
    )
    actions.add_reply(thread=post.thread, author=staff, body=f"More {SECRET_BODY}.")
    return post


@pytest.fixture
def secret_thread(secret_post):
    return secret_post.thread


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client
