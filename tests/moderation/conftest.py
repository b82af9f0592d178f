import importlib

import pytest
from django.contrib.auth.models import Group

from accounts.models import MODERATORS_GROUP, User
from forum import actions
from forum.models import Forum
from tests.conftest import make_member


def moderators_group() -> Group:
    """The group the data migration made; a browser test's flush (live_server tests truncate
    every table) may have emptied it on this worker, so it is made again the same way."""
    group = Group.objects.filter(name=MODERATORS_GROUP).first()
    if group is None:
        from django.apps import apps

        migration = importlib.import_module("forum.migrations.0005_moderators_group")
        migration.create_group(apps, None)
        importlib.import_module("forum.migrations.0008_infractions").grant_moderators(apps, None)
        group = Group.objects.get(name=MODERATORS_GROUP)
    return group


def make_moderator(username: str, forums=()) -> User:
    """Staff in the Moderators group; listed on `forums`, or on none to moderate everywhere."""
    moderator = make_member(username, is_staff=True)
    moderator.groups.add(moderators_group())
    for forum in forums:
        forum.moderators.add(moderator)
    return moderator


@pytest.fixture
def other_forum(category) -> Forum:
    return Forum.objects.create(category=category, name="Lifting", slug="lifting")


@pytest.fixture
def forum_moderator(forum) -> User:
    return make_moderator("Forum_Mod", forums=[forum])


@pytest.fixture
def other_forum_moderator(other_forum) -> User:
    return make_moderator("Other_Mod", forums=[other_forum])


@pytest.fixture
def global_moderator(db) -> User:
    return make_moderator("Global_Mod")


def reply(thread, author, body="A reply.", **kwargs):
    return actions.add_reply(thread=thread, author=author, body=body, **kwargs)
