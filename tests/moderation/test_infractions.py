"""Warnings and infractions (vBulletin 3.6): given for a post by its forum's moderators, told
by mail, added up, banning at the admin's levels, expiring, reversible, seen by the member."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Ban, User
from forum import actions
from forum.models import Infraction, InfractionLevel, InfractionReason
from tests.conftest import make_member
from tests.moderation.conftest import make_moderator, reply


@pytest.fixture
def post(thread, member):
    return reply(thread, member, "Rude words.")


@pytest.fixture
def spamming(db) -> InfractionReason:
    return InfractionReason.objects.create(name="Spamming", points=3, expires_after_days=10)


def give(post, moderator, points=3, days=10, reason="Spamming"):
    expires_at = timezone.now() + timedelta(days=days) if days else None
    return actions.give_infraction(
        post=post, moderator=moderator, reason=reason, points=points, expires_at=expires_at
    )


def as_client(client, user):
    client.force_login(user)
    return client


def test_a_forum_moderator_gives_an_infraction_from_a_reason_the_admin_set(
    client, post, member, forum_moderator, spamming
):
    response = as_client(client, forum_moderator).post(
        f"/posts/{post.pk}/infraction/", {"choice": spamming.pk, "custom_reason": ""}
    )

    assert response.status_code == 302
    infraction = Infraction.objects.get(post=post)
    assert (infraction.member, infraction.points, infraction.reason) == (member, 3, "Spamming")
    assert (
        timedelta(days=9, hours=23) < infraction.expires_at - timezone.now() <= timedelta(days=10)
    )
    entry = LogEntry.objects.get(object_id=str(infraction.pk))
    assert entry.user == forum_moderator and "Infraction of 3 points given" in entry.change_message


def test_a_warning_carries_no_points_and_no_expiry(client, post, forum_moderator):
    as_client(client, forum_moderator).post(
        f"/posts/{post.pk}/infraction/",
        {"custom_reason": "Mind your tone", "points": "5", "expires_after_days": "7",
         "warning_only": "on"},
    )  # fmt: skip

    infraction = Infraction.objects.get(post=post)
    assert infraction.is_warning and infraction.expires_at is None
    assert actions.points_in_force(infraction.member) == 0


def test_the_member_is_mailed_when_the_infraction_commits(
    post, member, global_moderator, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        infraction = give(post, global_moderator, points=2, reason="Off-topic")

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [member.email] and "infraction" in mail.subject
    assert "2 points" in mail.body and "Reason: Off-topic" in mail.body
    assert f"/posts/{post.pk}/" in mail.body
    assert f"/members/{member.pk}/infractions/" in mail.body
    assert infraction.pk


def test_the_mail_is_a_task_written_in_the_infractions_transaction(
    post, global_moderator, run_tasks, mailoutbox
):
    give(post, global_moderator)
    assert mailoutbox == []

    assert run_tasks() == 1
    assert len(mailoutbox) == 1


def test_guests_and_members_are_refused(client, post, other_member):
    assert client.get(f"/posts/{post.pk}/infraction/").status_code == 302  # to the login page
    response = as_client(client, other_member).post(
        f"/posts/{post.pk}/infraction/", {"custom_reason": "x", "points": 1,
                                          "expires_after_days": 1},
    )  # fmt: skip
    assert response.status_code == 403
    assert not Infraction.objects.exists()


def test_a_moderator_of_another_forum_is_refused(client, post, other_forum_moderator):
    response = as_client(client, other_forum_moderator).get(f"/posts/{post.pk}/infraction/")

    assert response.status_code == 403
    with pytest.raises(actions.ModerationRefused):
        give(post, other_forum_moderator)


def test_staff_are_never_given_infractions(thread, global_moderator, forum_moderator, client):
    staff_post = reply(thread, forum_moderator, "Moderator's post.")

    with pytest.raises(actions.ModerationRefused, match="Staff"):
        give(staff_post, global_moderator)
    assert as_client(client, global_moderator).get(
        f"/posts/{staff_post.pk}/infraction/"
    ).status_code == 403  # fmt: skip


def test_points_add_up_and_reaching_a_level_bans_for_its_days(thread, member, global_moderator):
    InfractionLevel.objects.create(points=5, ban_days=7)
    give(reply(thread, member), global_moderator, points=3)
    member.refresh_from_db()
    assert not member.is_under_ban

    give(reply(thread, member), global_moderator, points=3)

    member.refresh_from_db()
    assert member.is_under_ban
    assert timedelta(days=6, hours=23) < member.banned_until - timezone.now() <= timedelta(days=7)
    assert "6 infraction points" in Ban.objects.get(member=member).reason


def test_a_forum_moderators_infraction_bans_by_the_level_too(thread, member, forum_moderator):
    InfractionLevel.objects.create(points=2, ban_days=3)

    give(reply(thread, member), forum_moderator, points=2)

    assert User.objects.get(pk=member.pk).is_under_ban


def test_a_longer_ban_in_force_is_not_shortened_by_a_level(thread, member, global_moderator):
    InfractionLevel.objects.create(points=1, ban_days=3)
    post = reply(thread, member)
    actions.ban_member(member=member, moderator=global_moderator, reason="For good")

    give(post, global_moderator, points=1)

    member.refresh_from_db()
    assert member.banned_until is None and member.ban_reason == "For good"


def test_expired_infractions_no_longer_count(thread, member, global_moderator):
    InfractionLevel.objects.create(points=5, ban_days=7)
    old = give(reply(thread, member), global_moderator, points=3)
    Infraction.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    give(reply(thread, member), global_moderator, points=3)

    assert actions.points_in_force(member) == 3
    assert not User.objects.get(pk=member.pk).is_under_ban


def test_a_reversed_infraction_stops_counting(client, thread, member, global_moderator):
    InfractionLevel.objects.create(points=5, ban_days=7)
    first = give(reply(thread, member), global_moderator, points=3)

    response = as_client(client, global_moderator).post(
        f"/infractions/{first.pk}/reverse/", {"reason": "Misread the post"}
    )
    give(reply(thread, member), global_moderator, points=3)

    assert response.status_code == 302
    first.refresh_from_db()
    assert first.reversed_by == global_moderator and first.reversed_reason == "Misread the post"
    assert actions.points_in_force(member) == 3
    assert not User.objects.get(pk=member.pk).is_under_ban
    assert LogEntry.objects.filter(object_id=str(first.pk), change_message__contains="Reversed")


def test_a_member_cannot_reverse_an_infraction(client, post, member, global_moderator):
    infraction = give(post, global_moderator)

    as_client(client, member)
    response = client.post(f"/infractions/{infraction.pk}/reverse/", {"reason": "I disagree"})
    empty = client.post(f"/infractions/{infraction.pk}/reverse/", {"reason": ""})

    assert response.status_code == empty.status_code == 403
    infraction.refresh_from_db()
    assert infraction.reversed_at is None


def test_the_member_sees_their_own_infractions_and_others_do_not(
    client, post, member, other_member, global_moderator
):
    give(post, global_moderator, points=4, reason="Insulting another member")
    url = f"/members/{member.pk}/infractions/"

    html = as_client(client, member).get(url).content.decode()
    assert "Insulting another member" in html and "Reverse" not in html
    assert '<strong class="infraction-points">4</strong>' in html
    assert "Your warnings and infractions" in client.get(f"/members/{member.pk}/").content.decode()

    assert as_client(client, other_member).get(url).status_code == 404
    assert "warnings and infractions" not in client.get(f"/members/{member.pk}/").content.decode()
    client.logout()
    assert client.get(url).status_code == 302


def test_a_moderator_sees_a_members_infractions_with_the_reverse_button(
    client, post, member, forum_moderator
):
    give(post, forum_moderator, points=4, reason="Insulting another member")

    html = as_client(client, forum_moderator).get(f"/members/{member.pk}/infractions/").content
    assert b"Insulting another member" in html and b"Reverse" in html


def test_one_infraction_per_post_is_enforced_by_the_database(post, member, global_moderator):
    give(post, global_moderator)

    with pytest.raises(actions.ModerationRefused, match="already"):
        give(post, global_moderator)
    with pytest.raises(IntegrityError), transaction.atomic():
        Infraction.objects.create(post=post, member=member, reason="Again", points=1)


def test_the_form_page_says_when_the_post_already_has_one(client, post, global_moderator):
    give(post, global_moderator, reason="Spamming")

    response = as_client(client, global_moderator).post(
        f"/posts/{post.pk}/infraction/",
        {"custom_reason": "Twice", "points": 1, "expires_after_days": 1},
    )

    assert response.status_code == 200
    assert "already has an infraction of 3 points (Spamming)" in response.content.decode()
    assert Infraction.objects.count() == 1


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"custom_reason": "Rude", "points": "-1", "expires_after_days": "5"}, "greater than"),
        ({"custom_reason": "Rude", "points": "9" * 30, "expires_after_days": "5"}, "less than"),
        ({"custom_reason": "Rude", "points": "1", "expires_after_days": "9" * 30}, "less than"),
        ({"custom_reason": "Ru\x00de", "points": "1", "expires_after_days": "5"}, "ull"),
        ({"custom_reason": "Rude", "points": "1\x00", "expires_after_days": "5"}, "whole number"),
        ({"custom_reason": "   ", "points": "1", "expires_after_days": "5"}, "Choose a reason"),
        ({"custom_reason": "Rude"}, "give the points and the expiry"),
        ({"choice": "999999999999999999999"}, "valid choice"),
        ({"custom_reason": "x" * 5000, "points": "1", "expires_after_days": "5"}, "too long"),
    ],
)
def test_bad_input_gives_a_form_error_not_a_500(client, post, global_moderator, fields, message):
    response = as_client(client, global_moderator).post(f"/posts/{post.pk}/infraction/", fields)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Infraction.objects.exists()


def test_the_form_page_runs_a_fixed_number_of_queries(
    client, post, forum_moderator, spamming, django_assert_num_queries
):
    InfractionReason.objects.create(name="Off-topic", points=1, expires_after_days=5)
    as_client(client, forum_moderator)
    # 1 session, 2 user, 3 the post with thread, forum, category and author, 4 the moderator's
    # forums, 5 the post's infraction if any, 6 the reasons (the form's choices), 7 the
    # header's queue count
    with django_assert_num_queries(7):
        response = client.get(f"/posts/{post.pk}/infraction/")
    assert b"Off-topic" in response.content and b"Spamming" in response.content


def test_the_member_page_runs_a_fixed_number_of_queries(
    client, thread, member, global_moderator, django_assert_num_queries
):
    for _ in range(3):
        give(reply(thread, member), global_moderator, points=1)
    as_client(client, member)
    # 1 session, 2 user, 3 the member, 4 the infractions with posts, threads and moderators,
    # 5 the points in force
    with django_assert_num_queries(5):
        assert client.get(f"/members/{member.pk}/infractions/").status_code == 200


def test_the_postbit_shows_the_link_to_moderators_only(client, post, member, forum_moderator):
    url = post.thread.get_absolute_url()
    assert f"/posts/{post.pk}/infraction/".encode() in as_client(client, forum_moderator).get(
        url
    ).content  # fmt: skip
    assert b"/infraction/" not in as_client(client, member).get(url).content


def test_the_admin_lists_infractions_and_reverses_them(client, post, superuser, global_moderator):
    infraction = give(post, global_moderator, reason="Spamming the board")
    as_client(client, superuser)

    html = client.get("/admin/forum/infraction/").content.decode()
    assert "Spamming the board" in html
    assert client.get("/admin/forum/infractionreason/add/").status_code == 200
    assert client.get("/admin/forum/infractionlevel/add/").status_code == 200

    client.post(
        "/admin/forum/infraction/",
        {"action": "reverse", "_selected_action": [infraction.pk], "apply": "1",
         "reason": "Too harsh"},
    )  # fmt: skip
    infraction.refresh_from_db()
    assert infraction.reversed_by == superuser


def test_a_forum_moderator_sees_only_their_forums_infractions_in_the_admin(
    client, post, forum, other_forum, global_moderator
):
    give(post, global_moderator, reason="In the running forum")
    lifter = make_member("Lifter")
    other_thread = actions.create_thread(
        forum=other_forum, author=lifter, title="Deadlifts", body="Heavy."
    ).thread
    give(reply(other_thread, lifter), global_moderator, reason="In the lifting forum")
    moderator = make_moderator("Running_Mod", forums=[forum])

    html = as_client(client, moderator).get("/admin/forum/infraction/").content.decode()

    assert "In the running forum" in html and "In the lifting forum" not in html


def test_the_admin_refuses_negative_points_for_a_reason(client, superuser):
    response = as_client(client, superuser).post(
        "/admin/forum/infractionreason/add/",
        {"name": "Bad", "points": "-3", "expires_after_days": "99999999999"},
    )

    assert response.status_code == 200
    assert not InfractionReason.objects.exists()


@pytest.mark.parametrize(
    "fields", [{"points": "0", "ban_days": "7"}, {"points": "5", "ban_days": "-1"},
               {"points": "5", "ban_days": "9" * 30}, {"points": "5\x00", "ban_days": "7"}],
)  # fmt: skip
def test_the_admin_refuses_a_level_that_cannot_be(client, superuser, fields):
    response = as_client(client, superuser).post("/admin/forum/infractionlevel/add/", fields)

    assert response.status_code == 200
    assert not InfractionLevel.objects.exists()


def test_a_moderator_of_another_forum_cannot_reverse_an_infraction(
    client, post, global_moderator, other_forum_moderator
):
    infraction = give(post, global_moderator)

    response = as_client(client, other_forum_moderator).post(
        f"/infractions/{infraction.pk}/reverse/", {"reason": "Not mine to judge"}
    )

    assert response.status_code == 403
    infraction.refresh_from_db()
    assert infraction.reversed_at is None
