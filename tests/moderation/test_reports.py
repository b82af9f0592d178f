import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forum import actions
from forum.models import Post, Report
from tests.moderation.conftest import reply


@pytest.fixture
def rude_post(thread, other_member):
    return reply(thread, other_member, "You are all idiots.")


def test_members_see_a_report_link_on_each_post_and_guests_do_not(client, member, rude_post):
    thread_url = rude_post.thread.get_absolute_url()
    assert f"/posts/{rude_post.pk}/report/" not in client.get(thread_url).content.decode()

    client.force_login(member)

    assert f"/posts/{rude_post.pk}/report/" in client.get(thread_url).content.decode()


def test_a_member_reports_a_post_with_a_reason(member_client, member, rude_post):
    response = member_client.post(f"/posts/{rude_post.pk}/report/", {"reason": "Insults"})

    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.post, report.reporter, report.reason, report.is_open) == (
        rude_post,
        member,
        "Insults",
        True,
    )


@pytest.mark.parametrize("reason", ["", "   ", "x" * 1001])
def test_a_report_needs_a_reason_of_1_to_1000_characters(member_client, rude_post, reason):
    response = member_client.post(f"/posts/{rude_post.pk}/report/", {"reason": reason})

    assert response.status_code == 200
    assert not Report.objects.exists()


def test_reporting_the_same_post_twice_makes_one_open_report(member, rude_post):
    first = actions.report_post(post=rude_post, reporter=member, reason="Insults")
    second = actions.report_post(post=rude_post, reporter=member, reason="Still insults")

    assert first.pk == second.pk and Report.objects.count() == 1


def test_guests_are_sent_to_log_in_before_reporting(client, rude_post):
    response = client.post(f"/posts/{rude_post.pk}/report/", {"reason": "Insults"})

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Report.objects.exists()


def test_the_admin_index_counts_the_open_reports_of_the_moderators_forums(
    client, member, rude_post, forum_moderator, other_forum_moderator
):
    actions.report_post(post=rude_post, reporter=member, reason="Insults")
    resolved = actions.report_post(post=rude_post.thread.first_post, reporter=member, reason="x")
    actions.resolve_report(report=resolved, moderator=forum_moderator)

    client.force_login(forum_moderator)
    assert "1 open report" in client.get("/admin/").content.decode()
    client.force_login(other_forum_moderator)
    assert "No open reports." in client.get("/admin/").content.decode()


def test_the_report_queue_filters_open_and_resolved_reports(
    client, member, rude_post, global_moderator
):
    open_report = actions.report_post(post=rude_post, reporter=member, reason="Open one")
    done = actions.report_post(post=rude_post.thread.first_post, reporter=member, reason="Done one")
    actions.resolve_report(report=done, moderator=global_moderator)
    client.force_login(global_moderator)

    html = client.get("/admin/forum/report/?status=open").content.decode()

    assert "Open one" in html and "Done one" not in html
    assert open_report.is_open


def test_resolve_and_remove_removes_the_post_and_closes_every_report_on_it(
    client, member, other_member, rude_post, forum_moderator
):
    report = actions.report_post(post=rude_post, reporter=member, reason="Insults")
    actions.report_post(post=rude_post, reporter=other_member, reason="Mean")
    client.force_login(forum_moderator)

    client.post(
        "/admin/forum/report/",
        {
            "action": "resolve_and_remove",
            "_selected_action": [report.pk],
            "apply": "1",
            "reason": "Insulting members",
        },
    )

    rude_post.refresh_from_db()
    assert rude_post.is_removed and rude_post.removed_reason == "Insulting members"
    assert not Report.objects.filter(is_open=True).exists()
    assert Report.objects.get(pk=report.pk).resolved_by == forum_moderator
    assert actions.recount() == {"threads": 0, "forums": 0, "members": 0}
    assert LogEntry.objects.filter(change_message__startswith="Resolved and removed").exists()


def test_a_moderator_of_another_forum_cannot_resolve_its_reports(
    member, rude_post, other_forum_moderator
):
    report = actions.report_post(post=rude_post, reporter=member, reason="Insults")

    with pytest.raises(actions.ModerationRefused):
        actions.resolve_report(report=report, moderator=other_forum_moderator, remove_post_too=True)

    assert Report.objects.get(pk=report.pk).is_open
    assert not Post.objects.get(pk=rude_post.pk).is_removed


def test_the_admin_index_counts_open_reports_in_one_query(
    client, member, rude_post, global_moderator
):
    actions.report_post(post=rude_post, reporter=member, reason="Insults")
    client.force_login(global_moderator)

    with CaptureQueriesContext(connection) as queries:
        html = client.get("/admin/").content.decode()

    assert "1 open report" in html
    assert sum("forum_report" in query["sql"] for query in queries) == 1


# What moderators see of open reports on the board, and the report's own admin page.


def test_moderators_see_open_reports_in_the_header_and_a_mark_on_the_reported_post(
    client, member, forum_moderator, other_forum_moderator, rude_post
):
    actions.report_post(post=rude_post, reporter=member, reason="Insults")
    thread_url = rude_post.thread.get_absolute_url()

    client.force_login(forum_moderator)
    html = client.get(thread_url).content.decode()
    assert 'aria-label="1 open">1</span>' in html
    assert f"?status=open&amp;post__id__exact={rude_post.pk}" in html and ">Reported</a>" in html

    client.force_login(other_forum_moderator)  # the post is outside their forums
    html = client.get(thread_url).content.decode()
    assert "open</span>" not in html
    client.force_login(member)
    assert ">Reported</a>" not in client.get(thread_url).content.decode()


def test_the_mark_counts_open_reports_and_goes_once_the_last_is_resolved(
    member, other_member, forum_moderator, rude_post
):
    first = actions.report_post(post=rude_post, reporter=member, reason="Insults")
    second = actions.report_post(post=rude_post, reporter=forum_moderator, reason="Rude")
    actions.report_post(post=rude_post, reporter=member, reason="Again")  # the same open report
    rude_post.refresh_from_db()
    assert rude_post.open_report_count == 2

    actions.resolve_report(report=first, moderator=forum_moderator)
    rude_post.refresh_from_db()
    assert rude_post.open_report_count == 1
    actions.resolve_report(report=second, moderator=forum_moderator)
    rude_post.refresh_from_db()
    assert rude_post.open_report_count == 0


def test_an_open_reports_admin_page_has_a_resolve_button_that_resolves_it(
    client, member, forum_moderator, rude_post
):
    report = actions.report_post(post=rude_post, reporter=member, reason="Insults")
    client.force_login(forum_moderator)
    url = f"/admin/forum/report/{report.pk}/change/"
    assert 'name="_resolve"' in client.get(url).content.decode()

    response = client.post(url, {"_resolve": "Resolve"}, follow=True)

    report.refresh_from_db()
    assert not report.is_open and report.resolved_by == forum_moderator
    html = response.content.decode()
    assert f"Resolved the report: Report by {member} on #{rude_post.number} in “" in html
    assert 'name="_resolve"' not in client.get(url).content.decode()
    rude_post.refresh_from_db()
    assert not rude_post.is_removed and rude_post.open_report_count == 0


def test_resolve_and_remove_on_the_reports_page_removes_the_post(
    client, member, forum_moderator, rude_post
):
    report = actions.report_post(post=rude_post, reporter=member, reason="Insults")
    client.force_login(forum_moderator)

    client.post(f"/admin/forum/report/{report.pk}/change/", {"_resolve_and_remove": "x"})

    rude_post.refresh_from_db()
    assert rude_post.is_removed and rude_post.removed_reason == "Insults"


def test_a_moderator_of_another_forum_cannot_resolve_from_the_reports_page(
    client, member, other_forum_moderator, rude_post
):
    report = actions.report_post(post=rude_post, reporter=member, reason="Insults")
    client.force_login(other_forum_moderator)

    response = client.post(f"/admin/forum/report/{report.pk}/change/", {"_resolve": "Resolve"})

    assert response.status_code in (302, 403, 404)
    report.refresh_from_db()
    assert report.is_open


def test_resolving_one_report_from_the_list_says_one_report(
    client, member, forum_moderator, rude_post
):
    report = actions.report_post(post=rude_post, reporter=member, reason="Insults")
    client.force_login(forum_moderator)

    response = client.post(
        "/admin/forum/report/",
        {"action": "resolve", "_selected_action": [report.pk]},
        follow=True,
    )

    assert "Resolved 1 report." in response.content.decode()


def test_admin_lists_name_threads_and_members_instead_of_ids(client, member, superuser, rude_post):
    actions.report_post(post=rude_post, reporter=member, reason="Insults")
    client.force_login(superuser)

    posts = client.get("/admin/forum/post/").content.decode()
    assert f"#{rude_post.number} in “{rude_post.thread.title}” by {rude_post.author}" in posts
    log = client.get("/admin/admin/logentry/").content.decode()
    assert f"Report by {member} on #{rude_post.number} in “" in log
