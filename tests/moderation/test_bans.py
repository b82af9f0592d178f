import re
from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.utils import timezone

from accounts.models import Ban, User
from forum import actions
from tests.moderation.conftest import reply

LOGIN = "/accounts/login/"

# "Log in or register to reply.", both words linked.
GUEST_REFUSAL = re.compile(
    r'<a href="/accounts/login/\?next=[^"]*">Log in</a> or '
    r'<a href="/accounts/register/">register</a> to reply.'
)


def log_in(client, username, password="a-long-pass-42"):
    return client.post(LOGIN, {"username": username, "password": password})


def test_a_banned_member_cannot_log_in_and_is_told_why_and_until_when(
    client, member, global_moderator
):
    ends = timezone.now() + timedelta(days=3)
    actions.ban_member(member=member, moderator=global_moderator, reason="Spamming", ends_at=ends)

    response = log_in(client, "Member_One")

    html = response.content.decode()
    assert response.status_code == 200
    assert "You are banned until" in html and "Reason: Spamming" in html
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_for_a_banned_member_learns_nothing_about_the_ban(
    client, member, global_moderator
):
    actions.ban_member(member=member, moderator=global_moderator, reason="Spamming")

    html = log_in(client, "Member_One", "not-the-password").content.decode()

    assert "Spamming" not in html and "banned" not in html


def test_a_ban_with_an_end_date_expires_by_itself(client, member, global_moderator, monkeypatch):
    now = timezone.now()
    actions.ban_member(
        member=member,
        moderator=global_moderator,
        reason="Cool off",
        ends_at=now + timedelta(hours=1),
    )
    log_in(client, "Member_One")
    assert "_auth_user_id" not in client.session

    monkeypatch.setattr(timezone, "now", lambda: now + timedelta(hours=2))

    assert log_in(client, "Member_One").status_code == 302
    assert User.objects.get(pk=member.pk).may_post


def test_a_ban_without_an_end_date_lasts_until_lifted(client, member, global_moderator):
    actions.ban_member(member=member, moderator=global_moderator, reason="Gone")
    assert "for good" in log_in(client, "Member_One").content.decode()

    actions.unban_member(member=member, moderator=global_moderator, reason="Apologised")

    assert log_in(client, "Member_One").status_code == 302
    ban = Ban.objects.get()
    assert ban.lifted_by == global_moderator and not ban.is_in_force


def test_a_ban_logs_out_a_member_who_is_logged_in(member_client, member, thread, global_moderator):
    actions.ban_member(member=member, moderator=global_moderator, reason="Spamming")

    html = member_client.get(thread.get_absolute_url()).content.decode()

    assert GUEST_REFUSAL.search(html)


def test_a_banned_member_cannot_post_and_their_posts_stay(client, thread, member, global_moderator):
    actions.ban_member(member=member, moderator=global_moderator, reason="Spamming")
    member.refresh_from_db()

    assert not member.may_post
    with pytest.raises(actions.PostingRefused, match="Reason: Spamming"):
        reply(thread, member, "Let me back in")
    assert "My shins hurt." in client.get(thread.get_absolute_url()).content.decode()
    assert User.objects.get(pk=member.pk).post_count == 1


def test_a_forum_moderator_cannot_ban_and_nobody_but_a_superuser_bans_staff(
    member, forum_moderator, global_moderator, superuser
):
    with pytest.raises(actions.ModerationRefused):
        actions.ban_member(member=member, moderator=forum_moderator, reason="x")
    with pytest.raises(actions.ModerationRefused):
        actions.ban_member(member=forum_moderator, moderator=global_moderator, reason="x")

    actions.ban_member(member=forum_moderator, moderator=superuser, reason="Abused powers")

    assert User.objects.get(pk=forum_moderator.pk).is_banned


def test_banning_from_the_member_changelist_asks_for_a_reason_then_bans_and_logs(
    client, member, other_member, global_moderator
):
    client.force_login(global_moderator)
    picked = {"action": "ban", "_selected_action": [member.pk, other_member.pk], "index": 0}

    page = client.post("/admin/accounts/user/", picked)
    assert page.status_code == 200 and 'name="reason"' in page.content.decode()
    client.post("/admin/accounts/user/", {**picked, "apply": "1", "reason": "Sock puppets"})

    assert User.objects.filter(is_banned=True, ban_reason="Sock puppets").count() == 2
    assert LogEntry.objects.filter(change_message__contains="Sock puppets").count() == 2


@pytest.mark.parametrize("ends_at", ["9999-12-31 23:59", "0001-01-01 00:00", "2101-01-01 00:00"])
def test_a_ban_ending_outside_1970_to_2100_is_refused_and_pages_keep_working(
    client, member, thread, global_moderator, ends_at
):
    client.force_login(global_moderator)
    picked = {"action": "ban", "_selected_action": [member.pk], "index": 0, "apply": "1"}

    page = client.post("/admin/accounts/user/", {**picked, "reason": "Spam", "ends_at": ends_at})
    day, time = ends_at.split()  # the admin's split date and time inputs
    added = client.post(
        "/admin/accounts/ban/add/",
        {"member": member.pk, "reason": "Spam", "ends_at_0": day, "ends_at_1": time},
    )

    for response in (page, added):
        assert response.status_code == 200
        assert "Enter a date between the years 1970 and 2100." in response.content.decode()
    assert not Ban.objects.exists() and not User.objects.get(pk=member.pk).is_banned
    assert client.get(thread.get_absolute_url()).status_code == 200


def test_a_ban_ending_in_2100_is_accepted(client, member, global_moderator):
    client.force_login(global_moderator)
    client.post(
        "/admin/accounts/user/",
        {"action": "ban", "_selected_action": [member.pk], "index": 0, "apply": "1"}
        | {"reason": "Long", "ends_at": "2100-12-31 23:59"},
    )
    assert User.objects.get(pk=member.pk).banned_until.year == 2101  # in UTC


def test_the_ban_admin_lifts_bans(client, member, global_moderator):
    ban = actions.ban_member(member=member, moderator=global_moderator, reason="Spamming")
    client.force_login(global_moderator)

    client.post(
        "/admin/accounts/ban/",
        {"action": "lift", "_selected_action": [ban.pk], "apply": "1", "reason": "Appeal"},
    )

    assert not User.objects.get(pk=member.pk).is_banned
