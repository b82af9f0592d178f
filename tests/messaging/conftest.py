import pytest

from accounts.models import User
from messaging import actions
from tests.conftest import make_member


@pytest.fixture
def third_member(db) -> User:
    return make_member("Member_Three")


@pytest.fixture
def conversation(member, other_member):
    """Member_One wrote to Member_Two: one message, unread by Member_Two."""
    return actions.start_conversation(
        sender=member, recipients=[other_member], subject="Training plan", body="Hi [b]Two[/b]!"
    ).conversation


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)
