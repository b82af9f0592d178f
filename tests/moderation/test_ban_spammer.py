"""Ban spammer: one step bans the account, removes what it posted, optionally bans its
registration address, logs it; a superuser undoes exactly that."""

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client

from accounts.models import AddressBan, AddressRecord
from forum import actions
from forum.models import Forum, Post, SpammerCleanup, Thread
from tests.conftest import make_member
from tests.moderation.conftest import reply


@pytest.fixture
def spammer(db):
    spammer = make_member("Spam_Bot")
    AddressRecord.note(spammer, "203.0.113.9", AddressRecord.REGISTRATION)
    return spammer


@pytest.fixture
def spam(thread, forum, spammer, member):
    """A thread the spammer started (with a member's reply in it) and a reply elsewhere."""
    own = actions.create_thread(forum=forum, author=spammer, title="Cheap pills", body="Buy").thread
    reply(own, member, "Is this spam?")
    spam_reply = reply(thread, spammer, "Buy more")
    return own, spam_reply


def test_ban_spammer_bans_removes_everything_it_posted_and_logs_why(
    thread, forum, spammer, spam, global_moderator
):
    own, spam_reply = spam

    cleanup = actions.ban_spammer(
        member=spammer, moderator=global_moderator, reason="Pill spam", ban_address=True
    )

    spammer.refresh_from_db()
    assert spammer.is_under_ban and spammer.ban_reason == "Pill spam"
    assert Thread.objects.get(pk=own.pk).is_removed
    assert Post.objects.get(pk=spam_reply.pk).removed_reason == "Pill spam"
    assert (cleanup.thread_ids, cleanup.post_ids) == ([own.pk], [spam_reply.pk])
    forum.refresh_from_db()
    thread.refresh_from_db()
    assert (forum.thread_count, forum.post_count, thread.post_count) == (1, 1, 1)
    assert spammer.post_count == 0
    assert AddressBan.objects.covering("203.0.113.9") == cleanup.address_ban
    assert LogEntry.objects.filter(change_message__startswith="Banned as a spammer").exists()


def test_ban_spammer_leaves_the_address_alone_unless_asked(spammer, spam, global_moderator):
    actions.ban_spammer(member=spammer, moderator=global_moderator, reason="Spam")

    assert not AddressBan.objects.exists()


def test_only_moderators_of_the_whole_board_ban_spammers(
    spammer, spam, forum_moderator, member, global_moderator
):
    for user in (forum_moderator, member):
        with pytest.raises(actions.ModerationRefused):
            actions.ban_spammer(member=spammer, moderator=user, reason="Spam")
        client = Client()
        client.force_login(user)
        assert (
            client.post(f"/moderation/spammers/{spammer.pk}/", {"reason": "x"}).status_code == 403
        )
    staff = make_member("Staff_One", is_staff=True)
    with pytest.raises(actions.ModerationRefused):
        actions.ban_spammer(member=staff, moderator=global_moderator, reason="Spam")
    assert not Post.objects.filter(author=spammer, is_removed=True).exists()


def test_a_global_moderator_bans_a_spammer_from_the_profile(
    client, spammer, spam, global_moderator
):
    client.force_login(global_moderator)
    profile = client.get(f"/members/{spammer.pk}/").content.decode()
    assert f"/moderation/spammers/{spammer.pk}/" in profile
    form = client.get(f"/moderation/spammers/{spammer.pk}/").content.decode()
    assert "removes the 1 thread they started and their 1 other post" in form

    assert client.post(f"/moderation/spammers/{spammer.pk}/", {"reason": ""}).status_code == 200
    response = client.post(
        f"/moderation/spammers/{spammer.pk}/", {"reason": "Pills", "ban_address": "on"}
    )

    assert response.status_code == 302
    assert SpammerCleanup.objects.get().address_ban.network == "203.0.113.9"


def test_members_see_no_ban_spammer_button(client, member, spammer):
    client.force_login(member)

    assert "/moderation/spammers/" not in client.get(f"/members/{spammer.pk}/").content.decode()


def test_a_superuser_undoes_exactly_what_ban_spammer_did(
    thread, forum, spammer, spam, member, global_moderator, superuser
):
    own, spam_reply = spam
    earlier = reply(thread, spammer, "Removed before, for another reason")
    actions.remove_post(post=earlier, moderator=global_moderator, reason="Off topic")
    cleanup = actions.ban_spammer(
        member=spammer, moderator=global_moderator, reason="Spam", ban_address=True
    )

    with pytest.raises(actions.ModerationRefused):
        actions.undo_ban_spammer(cleanup=cleanup, superuser=global_moderator)
    actions.undo_ban_spammer(cleanup=cleanup, superuser=superuser)

    spammer.refresh_from_db()
    assert not spammer.is_under_ban
    assert not Thread.objects.get(pk=own.pk).is_removed
    assert not Post.objects.get(pk=spam_reply.pk).is_removed
    assert Post.objects.get(pk=earlier.pk).removed_reason == "Off topic"
    assert AddressBan.objects.covering("203.0.113.9") is None
    forum.refresh_from_db()
    assert (forum.thread_count, forum.post_count) == (2, 4)
    assert spammer.post_count == 2


def test_the_admin_undo_is_for_superusers_only(client, spammer, spam, global_moderator, superuser):
    cleanup = actions.ban_spammer(member=spammer, moderator=global_moderator, reason="Spam")
    data = {"action": "undo", "_selected_action": [cleanup.pk]}

    client.force_login(global_moderator)
    client.post("/admin/forum/spammercleanup/", data)
    assert SpammerCleanup.objects.get().undone_at is None

    client.force_login(superuser)
    client.post("/admin/forum/spammercleanup/", data)
    assert SpammerCleanup.objects.get().undone_by == superuser
    assert Forum.objects.get().thread_count == 2
