import pytest
from django.core import signing
from django.utils import timezone

from accounts import actions as account_actions
from accounts.mail import EMAIL_CHANGE_SALT, EMAIL_UNDO_SALT
from accounts.models import User
from community import actions as community_actions
from community.models import Notice
from following import notifications as following_mail
from following.models import Subscription, subscribe
from forum import actions
from forum.models import Category, Forum, Post
from messaging import actions as messaging_actions
from messaging import notifications as messaging_mail
from tests.conftest import make_member


@pytest.fixture
def every_page(db, settings):
    """A board where every page has something to show: a thread with replies, quotes, an edit,
    a poll, thanks and reputation; held posts, a report and an infraction for the moderators; a
    private conversation with a report; notices, subscriptions and a pending email change.
    Returns the ids the page addresses need."""
    category = Category.objects.create(name="Training", slug="training-cat")
    forum = Forum.objects.create(category=category, name="Running", slug="running")
    Forum.objects.create(category=category, name="Trails", slug="trails", parent=forum)
    author = make_member("Ada_Runner")
    reader = make_member("Bo_Reader")
    boss = User.objects.create_superuser("Boss_Mod", "boss@example.com", "a-long-pass-42")
    first = actions.create_thread(
        forum=forum, author=author, title="Shin splints", body="[b]My shins[/b] hurt :)"
    )
    thread = first.thread
    actions.edit_post(post=first, editor=author, body=first.body + " still")
    reply = actions.add_reply(
        thread=thread, author=reader, body=f"{first.quote_source()}\nIce them @Ada_Runner."
    )
    poll = community_actions.create_poll(
        thread=thread, question="Best shoe?", options=["Trail", "Road"], is_public=True
    )
    community_actions.vote(poll=poll, member=reader, option_ids=[poll.options.first().pk])
    community_actions.thank_post(post=first, member=reader)
    community_actions.give_reputation(post=first, giver=reader, amount=1, comment="Wise")
    other = actions.create_thread(forum=forum, author=reader, title="Hill repeats", body="Hills.")
    actions.stick_thread(thread=other.thread, moderator=boss)
    actions.report_post(post=reply, reporter=author, reason="Rude words")
    actions.give_infraction(
        post=reply, moderator=boss, reason="Rude words", points=0, expires_at=None
    )
    settings.BOARD_HOLD_FIRST_POSTS = 1
    newcomer = make_member("Cy_Newcomer")
    actions.add_reply(thread=thread, author=newcomer, body="Calf cramps.")
    actions.create_thread(
        forum=forum, author=newcomer, title="Stretch tips", body="Calf cramps again."
    )
    settings.BOARD_HOLD_FIRST_POSTS = 0
    message = messaging_actions.start_conversation(
        sender=author, recipients=[reader], subject="Race plans", body="Shall we race?"
    )
    message_report = messaging_actions.report_message(
        message=message, reporter=reader, reason="Spam offer"
    )
    community_actions.notify(
        recipient=reader, kind=Notice.QUOTE, actor=author, post=first, thread=thread
    )
    change = account_actions.request_email_change(member=reader, new_email="bo@example.org")
    subscription = Subscription.objects.get(user=reader, thread=thread)
    subscribe(reader, forum=forum)  # the list shows both kinds
    return {
        "thread": thread.pk,
        "slug": thread.slug,
        "first": first.pk,
        "reply": reply.pk,
        "held_post": Post.objects.get(body="Calf cramps.").pk,
        "poll": poll.pk,
        "author": author.pk,
        "reader": reader.pk,
        "conversation": message.conversation_id,
        "message": message.pk,
        "message_report": message_report.pk,
        "thread_unsubscribe": following_mail.unsubscribe_token(subscription),
        "pm_unsubscribe": messaging_mail.unsubscribe_token(reader),
        "email_confirm": signing.dumps(change.pk, salt=EMAIL_CHANGE_SALT),
        "email_undo": signing.dumps(change.pk, salt=EMAIL_UNDO_SALT),
        "now": timezone.now(),
    }
