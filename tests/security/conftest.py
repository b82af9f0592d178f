from dataclasses import dataclass

import pytest

from accounts.models import User
from following.models import Subscription, subscribe
from forum import actions
from forum.models import Forum, Post, Thread
from tests.moderation.conftest import make_moderator


@pytest.fixture
def moderator(forum) -> User:
    return make_moderator("Forum_Mod", forums=[forum])


@dataclass
class Board:
    """One of everything a URL can name, with real ids."""

    forum: Forum
    other_forum: Forum
    thread: Thread
    other_thread: Thread
    first_post: Post
    reply: Post
    subscription: Subscription


@pytest.fixture
def board(forum, member, other_member) -> Board:
    other_forum = Forum.objects.create(category=forum.category, name="Lifting", slug="lifting")
    first_post = actions.create_thread(
        forum=forum, author=member, title="Shin splints", body="My shins hurt."
    )
    reply = actions.add_reply(thread=first_post.thread, author=member, body="Still hurting.")
    other = actions.create_thread(
        forum=forum, author=other_member, title="Knee pain", body="And my knees."
    )
    subscribe(member, thread=first_post.thread)
    return Board(
        forum=forum,
        other_forum=other_forum,
        thread=first_post.thread,
        other_thread=other.thread,
        first_post=first_post,
        reply=reply,
        subscription=Subscription.objects.get(user=member, thread=first_post.thread),
    )
