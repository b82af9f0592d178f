"""Who may do what: every role against every moderation step, each cell asserted.

The board: forum "running" holds thread T (posts #1, #2 and #4 by the author, #3 by another
member; #4 already removed) and thread U, which merges into T. A report waits on #3. Forum
moderators moderate "running"; the other forum's moderator moderates "lifting" only.
"""

import pytest

from accounts.models import User
from forum import actions
from forum.models import Post, Report, Thread
from tests.conftest import make_member
from tests.moderation.conftest import make_moderator, reply

ROLES = [
    "anonymous",
    "member",
    "author",
    "forum_moderator",
    "other_forum_moderator",
    "global_moderator",
    "superuser",
]
STEPS = [
    "view_removed",
    "edit",
    "lock",
    "stick",
    "move",
    "remove",
    "restore",
    "merge",
    "split",
    "ban",
    "resolve_report",
    "edit_account",
]
ALLOWED = {
    "anonymous": set(),
    "member": set(),
    "author": {"edit"},
    # Bans are board-wide: global moderators only. Account fields (username, email, password,
    # flags) are the superuser's: changing them could take the account over.
    "forum_moderator": set(STEPS) - {"ban", "edit_account"},
    "other_forum_moderator": set(),
    "global_moderator": set(STEPS) - {"edit_account"},
    "superuser": set(STEPS),
}
MATRIX = [(role, step, step in ALLOWED[role]) for role in ROLES for step in STEPS]
ADMIN_STEPS = {"ban", "resolve_report", "edit_account"}


@pytest.fixture
def board(forum, other_forum, member, other_member):
    first = actions.create_thread(forum=forum, author=member, title="Shin splints", body="Ow.")
    thread = first.thread
    second = reply(thread, member, "Still hurts.")
    third = reply(thread, other_member, "Buy my pills.")
    fourth = reply(thread, member, "Secret removed words.")
    moderator = make_moderator("Setup_Mod")
    actions.remove_post(post=fourth, moderator=moderator, reason="Off topic")
    merging = actions.create_thread(
        forum=forum, author=other_member, title="Shins again", body="Same here."
    ).thread
    report = actions.report_post(post=third, reporter=member, reason="Spam.")
    return {
        "thread": thread,
        "own_post": second,
        "spam": third,
        "removed": fourth,
        "merging": merging,
        "report": report,
        "victim": make_member("Victim"),
        "forum": forum,
        "other_forum": other_forum,
    }


def user_for(role, request) -> User | None:
    if role == "anonymous":
        return None
    if role == "member":
        return make_member("Bystander")
    if role == "author":
        return request.getfixturevalue("member")
    return request.getfixturevalue(role)


def perform(client, step, board):
    """Does the step as a browser would; returns the response and whether it took effect."""
    thread, url = board["thread"], f"/threads/{board['thread'].pk}"
    if step == "view_removed":
        response = client.get(thread.get_absolute_url())
        return response, "Secret removed words." in response.content.decode()
    if step == "edit":
        response = client.get(f"/posts/{board['own_post'].pk}/edit/")
        return response, response.status_code == 200
    if step in ("lock", "stick"):
        response = client.post(f"{url}/moderate/", {"step": step, "reason": ""})
        thread.refresh_from_db()
        return response, thread.is_locked if step == "lock" else thread.is_sticky
    if step == "move":
        response = client.post(f"{url}/move/", {"forum": board["other_forum"].pk})
        thread.refresh_from_db()
        return response, thread.forum_id == board["other_forum"].pk
    if step in ("remove", "restore"):
        post = board["spam"] if step == "remove" else board["removed"]
        response = client.post(f"/posts/{post.pk}/moderate/", {"step": step, "reason": "Spam"})
        post.refresh_from_db()
        return response, post.is_removed == (step == "remove")
    if step == "merge":
        merging = board["merging"]
        response = client.post(f"/threads/{merging.pk}/merge/", {"target": thread.pk})
        merging.refresh_from_db()
        return response, merging.merged_into_id == thread.pk
    if step == "split":
        response = client.post(f"{url}/split/", {"numbers": "3", "title": "Pill talk"})
        return response, Thread.objects.filter(title="Pill talk").exists()
    if step == "ban":
        response = client.post(
            "/admin/accounts/ban/add/", {"member": board["victim"].pk, "reason": "Spammer."}
        )
        return response, User.objects.get(pk=board["victim"].pk).is_banned
    if step == "resolve_report":
        response = client.post(
            "/admin/forum/report/",
            {"action": "resolve", "_selected_action": [board["report"].pk], "index": 0},
        )
        return response, not Report.objects.get(pk=board["report"].pk).is_open
    if step == "edit_account":
        victim = board["victim"]
        response = client.post(
            f"/admin/accounts/user/{victim.pk}/change/",
            {
                "username": "Victim",
                "email": "attacker@example.com",
                "is_active": "on",
                "date_joined_0": "2026-01-01",
                "date_joined_1": "00:00:00",
            },
        )
        return response, User.objects.get(pk=victim.pk).email == "attacker@example.com"
    raise AssertionError(step)


@pytest.mark.parametrize(("role", "step", "allowed"), MATRIX)
def test_each_role_may_do_exactly_the_moderation_steps_its_row_allows(
    client, board, request, role, step, allowed
):
    user = user_for(role, request)
    if user is not None:
        client.force_login(user)

    response, took_effect = perform(client, step, board)

    assert took_effect is allowed
    if allowed or step == "view_removed":
        assert response.status_code in (200, 302)
    elif role == "anonymous" or (step in ADMIN_STEPS and not user.is_staff):
        assert response.status_code == 302
        assert "login" in response["Location"]
    elif step == "resolve_report":
        # The report is outside the moderator's queryset: the admin finds nothing to act on.
        assert response.status_code == 302
    elif step == "edit_account":
        # The change page saves what moderators may change; the account fields are read-only.
        assert response.status_code == 302
    else:
        assert response.status_code == 403


def test_a_refused_step_writes_nothing_to_the_moderation_log(client, board, other_member):
    from django.contrib.admin.models import LogEntry

    before = LogEntry.objects.count()
    client.force_login(other_member)
    client.post(f"/posts/{board['spam'].pk}/moderate/", {"step": "remove", "reason": "x"})
    assert LogEntry.objects.count() == before
    assert not Post.objects.get(pk=board["spam"].pk).is_removed
