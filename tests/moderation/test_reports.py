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
