import pytest

from accounts.models import User
from forum import actions
from forum.models import Forum
from tests.moderation.conftest import make_moderator

SECRET_TITLE = "Zebra payroll"
SECRET_BODY = "quokkasalaries"


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
