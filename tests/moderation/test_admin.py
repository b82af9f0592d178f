import pytest
from django.contrib.admin import site
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from forum import actions
from forum.models import Forum, Post, Thread
from tests.conftest import make_member
from tests.moderation.conftest import reply

CHANGELISTS = [
    "/admin/forum/category/",
    "/admin/forum/forum/",
    "/admin/forum/thread/",
    "/admin/forum/post/",
    "/admin/forum/report/",
    "/admin/forum/infraction/",
    "/admin/accounts/user/",
    "/admin/accounts/ban/",
    "/admin/admin/logentry/",
]


def fill_board(forum, size: int, moderator) -> None:
    """`size` threads by different members, each with a reply, a report, an infraction and a
    ban."""
    for n in range(size):
        author = make_member(f"Poster{n}")
        thread = actions.create_thread(forum=forum, author=author, title=f"T{n}", body="x").thread
        post = reply(thread, author, "y")
        actions.report_post(post=post, reporter=author, reason="Spam")
        actions.give_infraction(
            post=post, moderator=moderator, reason="Spam", points=1, expires_at=None
        )
        actions.ban_member(member=author, moderator=moderator, reason="Spam")


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# Every changelist: 1 session, 2 the user, then its own queries. A moderator adds 3 of their
# own: their permissions (user's and group's) and the forums they moderate.
# category: 3 count (paginator), 4 full count (a small table keeps it), 5 the page
# forum: 3 categories for the filter, 4-5 counts, 6 the page with categories
# thread, post: 3 forums for the filter, 4 count, 5 the page with forum/starter or thread/author,
#   6-7 the date hierarchy (first and last date, then the dates at that level)
# report, infraction, ban: 3 count, 4 the page with its related rows, 5-6 the date hierarchy
# user: 3 groups for the filter, 4 count, 5 the page, 6-7 the date hierarchy
# logentry: 3 content types for the filter, 4 count, 5 the page, 6-7 the date hierarchy
SUPERUSER_QUERIES = {
    "/admin/forum/category/": 5,
    "/admin/forum/forum/": 6,
    "/admin/forum/thread/": 7,
    "/admin/forum/post/": 7,
    "/admin/forum/report/": 6,
    "/admin/forum/infraction/": 6,
    "/admin/accounts/user/": 7,
    "/admin/accounts/ban/": 6,
    "/admin/admin/logentry/": 7,
}


@pytest.mark.parametrize("size", [2, 5])
@pytest.mark.parametrize(("url", "queries"), SUPERUSER_QUERIES.items())
def test_admin_changelists_run_a_fixed_number_of_queries_whatever_the_rows(
    client, forum, superuser, url, queries, size
):
    fill_board(forum, size, superuser)
    client.force_login(superuser)

    assert count_queries(client, url) == queries


@pytest.mark.parametrize("size", [2, 5])
@pytest.mark.parametrize("url", [url for url in CHANGELISTS if "logentry" not in url])
def test_moderator_changelists_add_only_their_permissions_and_forums(
    client, forum, superuser, global_moderator, url, size
):
    fill_board(forum, size, superuser)
    client.force_login(global_moderator)

    assert count_queries(client, url) == SUPERUSER_QUERIES[url] + 3


def test_the_moderators_group_holds_exactly_the_permissions_moderating_needs(db):
    from django.contrib.auth.models import Group

    codenames = set(
        Group.objects.get(name="Moderators").permissions.values_list(
            "content_type__app_label", "codename"
        )
    )

    assert codenames == {
        ("forum", "view_category"),
        ("forum", "view_forum"),
        ("forum", "view_thread"),
        ("forum", "change_thread"),
        ("forum", "view_post"),
        ("forum", "change_post"),
        ("forum", "view_report"),
        ("forum", "change_report"),
        ("forum", "view_infraction"),
        ("forum", "change_infraction"),
        ("accounts", "view_user"),
        ("accounts", "change_user"),
        ("accounts", "view_ban"),
        ("accounts", "add_ban"),
        ("accounts", "change_ban"),
    }


def test_a_forum_moderator_sees_only_their_forums_threads_posts_and_reports(
    client, forum, other_forum, member, forum_moderator
):
    mine = actions.create_thread(forum=forum, author=member, title="Mine here", body="a")
    theirs = actions.create_thread(forum=other_forum, author=member, title="Not mine", body="b")
    actions.report_post(post=mine, reporter=member, reason="Report A")
    actions.report_post(post=theirs, reporter=member, reason="Report B")
    client.force_login(forum_moderator)

    threads = client.get("/admin/forum/thread/").content.decode()
    reports = client.get("/admin/forum/report/").content.decode()

    assert "Mine here" in threads and "Not mine" not in threads
    assert "Report A" in reports and "Report B" not in reports
    assert client.get(f"/admin/forum/post/{theirs.pk}/change/").status_code == 302  # not found


def test_nobody_but_a_superuser_hard_deletes_posts_or_threads(
    client, thread, global_moderator, superuser
):
    post = reply(thread, superuser, "Delete me")
    client.force_login(global_moderator)

    assert client.post(f"/admin/forum/post/{post.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(f"/admin/forum/thread/{thread.pk}/delete/").status_code == 403
    assert "delete_selected" not in client.get("/admin/forum/post/").content.decode()

    client.force_login(superuser)
    client.post(f"/admin/forum/post/{post.pk}/delete/", {"post": "yes"})
    assert not Post.objects.filter(pk=post.pk).exists()
    assert actions.recount() == {"threads": 0, "forums": 0, "members": 0}


def test_deleting_a_member_with_posts_is_refused_even_for_a_superuser(
    client, thread, member, superuser
):
    client.force_login(superuser)

    response = client.post(f"/admin/accounts/user/{member.pk}/delete/", {"post": "yes"})

    assert "protected" in response.content.decode()
    assert User.objects.filter(pk=member.pk).exists()


def test_deleting_a_forum_with_threads_is_refused_even_for_a_superuser(
    client, thread, forum, superuser
):
    client.force_login(superuser)

    response = client.post(f"/admin/forum/forum/{forum.pk}/delete/", {"post": "yes"})

    assert "protected" in response.content.decode()
    assert Forum.objects.filter(pk=forum.pk).exists()


def test_a_moderator_cannot_see_superusers_or_grant_permissions_or_set_passwords(
    client, member, forum_moderator, global_moderator, superuser
):
    client.force_login(global_moderator)

    members = client.get("/admin/accounts/user/").content.decode()
    form = client.get(f"/admin/accounts/user/{member.pk}/change/").content.decode()

    assert "Member_One" in members and "Boss" not in members
    assert client.get(f"/admin/accounts/user/{superuser.pk}/change/").status_code == 302
    assert 'name="is_superuser"' not in form and 'name="groups"' not in form
    assert 'name="user_permissions"' not in form and 'name="is_staff"' not in form
    assert client.get(f"/admin/accounts/user/{member.pk}/password/").status_code == 403
    other_staff = client.post(
        f"/admin/accounts/user/{forum_moderator.pk}/change/",
        {"username": "Forum_Mod", "email": "x@example.com"},
    )
    assert other_staff.status_code == 403


def test_a_moderator_posting_permission_fields_changes_nothing(client, member, global_moderator):
    client.force_login(global_moderator)

    client.post(
        f"/admin/accounts/user/{member.pk}/change/",
        {
            "username": "Member_One",
            "email": "member_one@example.com",
            "user_title": "Fresh",
            "is_superuser": "on",
            "is_staff": "on",
        },
    )

    member.refresh_from_db()
    assert (member.user_title, member.is_superuser, member.is_staff) == ("Fresh", False, False)


ACCOUNT_TAKEOVER = {
    "username": "Taken_Over",
    "email": "attacker@example.com",
    "email_confirmed": "on",
    "first_name": "Mallory",
    "last_name": "Attacker",
    "is_active": "",
    "is_staff": "on",
    "is_superuser": "on",
    "password": "md5$salt$0123456789abcdef",
    "date_joined_0": "2001-01-01",
    "date_joined_1": "00:00:00",
    "last_login_0": "2001-01-01",
    "last_login_1": "00:00:00",
    "post_count": "9999",
}
PROFILE = {"user_title": "Fresh", "location": "Leeds", "time_zone": "", "signature": "[b]Hi[/b]"}


def account_of(member):
    member.refresh_from_db()
    return {
        field: getattr(member, field)
        for field in [
            "username",
            "username_key",
            "email",
            "email_confirmed",
            "first_name",
            "last_name",
            "is_active",
            "is_staff",
            "is_superuser",
            "password",
            "date_joined",
            "last_login",
            "post_count",
        ]
    }


def test_a_moderator_changes_a_members_profile_but_nothing_that_controls_the_account(
    client, member, global_moderator
):
    before = account_of(member)
    client.force_login(global_moderator)

    response = client.post(
        f"/admin/accounts/user/{member.pk}/change/", {**ACCOUNT_TAKEOVER, **PROFILE}
    )

    assert response.status_code == 302
    assert account_of(member) == before
    assert (member.user_title, member.location) == ("Fresh", "Leeds")
    assert member.signature_html == "<strong>Hi</strong>"


def test_the_admin_tells_a_moderator_why_the_account_fields_are_read_only(
    client, member, global_moderator
):
    client.force_login(global_moderator)
    html = client.get(f"/admin/accounts/user/{member.pk}/change/").content.decode()
    for field in ["username", "email", "email_confirmed", "first_name", "last_name", "is_active"]:
        assert f'name="{field}"' not in html, field
    for field in PROFILE:
        assert f'name="{field}"' in html, field
    assert "Only superusers change these fields: whoever changes a member's username" in html


def test_a_superuser_still_changes_a_members_email(client, member, superuser):
    client.force_login(superuser)
    client.post(
        f"/admin/accounts/user/{member.pk}/change/",
        {
            "username": "Member_One",
            "email": "new@example.com",
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            **PROFILE,
        },
    )
    member.refresh_from_db()
    assert member.email == "new@example.com"


def test_only_superusers_read_the_moderation_log(client, thread, global_moderator, superuser):
    actions.lock_thread(thread=thread, moderator=global_moderator, reason="Flame war")

    client.force_login(global_moderator)
    assert client.get("/admin/admin/logentry/").status_code == 403
    client.force_login(superuser)
    html = client.get("/admin/admin/logentry/").content.decode()
    assert "Closed. Reason: Flame war" in html and "Global_Mod" in html
    entry = LogEntry.objects.get()
    assert client.post(f"/admin/admin/logentry/{entry.pk}/delete/").status_code == 403


def test_a_threads_posts_link_opens_the_post_changelist_filtered_to_that_thread(
    client, thread, member, other_member, superuser
):
    reply(thread, other_member, "Second post")
    actions.create_thread(forum=thread.forum, author=member, title="Other", body="Elsewhere")
    client.force_login(superuser)

    threads = client.get("/admin/forum/thread/").content.decode()
    posts = client.get(f"/admin/forum/post/?thread__id__exact={thread.pk}").content.decode()
    by_member = client.get(f"/admin/forum/post/?author__id__exact={member.pk}").content.decode()

    assert f"/admin/forum/post/?thread__id__exact={thread.pk}" in threads
    assert "Second post" in posts and "Elsewhere" not in posts
    assert "Elsewhere" in by_member and "Second post" not in by_member


def test_moving_threads_from_the_admin_asks_for_the_forum_then_fixes_the_counters(
    client, thread, forum, other_forum, global_moderator
):
    client.force_login(global_moderator)
    picked = {"action": "move", "_selected_action": [thread.pk], "index": 0}

    page = client.post("/admin/forum/thread/", picked)
    assert 'name="forum"' in page.content.decode()
    # The step keeps Django's breadcrumb bar, with the way back to the list.
    assert '<ol class="breadcrumbs">' in page.content.decode()
    assert '<a href="/admin/forum/thread/">Threads</a>' in page.content.decode()
    client.post("/admin/forum/thread/", {**picked, "apply": "1", "forum": other_forum.pk})

    assert Thread.objects.get(pk=thread.pk).forum_id == other_forum.pk
    logged = LogEntry.objects.latest("pk")
    assert logged.change_message == f"Moved from “{forum.name}” to “{other_forum.name}”."
    assert Forum.objects.get(pk=forum.pk).thread_count == 0
    assert actions.recount() == {"threads": 0, "forums": 0, "members": 0}


def test_merging_threads_from_the_admin_keeps_the_chosen_target(
    client, thread, forum, member, global_moderator
):
    other = actions.create_thread(forum=forum, author=member, title="Dup", body="Again").thread
    client.force_login(global_moderator)

    client.post(
        "/admin/forum/thread/",
        {
            "action": "merge",
            "_selected_action": [thread.pk, other.pk],
            "apply": "1",
            "target": thread.pk,
        },
    )

    assert Thread.objects.get(pk=other.pk).merged_into_id == thread.pk
    assert Thread.objects.get(pk=thread.pk).post_count == 2


def test_the_recount_actions_repair_counters_broken_behind_the_boards_back(
    client, thread, forum, member, superuser
):
    Forum.objects.filter(pk=forum.pk).update(post_count=99)
    Thread.objects.filter(pk=thread.pk).update(post_count=99)
    User.objects.filter(pk=member.pk).update(post_count=99)
    client.force_login(superuser)

    for url, action, pk in [
        ("/admin/forum/forum/", "recount_forums", forum.pk),
        ("/admin/forum/thread/", "recount_threads", thread.pk),
        ("/admin/accounts/user/", "recount_members", member.pk),
    ]:
        client.post(url, {"action": action, "_selected_action": [pk], "index": 0})

    assert actions.recount() == {"threads": 0, "forums": 0, "members": 0}


def test_every_admin_change_page_renders_for_a_superuser(client, thread, member, superuser):
    post = thread.first_post
    report = actions.report_post(post=post, reporter=member, reason="Spam")
    ban = actions.ban_member(member=member, moderator=superuser, reason="Spam")
    entry = LogEntry.objects.first()
    client.force_login(superuser)

    for url in [
        f"/admin/forum/category/{thread.forum.category_id}/change/",
        f"/admin/forum/forum/{thread.forum_id}/change/",
        f"/admin/forum/thread/{thread.pk}/change/",
        f"/admin/forum/post/{post.pk}/change/",
        f"/admin/forum/report/{report.pk}/change/",
        f"/admin/accounts/user/{member.pk}/change/",
        f"/admin/accounts/ban/{ban.pk}/change/",
        "/admin/accounts/ban/add/",
        f"/admin/admin/logentry/{entry.pk}/change/",
        "/admin/",
    ]:
        assert client.get(url).status_code == 200, url


def test_a_global_moderator_bans_from_the_ban_admins_add_page(client, member, global_moderator):
    client.force_login(global_moderator)
    assert client.get("/admin/accounts/ban/add/").status_code == 200

    response = client.post(
        "/admin/accounts/ban/add/",
        {"member": member.pk, "reason": "Spam links", "ends_at_0": "", "ends_at_1": ""},
    )

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.is_banned and member.ban_reason == "Spam links"


def test_the_demo_boards_moderator_is_in_the_moderators_group(sample):
    from django.core.management import call_command

    call_command("loaddata", "demo_board", verbosity=0)

    dave = User.objects.get(username="Coach_Dave")
    assert dave.is_staff and dave.moderated_forum_ids is None
    assert dave.has_perm("forum.change_post") and not dave.has_perm("forum.delete_post")


@pytest.mark.parametrize("title", ["Two\u2028lines", "Two\x85lines", "Two\r\nlines", "Bell\x07"])
def test_the_admin_refuses_a_thread_title_the_board_would_refuse(client, superuser, thread, title):
    client.force_login(superuser)

    response = client.post(f"/admin/forum/thread/{thread.pk}/change/", {"title": title})

    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert Thread.objects.get(pk=thread.pk).title == thread.title


def test_the_admin_saves_a_clean_thread_title(client, superuser, thread):
    client.force_login(superuser)
    response = client.post(f"/admin/forum/thread/{thread.pk}/change/", {"title": " Renamed "})
    assert response.status_code == 302
    assert Thread.objects.get(pk=thread.pk).title == "Renamed"


DATE_DRILL_DOWNS = [
    "{field}__year=9999",
    "{field}__year=9999&{field}__month=12",
    "{field}__year=9999&{field}__month=12&{field}__day=31",
    "{field}__year=0&{field}__month=1",
    "{field}__year=99999999999",
]


@pytest.mark.parametrize("query", DATE_DRILL_DOWNS)
def test_every_date_drill_down_past_the_calendar_is_a_bad_filter_not_a_500(
    client, superuser, query
):
    client.force_login(superuser)
    with_dates = [
        model_admin for model_admin in site._registry.values() if model_admin.date_hierarchy
    ]
    assert len(with_dates) >= 6
    for model_admin in with_dates:
        opts = model_admin.model._meta
        url = f"/admin/{opts.app_label}/{opts.model_name}/"
        response = client.get(f"{url}?{query.format(field=model_admin.date_hierarchy)}")
        assert (response.status_code, response.url) == (302, f"{url}?e=1"), url
