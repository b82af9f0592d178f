import pytest

from community import actions as community_actions
from forum import actions
from tests.conftest import make_member


@pytest.fixture
def poll(thread):
    return community_actions.create_poll(
        thread=thread, question="Best cardio?", options=["Rowing", "Running", "Cycling"]
    )


@pytest.fixture
def reply(thread, other_member):
    """A reply by other_member in `thread` (started by member)."""
    return actions.add_reply(thread=thread, author=other_member, body="Try rowing.")


@pytest.fixture
def third_member(db):
    return make_member("Member_Three")


@pytest.fixture
def post_reply(django_capture_on_commit_callbacks):
    """Replies as the board does, running the tasks its commit would start (notices, mail)."""

    def post(author, thread, body):
        with django_capture_on_commit_callbacks(execute=True):
            return actions.add_reply(thread=thread, author=author, body=body)

    return post
